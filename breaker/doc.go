// Package breaker is a circuit breaker: it stops calls to a dependency that
// is failing or slow, so callers fail fast instead of queueing behind it, and
// lets a few probe calls through later to find out whether it has recovered.
// Optionally, calls may instead wait out a short outage (see Ride-out below).
//
// A [Breaker] is in one of three states:
//
//   - [Closed]: calls pass. Each finished call is recorded, and the breaker
//     trips to Open when a trip rule holds (see [Settings]): over a sliding
//     window of recent calls, a failure rate or a slow-call rate at or
//     above its threshold once the window holds a minimum number of calls;
//     or, if set, a run of consecutive failures. Calls still in flight that
//     are already slower than [Settings.SlowCallDuration] count as slow
//     calls, so a dependency that hangs is noticed while it hangs, not
//     after.
//   - [Open]: every call is rejected with [ErrCircuitOpen] at no cost. A
//     timer, which exists only while the breaker is open, moves it to
//     HalfOpen when the open period ends; no caller has to poke it. The
//     period grows each time half-open reopens the breaker, and starts
//     over once it closes.
//   - [HalfOpen]: [Settings.HalfOpenProbes] probe calls are let through,
//     the others rejected with ErrCircuitOpen. The probes are judged by the
//     rule that judges closed's calls: the breaker closes when their
//     failure rate is under [Settings.FailureRate] and reopens when it is
//     at or above, as soon as the outcome is certain. With only
//     [Settings.ConsecutiveFailures] set, a single failed (or slow) probe
//     reopens it and [Settings.HalfOpenSuccesses] close it.
//
// The zero Settings follow Resilience4j's and Polly's defaults: a failure
// rate of 50 % over the last 100 calls, at least 100 of them; open for 5
// seconds, then 10, 20, up to a minute; 20 probes. A healthy host that
// fails some calls at random does not trip it, and one that comes back
// still failing 15 % of calls closes it at the first half-open.
//
// A call asks [Breaker.Allow], which returns a [Ticket] or
// ErrCircuitOpen, and ends with [Breaker.Done], which reports its [Outcome]:
// the caller decides what a failure is, and [Ignore] keeps a call out of the
// statistics altogether (a 404, a cancelled request). The breaker measures
// slowness itself from the ticket's start time. Every state change starts a
// new generation, and Done ignores tickets from an earlier one, so a slow call
// that began before the breaker opened cannot close or reopen it later.
//
// # Ride-out
//
// [Breaker.Wait] is Allow for a call that would rather wait than fail. With
// [Settings.MaxWaiting] set, a call that meets an open breaker waits, within
// its context's deadline and [Settings.MaxWait], for the breaker to let it
// through: the first waiting calls are the probes, and once the breaker
// closes the others are released over [Settings.RampUp] rather than all at
// once. A call that cannot be let through in time is refused at once with
// ErrCircuitOpen, and was never sent, as with Allow.
//
// rebound's Transport and Runner keep one breaker per host (or per
// Runner), and package fleet shares a breaker's state with the other
// processes of a service.
//
// Retry loops should wrap the breaker, not the other way round, and treat
// ErrCircuitOpen as final: the dependency is known to be down, so another
// attempt would only be rejected again. To ride out an outage, call Wait
// instead of retrying.
package breaker
