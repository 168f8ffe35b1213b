// Package fleetlink is the seam between package fleet and the guards whose
// state a fleet shares: the few operations only a fleet needs (taking a
// breaker's counts, holding it open, gating its probes, reading a budget's
// share, telling a pacer what other processes learnt), kept out of the
// guards' public API.
//
// Each guard package fills in its variable below from an init function,
// as grpc-go's internal package links its packages; package fleet calls
// them. The variables take the guard as an any because this package cannot
// import the guard packages that import it. Nothing but rebound's own
// packages can import it.
package fleetlink

import "time"

// Breaker is what a fleet does to one circuit breaker. Its methods are
// safe for concurrent use and do not allocate unless they change the
// breaker's state.
type Breaker interface {
	// TakeCounts returns how many calls of the current generation were
	// reported to Done as a Success or a Failure since the previous
	// TakeCounts (or since the breaker was made), and how many of those
	// failed, and starts counting again from zero. Ignored calls and
	// calls of an earlier generation are not counted.
	TakeCounts() (calls, failures int)
	// SetFailureAlarm makes Done call f, once until the next TakeCounts,
	// when the calls counted for TakeCounts hold at least n failures that
	// make up at least rate of them: the fleet then syncs before its
	// interval is up. f runs after the breaker's lock is released, on
	// the goroutine that called Done, and must return at once. n of zero
	// or less turns the alarm off.
	SetFailureAlarm(n int, rate float64, f func())
	// OpenRemaining returns how long the breaker stays open from now:
	// zero unless it is open.
	OpenRemaining() time.Duration
	// HoldOpen makes the breaker open for at least d from now: a closed
	// or half-open breaker opens for d (a new generation, as when it
	// trips), and an open one stays open until d from now if that is
	// later than its own period ends. A d of zero or less does nothing.
	HoldOpen(d time.Duration)
	// GateProbes, with gated true, stops half-open from letting any
	// probe through until GateProbes(false): only the process that holds
	// the fleet's probe lease probes. Probes in flight are not affected.
	GateProbes(gated bool)
	// Reset closes an open or half-open breaker with fresh counts, as if
	// its probes had closed it: another process's probes found the
	// dependency back. A closed breaker is left as it is.
	Reset()
}

// Pacer is what a fleet does to one pacer (ratelimit.Pacer). Unknown
// numbers are -1 and an unknown reset the zero Time, as in
// ratelimit.Info. Its methods are safe for concurrent use.
type Pacer interface {
	// Share records a quota that other processes learnt: it counts as
	// Update does, but TakeReported does not return it, so a fleet never
	// hands its own view back as the server's.
	Share(limit, remaining int, reset time.Time)
	// TakeReported returns the latest quota the server itself reported
	// (through Update) since the previous TakeReported, and false when
	// there was none.
	TakeReported() (limit, remaining int, reset time.Time, ok bool)
}

var (
	// DriveBreaker returns the fleet's handle on b, a *breaker.Breaker,
	// and makes b count every outcome for TakeCounts from then on (its
	// lock-free success path is off while a fleet drives it).
	// Package breaker sets it.
	DriveBreaker func(b any) Breaker
	// PacerOf returns the fleet's handle on p, a *ratelimit.Pacer.
	// Package ratelimit sets it.
	PacerOf func(p any) Pacer
	// BudgetShare returns the share of first attempts that b, a
	// budget.Budget, lets retries take now (budget.Adaptive's share, which
	// follows how often retries succeed), and false when b does not say.
	// Package budget sets it.
	BudgetShare func(b any) (share float64, ok bool)
)
