package breaker

import (
	"time"

	"github.com/rebound-go/rebound/internal/fleetlink"
)

func init() {
	fleetlink.DriveBreaker = func(b any) fleetlink.Breaker {
		bb := b.(*Breaker)
		bb.mu.Lock()
		bb.shared.driven = true // every outcome counts for TakeCounts from now on
		bb.clean.Store(false)
		bb.mu.Unlock()
		return (*fleetBreaker)(bb)
	}
}

// fleetBreaker is a Breaker as package fleet drives it, through
// internal/fleetlink (which documents each method): the methods below
// let the processes of a fleet share one breaker's state.
type fleetBreaker Breaker

// shared is what a breaker keeps for a fleet of processes that share its
// state (package fleet): the outcomes since the fleet last took them, and
// whether half-open's probes wait for a fleet-wide lease. Its fields are
// guarded by Breaker.mu.
type shared struct {
	calls, failures int
	gated           bool
	driven          bool // a fleet holds the breaker (fleetlink.DriveBreaker)

	alarmAt   int     // failures that sound the alarm; 0: off
	alarmRate float64 // ... when they are at least this share of the calls
	alarm     func()
	sounded   bool // since the last TakeCounts
}

// count tallies an outcome reported to Done for TakeCounts, and reports
// whether it sounds the alarm (see SetFailureAlarm).
func (s *shared) count(o Outcome) bool {
	switch o {
	case Success:
		s.calls++
	case Failure:
		s.calls++
		s.failures++
		if s.alarmAt > 0 && !s.sounded && s.failures >= s.alarmAt &&
			float64(s.failures) >= s.alarmRate*float64(s.calls) {
			s.sounded = true
			return true
		}
	}
	return false
}

// The methods below are those of fleetlink.Breaker: the outcomes each
// process saw, an open period that one process's breaker started, and a
// single fleet-wide probe lease in half-open. A breaker that no fleet
// drives never needs them. Each is safe for concurrent use and does not
// allocate, unless it changes the state.

// TakeCounts returns how many calls of the current generation were
// reported to Done as a Success or a Failure since the previous
// TakeCounts (or since New), and how many of those failed, and starts
// counting again from zero. Ignored calls and calls from an earlier
// generation are not counted.
func (fb *fleetBreaker) TakeCounts() (calls, failures int) {
	b := (*Breaker)(fb)
	b.mu.Lock()
	calls, failures = b.shared.calls, b.shared.failures
	b.shared.calls, b.shared.failures, b.shared.sounded = 0, 0, false
	b.mu.Unlock()
	return calls, failures
}

// SetFailureAlarm makes Done call f, once until the next TakeCounts, when
// the calls counted for TakeCounts hold at least n failures and the
// failures make up at least rate of them: a fleet then syncs early,
// before its interval is up, because this process is seeing the dependency
// fail. f is called after the breaker's lock is released, on the goroutine
// that called Done, and must return at once. n of zero or less turns the
// alarm off.
func (fb *fleetBreaker) SetFailureAlarm(n int, rate float64, f func()) {
	b := (*Breaker)(fb)
	b.mu.Lock()
	b.shared.alarmAt, b.shared.alarmRate, b.shared.alarm = n, rate, f
	if f == nil {
		b.shared.alarmAt = 0
	}
	b.mu.Unlock()
}

// OpenRemaining returns how long the breaker stays open from now, by its
// clock: zero unless it is open. The breaker moves to half-open once it
// has passed (later, by the time its timer takes to fire).
func (fb *fleetBreaker) OpenRemaining() time.Duration {
	b := (*Breaker)(fb)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state != Open {
		return 0
	}
	return max(b.openUntil-b.elapsed(), 0)
}

// HoldOpen makes the breaker open for at least d from now: a closed or
// half-open breaker opens for d (a new generation, as when it trips; the
// open period it would grow from on its next reopening is unchanged), and
// an open one stays open until d from now if that is later than its own
// period ends. Calls waiting in Wait that could not outlast the period are
// refused, as when the breaker trips. A d of zero or less does nothing.
//
// A fleet calls it when a breaker elsewhere tripped: a breaker open
// anywhere is open everywhere.
func (fb *fleetBreaker) HoldOpen(d time.Duration) {
	b := (*Breaker)(fb)
	if d <= 0 {
		return
	}
	b.mu.Lock()
	now := b.elapsed()
	until := addSat(now, d)
	switch {
	case b.state != Open:
		if b.state == Closed {
			b.openFor = b.cfg.openTimeout
		}
		b.openUntil = until
		b.setState(Open)
		gen := b.gen
		b.cfg.clock.AfterFunc(d, func() { b.openTimeout(gen) })
		b.waitersOpened(now)
	case until > b.openUntil:
		b.openUntil = until // the timer, when it fires, waits for the rest
		b.waitersOpened(now)
	}
	b.unlock()
}

// GateProbes, with gated true, stops half-open from letting any probe
// through (Allow and Wait refuse, or keep waiting, as when every probe slot
// is taken) until GateProbes(false): in a fleet, only the process that
// holds the fleet-wide probe lease probes. Probes already in flight are
// not affected. A new breaker is not gated.
func (fb *fleetBreaker) GateProbes(gated bool) {
	b := (*Breaker)(fb)
	b.mu.Lock()
	was := b.shared.gated
	b.shared.gated = gated
	if was && !gated && b.state == HalfOpen {
		b.grantProbes()
	}
	b.unlock()
}

// Reset closes an open or half-open breaker with fresh counts, as if its
// probes had closed it (a new generation; waiting calls are released over
// Settings.RampUp): in a fleet, another process's probes found the
// dependency back. A closed breaker is left as it is.
func (fb *fleetBreaker) Reset() {
	b := (*Breaker)(fb)
	b.mu.Lock()
	if b.state != Closed {
		b.close(b.now())
	}
	b.unlock()
}
