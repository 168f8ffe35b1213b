// Package window sums pairs of counters over a sliding span of time, for
// the budget and throttle packages.
package window

import "time"

// Counts is what one bucket of a [Window] holds: two counters, named by
// the user's own constants (budget: requests and retries; throttle:
// requests and accepts).
type Counts [2]int64

// Window sums Counts over a sliding span of time cut into equal buckets.
// The newest bucket is still filling, so a sum covers between (n-1)/n of
// the span and all of it. A Window is not safe for concurrent use; its
// owner holds a lock around every call.
type Window struct {
	width   time.Duration // span of one bucket
	epoch   time.Time     // start of bucket number 0
	head    int64         // number of the newest bucket, counted from epoch
	buckets []Counts      // ring: bucket number k lives at k % len(buckets)
	sum     Counts        // sum of all buckets
}

// New returns a Window of n buckets over span, starting at now.
func New(span time.Duration, n int, now time.Time) Window {
	return Window{
		width:   span / time.Duration(n),
		epoch:   now,
		buckets: make([]Counts, n),
	}
}

// advance moves the window to now, emptying the buckets that fell out of
// it. A clock that goes backwards leaves the window where it is, so such
// events land in the newest bucket.
func (w *Window) advance(now time.Time) {
	n := int64(len(w.buckets))
	k := int64(now.Sub(w.epoch) / w.width)
	steps := k - w.head
	switch {
	case steps <= 0:
		return
	case steps >= n:
		clear(w.buckets)
		w.sum = Counts{}
	default:
		for i := w.head + 1; i <= k; i++ {
			b := &w.buckets[i%n]
			w.sum[0] -= b[0]
			w.sum[1] -= b[1]
			*b = Counts{}
		}
	}
	w.head = k
}

// Add counts c at instant now.
func (w *Window) Add(now time.Time, c Counts) {
	w.advance(now)
	b := &w.buckets[w.head%int64(len(w.buckets))]
	b[0] += c[0]
	b[1] += c[1]
	w.sum[0] += c[0]
	w.sum[1] += c[1]
}

// Total returns the counts of the span that ends at now.
func (w *Window) Total(now time.Time) Counts {
	w.advance(now)
	return w.sum
}
