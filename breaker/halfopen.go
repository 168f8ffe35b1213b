package breaker

import "time"

// Half-open judges its probes in one of two ways.
//
// With FailureRate on, by the rule that judges closed's calls
// (Resilience4j's half-open state): HalfOpenProbes probes are let through,
// all at once if they come at once, and their failure rate (and, with the
// slow-call rule, their slow-call rate) decides. The breaker closes when
// the rates are under their thresholds and reopens when one is at or
// above, as soon as that is certain, without waiting for the probes whose
// outcome could no longer change it.
//
// Without it, by consecutive outcomes: one failed or slow probe reopens the
// breaker, and HalfOpenSuccesses successes close it, with at most
// HalfOpenProbes in flight at once.

// probeSlotFree reports whether half-open may let one more probe through.
func (b *Breaker) probeSlotFree() bool {
	if b.shared.gated {
		return false
	}
	if b.cfg.rateProbes() {
		return b.probes+b.judged.calls < b.cfg.probes
	}
	return b.probes < b.cfg.probes
}

// probeDone counts a probe that finished while half-open, and hands a
// freed slot to a waiting call.
func (b *Breaker) probeDone(now time.Duration, o Outcome, slow bool) {
	b.probes--
	switch {
	case o != Success && o != Failure:
		// Ignored: the slot is free again and nothing is counted.
	case b.cfg.rateProbes():
		b.judged.add(one(o == Failure, slow))
		if b.judgeProbes(now) {
			return
		}
	case o == Failure || slow:
		b.open()
		return
	default:
		b.successes++
		if b.successes >= b.cfg.successes {
			b.close(now)
			return
		}
	}
	b.grantProbes()
}

// judgeProbes closes or reopens the breaker if the probes' outcome is
// certain, and reports whether it did. Only the rate rules judge here.
func (b *Breaker) judgeProbes(now time.Duration) bool {
	if b.probesFailed(now) {
		b.open()
		return true
	}
	// The probes not yet reported could all fail, or all be slow.
	c, n := b.cfg, float64(b.cfg.probes)
	left := c.probes - b.judged.calls
	if float64(b.judged.failures+left)/n < c.failureRate &&
		(c.slowDuration == 0 || float64(b.judged.slow+left)/n < c.slowRate) {
		b.close(now)
		return true
	}
	return false
}

// probesFailed reports whether, with the rate rule, the probes reported
// and the slow ones in flight already put a rate at or above its
// threshold; or, without it, whether a probe in flight is slow.
func (b *Breaker) probesFailed(now time.Duration) bool {
	c := b.cfg
	slowInFlight := 0
	if c.slowDuration > 0 {
		slowInFlight = b.inflight.slow(now)
	}
	if !c.rateProbes() {
		return slowInFlight > 0
	}
	n := float64(c.probes)
	return float64(b.judged.failures)/n >= c.failureRate ||
		(c.slowDuration > 0 && float64(b.judged.slow+slowInFlight)/n >= c.slowRate)
}
