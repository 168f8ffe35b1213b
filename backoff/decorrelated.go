package backoff

import "time"

// Decorrelated is "decorrelated jitter" (Marc Brooker, "Exponential Backoff
// And Jitter", AWS Architecture Blog, 2015): each delay is drawn uniformly
// from [Initial, 3·prev), so it grows about as exponential backoff does
// while every caller's schedule is a random walk of its own, and callers
// who failed together drift apart.
//
// One change from the blog: it draws from [base, 3·sleep) and then clamps
// the draw to the cap, so once 3·prev passes Max most draws (two in three
// for Initial 100 ms, Max 2 s) become exactly Max, and the callers meet
// again there, which is what jitter is meant to prevent. Decorrelated
// clamps the range instead and draws from [Initial, min(Max, 3·prev)): no
// delay is more likely than its neighbours, at the price of a lower typical
// delay at the cap: a median near a third of Max, where the blog's is
// near 0.8·Max.
//
// Delays are at least Initial and below Max (Max itself when Max ≤
// Initial). Initial has no default: [Validate] reports 0, which would never
// wait, as it reports a negative Max and a Max below Initial. Max 0 means no
// cap. prev is the delay actually waited before, which may be a server's
// Retry-After rather than an earlier draw.
type Decorrelated struct {
	Initial time.Duration
	Max     time.Duration // 0: no cap
}

// Delay implements [Strategy].
func (d Decorrelated) Delay(n int, prev time.Duration, u float64) time.Duration {
	lo := max(d.Initial, 0)
	hi := satMul(max(prev, lo), 3)
	if d.Max > 0 {
		lo, hi = min(lo, d.Max), min(hi, d.Max)
	}
	if hi <= lo {
		return lo
	}
	return capAt(lo+time.Duration(u*float64(hi-lo)), hi)
}
