// Package lab runs one workload through several HTTP clients side by side,
// each against its own fault-injecting loopback server, and reports what
// each client achieved (success rate, latency) and what it cost the server
// (requests per call, connections opened). It is the engine of the
// `rebound lab` command.
//
// Every client meets the same faults: each call carries its number in
// IDHeader and each attempt its number, from 1, in AttemptHeader, and the
// scenario keys its schedule on both (see package faults), so attempt n of
// call i meets the same fault whichever client sends it. Outage windows
// are timed from the start of each client's run.
//
// The figures about the server come from the fault server's own counters
// (faults.Stats), never from the clients' view of themselves.
package lab
