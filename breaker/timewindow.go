package breaker

import "time"

// timeWindow holds the calls recorded over the last len(buckets) periods of
// width: the current, partial one and the ones before it.
type timeWindow struct {
	width   time.Duration
	buckets []tally
	head    int64 // period of the newest bucket: now/width, at most
	tally   tally // sum of buckets
}

func newTimeWindow(d time.Duration, n int) *timeWindow {
	return &timeWindow{width: d / time.Duration(n), buckets: make([]tally, n)}
}

// advance forgets the buckets that are too old at now.
func (w *timeWindow) advance(now time.Duration) {
	period := int64(now / w.width)
	if period <= w.head {
		return
	}
	n := int64(len(w.buckets))
	if period-w.head >= n {
		clear(w.buckets)
		w.tally = tally{}
		w.head = period
		return
	}
	for w.head < period {
		w.head++
		b := &w.buckets[w.head%n]
		w.tally.sub(*b)
		*b = tally{}
	}
}

func (w *timeWindow) record(now time.Duration, t tally) {
	w.advance(now)
	w.buckets[w.head%int64(len(w.buckets))].add(t)
	w.tally.add(t)
}

func (w *timeWindow) total(now time.Duration) tally {
	w.advance(now)
	return w.tally
}

func (w *timeWindow) reset(now time.Duration) {
	clear(w.buckets)
	w.tally = tally{}
	w.head = int64(now / w.width)
}
