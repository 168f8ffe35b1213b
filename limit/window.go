package limit

import (
	"slices"
	"time"
)

// Sizes of a window; the package documentation gives their sources.
const (
	minWindowSamples = 10  // calls a window takes, at least
	maxWindowSamples = 100 // and at most
	probeSamples     = 50  // calls a probe takes (Envoy's request_count)
	windowPatience   = 10  // a window waits this many times the stall's late for its 90th percentile
)

// sampleWindow is one step of the limit: the first size calls admitted
// after it opened (its members, whose slots carry its id) and how they
// ended. The calls admitted once it is full belong to no window, so that
// each window measures the limit it was opened under.
//
// A window closes once the quantiles it reports are known, not when a
// number of outcomes have come in: the first outcomes to come in are the
// fast calls, and a window that closed on them would leave out the slow
// calls of a long-tailed host and understate its latency (the bias of
// right-censored samples). The members still in flight have all been in
// flight since cutoff, when the last was admitted, so they rank above
// any latency shorter than that, whatever theirs turns out to be. A
// window closes when every member has ended; or when its 90th percentile
// is known; or, once its members in flight have been in flight longer
// than the estimator's patience, when its median is known, so that calls
// that never end (a lost Ticket, a host that hangs) cannot hold the limit
// still.
type sampleWindow struct {
	id      uint32                          // never 0, which marks the calls of no window
	opened  time.Duration                   // since the limiter's epoch
	done    uint32                          // estimator.done when it opened
	size    int                             // members it takes, in [1, maxWindowSamples]
	members int                             // admitted so far
	cutoff  time.Duration                   // when the last member was admitted
	lat     [maxWindowSamples]time.Duration // latencies of the successes, ascending
	n       int                             // successes
	drops   int
	ignored int
	peak    int // most calls in flight since it opened
	probing bool
	cut     bool // the limit fell on calls still in flight (stall)
}

// join makes the call admitted at now a member, if the window is not
// full, and returns the id its slot keeps: the window's, or 0.
func (w *sampleWindow) join(now time.Duration) uint32 {
	if w.members == w.size {
		return 0
	}
	w.members++
	if w.members == w.size {
		w.cutoff = now
	}
	return w.id
}

// record counts how a member ended, after latency.
func (w *sampleWindow) record(latency time.Duration, o Outcome) {
	switch o {
	case OutcomeSuccess:
		i, _ := slices.BinarySearch(w.lat[:w.n], latency)
		copy(w.lat[i+1:w.n+1], w.lat[i:w.n])
		w.lat[i] = latency
		w.n++
	case OutcomeDropped:
		w.drops++
	default:
		w.ignored++
	}
}

// total returns the number of successes that the window's quantiles rank:
// those it saw, and the members still in flight.
func (w *sampleWindow) total() int {
	return w.members - w.drops - w.ignored
}

// complete reports whether the window may close at now, patience being
// how long its members may stay in flight before its median alone
// suffices (0 for no bound).
func (w *sampleWindow) complete(now, patience time.Duration) bool {
	if w.members < w.size {
		return false
	}
	total := w.total()
	if w.n == total {
		return true
	}
	waited := now - w.cutoff
	known := func(q float64) bool {
		i := quantileIndex(total, q)
		return i < w.n && w.lat[i] <= waited
	}
	return known(stallQuantile) || patience > 0 && waited > patience && known(0.5)
}

// quantile returns the q-quantile of the successes, the members still in
// flight ranking above it (the largest success if q's rank is among
// them); the window is complete and has a success.
func (w *sampleWindow) quantile(q float64) time.Duration {
	return w.lat[min(quantileIndex(w.total(), q), w.n-1)]
}

// quantileIndex returns the index of the q-quantile among n sorted values.
func quantileIndex(n int, q float64) int {
	return min(int(q*float64(n)), n-1)
}
