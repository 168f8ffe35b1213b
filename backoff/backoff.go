// Package backoff computes how long to wait before a retry.
//
// A [Strategy] is stateless: the delay before retry n is a pure function of
// n, the previous delay and one uniform random number u in [0, 1). Strategies
// are therefore safe to share between goroutines, and tests pin u to get an
// exact schedule. The random source lives in one place, the caller (the
// rebound retry loop draws u from its policy's Rand).
//
// The five strategies of pester and nanogit's default are each one line:
//
//	backoff.Constant{Interval: time.Second}                                     // pester DefaultBackoff
//	backoff.Linear{Step: time.Second}                                           // pester LinearBackoff
//	backoff.Linear{Step: time.Second, Jitter: backoff.Proportional(0.5)}        // pester LinearJitterBackoff
//	backoff.Exponential{Initial: time.Second}                                   // pester ExponentialBackoff
//	backoff.Exponential{Initial: time.Second, Jitter: backoff.Full}             // pester ExponentialJitterBackoff
//	backoff.Exponential{Initial: 100 * time.Millisecond, Max: 5 * time.Second, Multiplier: 2, Jitter: backoff.Full} // nanogit
package backoff

import (
	"fmt"
	"math"
	"time"
)

// Strategy says how long to wait before retry n (n = 1 before the second
// attempt). prev is the delay waited before the previous retry (0 before
// the first); u is a uniform random number in [0, 1).
//
// Implementations must be safe for concurrent use and must not return a
// negative duration.
type Strategy interface {
	Delay(n int, prev time.Duration, u float64) time.Duration
}

// Constant waits the same Delay before every retry.
type Constant struct {
	Interval time.Duration
	Jitter   Jitter // zero: none
}

// Delay implements [Strategy].
func (c Constant) Delay(n int, prev time.Duration, u float64) time.Duration {
	return c.Jitter.Apply(c.Interval, u)
}

// Linear waits Initial + (n-1)·Step before retry n, at most Max.
// Initial 0 means Step, so Linear{Step: time.Second} waits 1 s, 2 s, 3 s…
type Linear struct {
	Initial time.Duration
	Step    time.Duration
	Max     time.Duration // 0: no cap
	Jitter  Jitter        // zero: none
}

// Delay implements [Strategy].
func (l Linear) Delay(n int, prev time.Duration, u float64) time.Duration {
	initial := l.Initial
	if initial == 0 {
		initial = l.Step
	}
	d := satAdd(initial, satMul(l.Step, float64(max(n-1, 0))))
	return l.Jitter.Apply(capAt(d, l.Max), u)
}

// Exponential waits Initial·Multiplier^(n-1) before retry n, at most Max.
// Multiplier 0 means 2.
type Exponential struct {
	Initial    time.Duration
	Max        time.Duration // 0: no cap
	Multiplier float64       // 0: 2
	Jitter     Jitter        // zero: none
}

// Delay implements [Strategy].
func (e Exponential) Delay(n int, prev time.Duration, u float64) time.Duration {
	m := e.Multiplier
	if m == 0 {
		m = 2
	}
	d := satMul(e.Initial, math.Pow(m, float64(max(n-1, 0))))
	return e.Jitter.Apply(capAt(d, e.Max), u)
}

// Decorrelated is the "decorrelated jitter" of the AWS architecture blog:
// each delay is drawn uniformly from [Initial, 3·prev], capped at Max. It
// spreads callers apart better than exponential growth with full jitter
// while keeping the typical delay growing.
type Decorrelated struct {
	Initial time.Duration
	Max     time.Duration // 0: no cap
}

// Delay implements [Strategy].
func (d Decorrelated) Delay(n int, prev time.Duration, u float64) time.Duration {
	hi := satMul(max(prev, d.Initial), 3)
	return capAt(d.Initial+time.Duration(u*float64(hi-d.Initial)), d.Max)
}

// Validate reports a configuration that cannot produce a sensible schedule.
func (c Constant) Validate() error { return checkNonNeg("Constant Interval", c.Interval, c.Jitter) }

// Validate reports a configuration that cannot produce a sensible schedule.
func (l Linear) Validate() error {
	if err := checkNonNeg("Linear Initial", l.Initial, l.Jitter); err != nil {
		return err
	}
	if l.Step < 0 || l.Max < 0 {
		return fmt.Errorf("backoff: Linear Step %v and Max %v must not be negative", l.Step, l.Max)
	}
	return nil
}

// Validate reports a configuration that cannot produce a sensible schedule.
func (e Exponential) Validate() error {
	if err := checkNonNeg("Exponential Initial", e.Initial, e.Jitter); err != nil {
		return err
	}
	if e.Max < 0 {
		return fmt.Errorf("backoff: Exponential Max %v must not be negative", e.Max)
	}
	if e.Multiplier != 0 && (e.Multiplier < 1 || math.IsNaN(e.Multiplier) || math.IsInf(e.Multiplier, 0)) {
		return fmt.Errorf("backoff: Exponential Multiplier %v must be at least 1", e.Multiplier)
	}
	return nil
}

// Validate reports a configuration that cannot produce a sensible schedule.
func (d Decorrelated) Validate() error {
	if d.Initial <= 0 {
		return fmt.Errorf("backoff: Decorrelated Initial %v must be positive", d.Initial)
	}
	if d.Max != 0 && d.Max < d.Initial {
		return fmt.Errorf("backoff: Decorrelated Max %v is below Initial %v", d.Max, d.Initial)
	}
	return nil
}

func checkNonNeg(name string, d time.Duration, j Jitter) error {
	if d < 0 {
		return fmt.Errorf("backoff: %s %v must not be negative", name, d)
	}
	return j.Validate()
}

func capAt(d, limit time.Duration) time.Duration {
	if limit > 0 && d > limit {
		return limit
	}
	return d
}

// satMul multiplies without overflowing into negative durations.
func satMul(d time.Duration, f float64) time.Duration {
	if d == 0 {
		return 0 // and not 0·Inf = NaN
	}
	v := float64(d) * f
	if v >= math.MaxInt64 || math.IsNaN(v) {
		return math.MaxInt64
	}
	return time.Duration(v)
}

func satAdd(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
