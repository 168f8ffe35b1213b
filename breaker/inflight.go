package breaker

import "time"

// inflightResolution is how finely inflight tells start times apart: slow
// calls in flight are counted to within slowAfter/inflightResolution.
const inflightResolution = 8

// inflight counts the calls in flight by start time in a fixed ring of
// buckets, so it can say how many started more than slowAfter ago without
// remembering each call. Its memory does not grow with the number of calls.
//
// A bucket covers one period of width = ceil(slowAfter/inflightResolution).
// A call that started in period p is certainly slow once
// (p+1)*width + slowAfter <= now. When a new call needs the bucket of an
// older period q, q <= p-len(ring) = p-inflightResolution-1, and since
// inflightResolution*width >= slowAfter, the calls of q are certainly slow
// already: they move to old, which needs no start time any more.
type inflight struct {
	slowAfter time.Duration
	width     time.Duration
	ring      [inflightResolution + 1]startBucket
	old       int // calls in flight that started too long ago to have a bucket
}

// startBucket counts the calls in flight that started in one period.
type startBucket struct {
	period int64
	n      int
}

func newInflight(slowAfter time.Duration) inflight {
	w := (slowAfter + inflightResolution - 1) / inflightResolution
	return inflight{slowAfter: slowAfter, width: w}
}

// add counts a call that started at start, which is not before any start
// added earlier.
func (f *inflight) add(start time.Duration) {
	p := int64(start / f.width)
	b := &f.ring[p%int64(len(f.ring))]
	if b.period != p {
		f.old += b.n
		b.period, b.n = p, 0
	}
	b.n++
}

// remove forgets a call that add counted.
func (f *inflight) remove(start time.Duration) {
	p := int64(start / f.width)
	b := &f.ring[p%int64(len(f.ring))]
	switch {
	case b.period == p && b.n > 0:
		b.n--
	case f.old > 0:
		f.old--
	}
}

// slow returns how many calls in flight are certainly slow at now.
func (f *inflight) slow(now time.Duration) int {
	n := f.old
	for _, b := range f.ring {
		if b.n > 0 && time.Duration(b.period+1)*f.width+f.slowAfter <= now {
			n += b.n
		}
	}
	return n
}

// reset forgets every call.
func (f *inflight) reset() {
	clear(f.ring[:])
	f.old = 0
}
