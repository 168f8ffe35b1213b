package limit

import (
	"math"
	"slices"
	"time"
)

// Constants of the limit's algorithm; the package documentation gives
// their sources.
const (
	minWindowSamples = 10               // a window closes after at least this many outcomes
	maxWindowSamples = 100              // and after at most this many
	tolerance        = 1.25             // latency over the idle latency that costs nothing (Envoy's buffer)
	minGradient      = 0.5              // the most one window may cut, on latency alone
	smoothing        = 0.5              // share of the way to the target one window goes
	dropCut          = 0.5              // share of the limit cut when every outcome was a drop
	probeInterval    = 60 * time.Second // between measurements of the no-load latency
	probeJitter      = 0.15             // added at random to probeInterval, at most
	probeAtMin       = 5                // windows at MinLimit that bring a probe forward
)

// sampleWindow gathers the outcomes of the calls that started after it
// opened, so that every window measures the limit it was opened under.
type sampleWindow struct {
	start   time.Duration                   // since the limiter's epoch
	lat     [maxWindowSamples]time.Duration // latencies of the successes
	n       int                             // successes
	drops   int
	peak    int // most calls in flight since start
	probing bool
	cut     bool // the limit fell on calls still in flight (stall)
}

// estimator computes the limit from windows of outcomes. It is guarded
// by the Limiter's mutex.
type estimator struct {
	limit     float64 // in [min, max]
	min, max  float64
	base      time.Duration // no-load latency; zero until the first probe
	nextProbe time.Duration
	atMin     int       // consecutive windows that closed at min
	recent    latencies // of the latest windows, for stall
	win       sampleWindow
	rand      func() float64 // in [0, 1), for the probe's jitter
}

func newEstimator(c *config, rand func() float64) estimator {
	return estimator{
		limit: float64(c.initial),
		min:   float64(c.minLimit),
		max:   float64(c.maxLimit),
		rand:  rand,
		win:   sampleWindow{probing: true}, // measure the no-load latency first
	}
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

// admitted notes that inflight calls are in flight, one just admitted.
func (e *estimator) admitted(inflight int) {
	e.win.peak = max(e.win.peak, inflight)
}

// sample records the outcome of a call that started at start, and closes
// the window when it holds enough. Calls that started before the window
// opened are not counted: they ran under an earlier limit. inflight is
// the number of calls still in flight.
func (e *estimator) sample(now, start time.Duration, dropped bool, inflight int) {
	w := &e.win
	if start < w.start {
		return
	}
	if dropped {
		w.drops++
	} else {
		w.lat[w.n] = now - start
		w.n++
	}
	if w.n+w.drops < e.windowSize() && w.n < maxWindowSamples {
		return
	}
	e.close(now)
	e.open(now, inflight)
}

// windowSize is the number of outcomes a window needs: about one limit's
// worth, the calls of one round trip when the limit is reached.
func (e *estimator) windowSize() int {
	return min(max(e.admitLimit(), minWindowSamples), maxWindowSamples)
}

// close moves the limit by what the window saw.
func (e *estimator) close(now time.Duration) {
	w := &e.win
	switch {
	case w.drops > 0:
		// The host refused or timed out: cut, by half when every call was
		// dropped, the multiplicative decrease of TCP and AIMD.
		share := float64(w.drops) / float64(w.drops+w.n)
		e.setLimit(e.limit * (1 - dropCut*share))
	case w.probing:
		e.base = median(w.lat[:w.n])
		e.nextProbe = now + time.Duration(float64(probeInterval)*(1+probeJitter*e.rand()))
		if e.recent.mid == 0 { // the first measure; later probes, at half the limit, would understate it
			e.recent.fold(w.lat[:w.n]) // sorted by median
		}
	case w.cut:
		// The calls in flight cut the limit during this window (stall):
		// its latencies are of calls admitted before the cut.
		e.recent.fold(sorted(w.lat[:w.n]))
	default:
		rtt := median(w.lat[:w.n])
		e.base = min(e.base, rtt)
		e.recent.fold(w.lat[:w.n]) // sorted by median
		if 2*w.peak < int(e.limit) {
			break // the callers did not use the limit: it tells nothing
		}
		g := min(max(tolerance*float64(e.base)/float64(rtt), minGradient), 1)
		target := e.limit*g + math.Sqrt(e.limit*g)
		e.setLimit((1-smoothing)*e.limit + smoothing*target)
	}
	if e.limit <= e.min {
		e.atMin++
	} else {
		e.atMin = 0
	}
}

// open starts the next window, a probe if one is due.
func (e *estimator) open(now time.Duration, inflight int) {
	probing := e.base == 0 || now >= e.nextProbe || e.atMin >= probeAtMin
	if probing {
		e.atMin = 0
	}
	e.win.start, e.win.n, e.win.drops, e.win.peak, e.win.probing, e.win.cut = now, 0, 0, inflight, probing, false
}

func (e *estimator) setLimit(l float64) {
	e.limit = min(max(l, e.min), e.max)
}

// median sorts d and returns its middle value, at least 1 ns (a base of
// zero means "not measured"); d is not empty.
func median(d []time.Duration) time.Duration {
	return max(sorted(d)[len(d)/2], 1)
}

// sorted sorts d in place and returns it.
func sorted(d []time.Duration) []time.Duration {
	slices.Sort(d)
	return d
}
