package throttle

import "time"

// counts is what one bucket of a [window] holds.
type counts struct {
	requests int64 // calls Allow saw, those it rejected included
	accepts  int64 // calls the backend accepted
}

// window sums counts over a sliding span of time cut into equal buckets.
// The newest bucket is still filling, so a sum covers between (n-1)/n of
// the span and all of it. A window is not safe for concurrent use; its
// owner holds a lock around every call.
type window struct {
	width   time.Duration // span of one bucket
	epoch   time.Time     // start of bucket number 0
	head    int64         // number of the newest bucket, counted from epoch
	buckets []counts      // ring: bucket number k lives at k % len(buckets)
	sum     counts        // sum of all buckets
}

func newWindow(span time.Duration, n int, now time.Time) window {
	return window{
		width:   span / time.Duration(n),
		epoch:   now,
		buckets: make([]counts, n),
	}
}

// advance moves the window to now, emptying the buckets that fell out of
// it. A clock that goes backwards leaves the window where it is, so such
// events land in the newest bucket.
func (w *window) advance(now time.Time) {
	n := int64(len(w.buckets))
	k := int64(now.Sub(w.epoch) / w.width)
	steps := k - w.head
	switch {
	case steps <= 0:
		return
	case steps >= n:
		clear(w.buckets)
		w.sum = counts{}
	default:
		for i := w.head + 1; i <= k; i++ {
			b := &w.buckets[i%n]
			w.sum.requests -= b.requests
			w.sum.accepts -= b.accepts
			*b = counts{}
		}
	}
	w.head = k
}

// add counts c at instant now.
func (w *window) add(now time.Time, c counts) {
	w.advance(now)
	b := &w.buckets[w.head%int64(len(w.buckets))]
	b.requests += c.requests
	b.accepts += c.accepts
	w.sum.requests += c.requests
	w.sum.accepts += c.accepts
}

// total returns the counts of the span that ends at now.
func (w *window) total(now time.Time) counts {
	w.advance(now)
	return w.sum
}
