package limit

import (
	"math"
	"time"
)

// Constants of the limit's algorithm; the package documentation gives
// their sources.
const (
	tolerance     = 1.25             // latency over the idle latency that costs nothing (Envoy's buffer)
	minGradient   = 0.5              // the most one window may cut, on latency alone
	smoothing     = 0.5              // share of the way to the target one window goes
	dropCut       = 0.5              // share of the limit cut when every outcome was a drop
	probeInterval = 60 * time.Second // between measurements of the no-load latency
	probeJitter   = 0.15             // added at random to probeInterval, at most
	probeDoubts   = 5                // windows in a row that doubt the no-load latency bring a probe forward
)

// estimator computes the limit from windows of outcomes. It is guarded
// by the Limiter's mutex.
type estimator struct {
	limit     float64 // in [min, max]
	min, max  float64
	base      time.Duration // no-load latency, the latest probe's; zero until the first
	baseLoad  int           // the most calls in flight while the probe measured base
	nextProbe time.Duration
	doubts    int       // windows in a row that doubt base (close)
	recent    latencies // of the latest windows, for stall
	done      uint32    // calls that succeeded so far, wrapping around
	pace      float64   // successes a nanosecond in the latest windows the callers filled, for stall; 0 until measured
	win       sampleWindow
	rand      func() float64 // in [0, 1), for the probe's jitter
}

func newEstimator(c *config, rand func() float64) estimator {
	e := estimator{
		limit: float64(c.initial),
		min:   float64(c.minLimit),
		max:   float64(c.maxLimit),
		rand:  rand,
	}
	e.open(0, 0) // a probe: base is not measured yet
	return e
}

// admitLimit is the number of normal calls that may be in flight now:
// the limit, or half of it while the window measures the no-load latency.
func (e *estimator) admitLimit() int {
	l := e.limit
	if e.win.probing {
		l /= 2
	}
	return max(int(l), int(e.min))
}

// admitted notes a call admitted at now, inflight calls being in flight
// with it, and returns what its slot keeps for ended and stall.
func (e *estimator) admitted(now time.Duration, inflight int) slot {
	e.win.peak = max(e.win.peak, inflight)
	// The slot keeps the limit itself, not a probe's half of it: a call
	// admitted during a probe and watched after it must not anchor the
	// stall cut on half the limit.
	return slot{start: now, limit: int32(min(max(int(e.limit), int(e.min)), math.MaxInt32)), win: e.win.join(now), done: e.done}
}

// ended records the outcome of a call of window win that started at
// start, and closes the current window when it is complete. A call of an
// earlier window, or of none, ran under an earlier limit and is not
// counted. inflight is the number of calls still in flight.
func (e *estimator) ended(now, start time.Duration, win uint32, o Outcome, inflight int) {
	w := &e.win
	if o == OutcomeSuccess {
		e.done++
	}
	if win == w.id {
		w.record(now-start, o)
	}
	if w.complete(now, windowPatience*e.recent.late()) {
		e.close(now)
		e.open(now, inflight)
	}
}

// windowSize is the number of calls a window takes: about one limit's
// worth, the calls of one round trip when the limit is reached, or
// probeSamples for a probe.
func (e *estimator) windowSize() int {
	if e.win.probing {
		return probeSamples
	}
	return min(max(e.admitLimit(), minWindowSamples), maxWindowSamples)
}

// close moves the limit by what the window saw.
func (e *estimator) close(now time.Duration) {
	w := &e.win
	if !w.probing && 2*w.peak >= int(e.limit) && now > w.opened {
		e.pace = follow(e.pace, float64(e.done-w.done)/float64(now-w.opened))
	}
	doubt := false // the window's median contradicts base
	switch {
	case w.drops == 0 && w.n == 0:
		// Every call was ignored: the window tells nothing.
	case w.drops > 0:
		// The host refused or timed out: cut, by half when every call was
		// dropped, the multiplicative decrease of TCP and AIMD. Members
		// still in flight count as not dropped, as in the quantiles.
		share := float64(w.drops) / float64(w.drops+w.total())
		e.setLimit(e.limit * (1 - dropCut*share))
	case w.probing:
		e.base = max(w.quantile(0.5), 1) // a base of zero means "not measured"
		e.baseLoad = w.peak
		e.nextProbe = now + time.Duration(float64(probeInterval)*(1+probeJitter*e.rand()))
		if e.recent.mid == 0 { // the first measure; later probes, at half the limit, would understate it
			e.recent.fold(w)
		}
	case w.cut:
		// The calls in flight cut the limit during this window (stall):
		// its latencies are of calls admitted before the cut.
		e.recent.fold(w)
	default:
		rtt := max(w.quantile(0.5), 1)
		e.recent.fold(w)
		// Faster than base, or slower at a load no higher than the
		// probe's: base is wrong, or the host's no-load latency changed.
		doubt = tolerance*float64(rtt) < float64(e.base) ||
			w.peak <= e.baseLoad && float64(rtt) > tolerance*float64(e.base)
		if 2*w.peak < int(e.limit) {
			break // the callers did not use the limit: it tells nothing
		}
		g := min(max(tolerance*float64(e.base)/float64(rtt), minGradient), 1)
		target := e.limit*g + math.Sqrt(e.limit*g)
		e.setLimit((1-smoothing)*e.limit + smoothing*target)
	}
	// A window at min, where the host's no-load latency may have risen,
	// doubts base too.
	if e.limit <= e.min || doubt {
		e.doubts++
	} else {
		e.doubts = 0
	}
}

// open starts the next window, a probe if one is due.
func (e *estimator) open(now time.Duration, inflight int) {
	probing := e.base == 0 || now >= e.nextProbe || e.doubts >= probeDoubts
	if probing {
		e.doubts = 0
	}
	id := e.win.id + 1
	if id == 0 {
		id = 1
	}
	e.win = sampleWindow{id: id, opened: now, done: e.done, peak: inflight, probing: probing}
	e.win.size = e.windowSize()
}

func (e *estimator) setLimit(l float64) {
	e.limit = min(max(l, e.min), e.max)
}
