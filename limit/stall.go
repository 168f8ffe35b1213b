package limit

import "time"

// Constants of the reaction to calls still in flight; the package
// documentation gives their sources.
const (
	stallOrder    = 3   // how many of the oldest calls in flight must be late, at least…
	stallShare    = 4   // …and at least one in this many of the calls in flight
	stallQuantile = 0.9 // the quantile of recent latencies a late call has passed…
	stallSpread   = 1.5 // …by this many times its distance from the median
	recentWeight  = 0.5 // share of a window's measures in the running ones
)

// stallRank returns which of the calls in flight, oldest first, the
// limiter watches when inflight are in flight: the third, or the last of
// the oldest quarter if that is further on.
func stallRank(inflight int) int {
	return max(stallOrder, inflight/stallShare)
}

// latencies follows the median and the 90th percentile of the latencies of
// the latest windows, each an exponentially weighted moving average over
// windows. Zero until the first window closes.
type latencies struct {
	mid, high time.Duration
}

// fold weighs the quantiles of a complete window with successes into l.
func (l *latencies) fold(w *sampleWindow) {
	mid, high := w.quantile(0.5), w.quantile(stallQuantile)
	l.mid = time.Duration(follow(float64(l.mid), float64(mid)))
	l.high = time.Duration(follow(float64(l.high), float64(high)))
}

// late returns how long a call may stay in flight before it is late: the
// 90th percentile plus 1.5 times its distance from the median (for
// normally distributed latencies, the mean plus 3.2 standard deviations,
// as TCP's retransmission timeout of RFC 6298), and at least the
// tolerance above the median, the rise the gradient itself lets pass.
// It is 0 until a window has closed.
func (l *latencies) late() time.Duration {
	spread := time.Duration(stallSpread * float64(l.high-l.mid))
	return max(l.high+spread, time.Duration(tolerance*float64(l.mid)))
}

// follow moves the running value v a share recentWeight of the way to
// the sample x, or to x if v is zero (not measured yet).
func follow(v, x float64) float64 {
	if v == 0 {
		return x
	}
	return v + recentWeight*(x-v)
}

// stall cuts the limit at once when c, the watched call in flight
// (stallRank: every call admitted before it is at least as late), has
// been in flight longer than recent latencies allow while the host
// completed fewer calls than its usual pace, without waiting for the
// window to close: the calls that would close it are the late ones.
//
// A late call alone is no sign of a queue: a host with long-tailed
// latencies always has a few calls in its tail. A host whose capacity
// fell also completes fewer calls, while one that is merely noisy keeps
// its pace. So the limit falls only when the host's pace since c was
// admitted (the successes since, over e.pace·age) is below its usual one
// by more than the tolerance, and then in proportion, down to half of
// c.limit: by Little's law, at the latency the limit aims for, the calls
// in flight scale with the host's throughput. The cut deepens as c ages
// and the host stays slow. Anchored on c's own limit rather than the
// current one, it does not compound when the limiter looks again. It
// reports whether the limit fell.
func (e *estimator) stall(now time.Duration, c slot) bool {
	if e.recent.mid == 0 || e.pace == 0 || e.win.probing || 2*e.win.peak < int(e.limit) {
		return false // nothing to compare with, or a probe, or the callers leave the limit unused
	}
	age := now - c.start
	if age <= e.recent.late() {
		return false
	}
	pace := float64(e.done-c.done) / (e.pace * float64(age))
	if pace*tolerance >= 1 {
		return false // the host keeps its pace: c is in its tail, not in a queue
	}
	target := max(float64(c.limit)*max(pace, minGradient), e.min)
	if target >= e.limit {
		return false
	}
	e.setLimit(target)
	e.win.cut = true
	return true
}
