// Package lab runs one workload through several HTTP clients side by side,
// each against its own fault-injecting loopback server, and reports what
// each client achieved (success rate, latency) and what it cost the server
// (requests per call, connections opened, load during and after an
// outage), as a table, as JSON or CSV, and as a self-contained HTML page.
// It is the engine of the `rebound lab` command.
//
// Every client meets the same faults: each call carries its number in
// IDHeader and each attempt its number, from 1, in AttemptHeader, and the
// scenario keys its schedule on both (see package faults), so attempt n of
// call i meets the same fault whichever client sends it. Outage windows
// are timed from the start of each client's run. Each attempt is one
// request to the server: the lab turns off net/http's own resend of a
// request that failed on a reused connection, which would meet the same
// fault on every idle connection in turn.
//
// The workload is open: at a rate, each call starts when it is due,
// whatever became of the calls before it, as a service's calls come from
// its own users; a client that makes its callers wait (as a breaker's
// ride-out does) keeps them waiting, rather than slowing the arrivals.
//
// The figures about the server come from the fault server's own counters
// (faults.Stats, read every 10 ms for the timelines), never from the
// clients' view of themselves. Against a target of the user's (Config.
// Target), the faults are injected on the client side, and the figures
// are those of that injector.
package lab
