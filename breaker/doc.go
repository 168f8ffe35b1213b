// Package breaker is a circuit breaker: it stops calls to a dependency that
// is failing or slow, so callers fail fast instead of queueing behind it, and
// lets a few probe calls through later to find out whether it has recovered.
//
// A [Breaker] is in one of three states:
//
//   - [Closed]: calls pass. Each finished call is recorded, and the breaker
//     trips to Open when a trip rule holds (see [Settings]): a run of
//     consecutive failures, or, over a sliding window of recent calls, a
//     failure rate or a slow-call rate at or above its threshold once the
//     window holds a minimum number of calls. Calls still in flight that are
//     already slower than [Settings.SlowCallDuration] count as slow calls, so
//     a dependency that hangs is noticed while it hangs, not after.
//   - [Open]: every call is rejected with [ErrCircuitOpen] at no cost. A
//     timer, which exists only while the breaker is open, moves it to
//     HalfOpen when the open period ends; no caller has to poke it.
//   - [HalfOpen]: up to [Settings.HalfOpenProbes] probe calls run at once;
//     the others are rejected with [ErrCircuitOpen]. After
//     [Settings.HalfOpenSuccesses] successful probes the breaker closes; a
//     single failed (or slow) probe opens it again, for a longer period if
//     [Settings.MaxOpenTimeout] allows it to grow.
//
// The low-level protocol is [Breaker.Allow], which returns a [Ticket] or
// ErrCircuitOpen, and [Breaker.Done], which reports the call's [Outcome]:
// the caller decides what a failure is, and [Ignore] keeps a call out of the
// statistics altogether (a 404, a cancelled request). The breaker measures
// slowness itself from the ticket's start time. Every state change starts a
// new generation, and Done ignores tickets from an earlier one, so a slow call
// that began before the breaker opened cannot close or reopen it later.
//
// [Execute] wraps that protocol around a function. A [Set] holds one breaker
// per key, typically per host.
//
// Retry loops should wrap the breaker, not the other way round, and treat
// ErrCircuitOpen as final: the dependency is known to be down, so another
// attempt would only be rejected again.
package breaker
