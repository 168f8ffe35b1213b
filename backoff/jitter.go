package backoff

import (
	"fmt"
	"math"
	"time"
)

// Jitter spreads a delay so that callers who failed together do not retry
// together. Its zero value, Jitter{}, is no jitter: the delay as it is. Apply is a pure function of the
// delay and one uniform random number, so a schedule is exact once the
// number is fixed.
type Jitter struct {
	kind     jitterKind
	fraction float64
}

type jitterKind uint8

const (
	none jitterKind = iota
	full
	equal
	proportional
)

var (
	// Full draws the delay uniformly from [0, d) (AWS "full jitter"): the
	// widest spread, at the price of sometimes retrying almost at once.
	Full = Jitter{kind: full}
	// Equal keeps half the delay and draws the other half: [d/2, d).
	Equal = Jitter{kind: equal}
)

// Proportional moves the delay by up to ±fraction of itself:
// Proportional(0.25) draws from [0.75·d, 1.25·d), the classic "±25 %".
// A fraction outside [0, 1] is reported by [Validate].
func Proportional(fraction float64) Jitter {
	return Jitter{kind: proportional, fraction: fraction}
}

// Apply returns the jittered delay for d given u, a uniform random number
// in [0, 1). It never returns a negative duration; a negative d counts as 0.
func (j Jitter) Apply(d time.Duration, u float64) time.Duration {
	d = max(d, 0)
	switch j.kind {
	case full:
		return time.Duration(u * float64(d))
	case equal:
		return d/2 + time.Duration(u*float64(d-d/2))
	case proportional:
		v := float64(d) * (1 + (2*u-1)*j.fraction)
		if v >= math.MaxInt64 {
			return math.MaxInt64
		}
		return max(0, time.Duration(v))
	}
	return d
}

// validate reports a Proportional fraction outside [0, 1].
func (j Jitter) validate() error {
	if j.kind == proportional && !(j.fraction >= 0 && j.fraction <= 1) {
		return fmt.Errorf("backoff: Proportional fraction %v is not in [0, 1]", j.fraction)
	}
	return nil
}

// String names the jitter, for logs and errors.
func (j Jitter) String() string {
	switch j.kind {
	case full:
		return "full"
	case equal:
		return "equal"
	case proportional:
		return fmt.Sprintf("±%g%%", j.fraction*100)
	}
	return "none"
}
