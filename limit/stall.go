package limit

import "time"

// Constants of the reaction to calls still in flight; the package
// documentation gives their sources.
const (
	stallOrder    = 3   // how many of the oldest calls in flight must be late
	stallQuantile = 0.9 // the quantile of recent latencies a late call has passed…
	stallSpread   = 1.5 // …by this many times its distance from the median
	recentWeight  = 0.5 // share of a window's quantiles in the running ones
)

// latencies follows the median and the 90th percentile of the latencies of
// the latest windows, each an exponentially weighted moving average over
// windows. Zero until the first window closes.
type latencies struct {
	mid, high time.Duration
}

// fold weighs the quantiles of one window's latencies, sorted and not
// empty, into l.
func (l *latencies) fold(d []time.Duration) {
	mid, high := d[len(d)/2], d[min(int(stallQuantile*float64(len(d))), len(d)-1)]
	if l.mid == 0 {
		l.mid, l.high = mid, high
		return
	}
	l.mid += time.Duration(recentWeight * float64(mid-l.mid))
	l.high += time.Duration(recentWeight * float64(high-l.high))
}

// late returns how long a call may stay in flight before it is late: the
// 90th percentile plus 1.5 times its distance from the median (for
// normally distributed latencies, the mean plus 3.2 standard deviations,
// as TCP's retransmission timeout of RFC 6298), and at least the
// tolerance above the median, the rise the gradient itself lets pass.
func (l *latencies) late() time.Duration {
	spread := time.Duration(stallSpread * float64(l.high-l.mid))
	return max(l.high+spread, time.Duration(tolerance*float64(l.mid)))
}

// stall cuts the limit at once when c, the stallOrder-th oldest call in
// flight (so that every call admitted before it is as late), has been in
// flight longer than recent latencies allow, without waiting for the
// window to close: the calls that would close it are the late ones.
//
// Little's law, with the host's throughput as it is, says that the calls
// in flight scale with their latency; c was admitted under a limit of
// c.limit and has taken age where calls took e.recent.mid, so the limit
// falls to c.limit·mid/age, and on as c ages. Anchored on c's own limit
// rather than the current one, the cut does not compound when the limiter
// looks again. It reports whether the limit fell.
func (e *estimator) stall(now time.Duration, c slot) bool {
	if e.recent.mid == 0 || e.win.probing || 2*e.win.peak < int(e.limit) {
		return false // nothing to compare with, or a probe, or the callers leave the limit unused
	}
	age := now - c.start
	if age <= e.recent.late() {
		return false
	}
	target := max(float64(c.limit)*float64(e.recent.mid)/float64(age), e.min)
	if target >= e.limit {
		return false
	}
	e.setLimit(target)
	e.win.cut = true
	return true
}
