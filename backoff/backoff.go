// Package backoff computes how long to wait before a retry.
//
// A [Strategy] is stateless: the delay before retry n is a pure function of
// n, the previous delay and one uniform random number u in [0, 1). Strategies
// are therefore safe to share between goroutines, and tests pin u to get an
// exact schedule. The random source lives in one place, the caller (the
// rebound retry loop draws u from its policy's Rand).
//
// The common strategies are each one line:
//
//	backoff.Constant{Interval: time.Second}                                  // 1 s every time
//	backoff.Constant{Interval: time.Second, Jitter: backoff.Proportional(0.5)} // 0.5–1.5 s
//	backoff.Exponential{Initial: time.Second}                                // 1 s, 2 s, 4 s, …
//	backoff.Exponential{Initial: 100 * time.Millisecond, Max: 5 * time.Second, Jitter: backoff.Full} // 100 ms doubling to 5 s, full jitter
//	backoff.Decorrelated{Initial: 100 * time.Millisecond, Max: 5 * time.Second} // a random walk of its own per caller
//
// [Validate] reports a strategy whose schedule cannot be sensible.
package backoff

import (
	"math"
	"time"
)

// Strategy says how long to wait before retry n (n = 1 before the second
// attempt). prev is the delay waited before the previous retry (0 before
// the first); u is a uniform random number in [0, 1).
//
// Implementations must be safe for concurrent use and must not return a
// negative duration. The strategies of this package are plain values, safe
// for concurrent use; [Validate] reports one that cannot give a sensible
// schedule (rebound's Policy calls it).
type Strategy interface {
	Delay(n int, prev time.Duration, u float64) time.Duration
}

// Constant waits Interval before every retry. Interval 0 retries at once,
// which is allowed on purpose: for tests, or when the server's Retry-After
// is meant to be the only pacing. A negative Interval is reported by
// [Validate] and waits 0.
type Constant struct {
	Interval time.Duration
	Jitter   Jitter // zero: none
}

// Delay implements [Strategy].
func (c Constant) Delay(n int, prev time.Duration, u float64) time.Duration {
	return c.Jitter.Apply(max(c.Interval, 0), u)
}

// Exponential waits Initial·Multiplier^(n-1) before retry n, at most Max.
// Multiplier 0 means 2. Initial has no default: [Validate] reports 0, which
// would make every retry go at once (Constant{} says that on purpose), as
// it reports negative values, a Max below Initial and a Multiplier below 1,
// NaN or infinite.
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
	d := satMul(max(e.Initial, 0), math.Pow(m, float64(max(n-1, 0))))
	return e.Jitter.Apply(capAt(d, e.Max), u)
}

func capAt(d, limit time.Duration) time.Duration {
	if limit > 0 && d > limit {
		return limit
	}
	return d
}

// satMul multiplies d ≥ 0 by f without overflowing into negative
// durations; a product that is negative or NaN with a positive d (f < 0 or
// NaN) saturates too, since Validate has reported such an f.
func satMul(d time.Duration, f float64) time.Duration {
	if d <= 0 {
		return 0 // and not 0·Inf = NaN
	}
	v := float64(d) * f
	switch {
	case v >= math.MaxInt64 || math.IsNaN(v):
		return math.MaxInt64
	case v < 0:
		return 0
	}
	return time.Duration(v)
}
