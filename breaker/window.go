package breaker

import "time"

// tally is what a window holds: recorded calls, and how many of them failed
// or were slow.
type tally struct {
	calls, failures, slow int
}

func (t *tally) add(u tally) {
	t.calls += u.calls
	t.failures += u.failures
	t.slow += u.slow
}

func (t *tally) sub(u tally) {
	t.calls -= u.calls
	t.failures -= u.failures
	t.slow -= u.slow
}

// one is the tally of a single call.
func one(failed, slow bool) tally {
	t := tally{calls: 1}
	if failed {
		t.failures = 1
	}
	if slow {
		t.slow = 1
	}
	return t
}

// A window is the sliding window of recent calls of a closed breaker. now
// is the time since the breaker's epoch and never goes backwards.
type window interface {
	record(now time.Duration, t tally)
	total(now time.Duration) tally
	reset(now time.Duration)
}

// newWindow returns the window c asks for, or nil if no rate rule needs one.
func newWindow(c *config) window {
	switch {
	case !c.needsWindow():
		return nil
	case c.windowDuration > 0:
		return newTimeWindow(c.windowDuration, c.windowBuckets)
	}
	return &countWindow{ring: make([]uint8, c.windowSize)}
}

// countWindow holds the last len(ring) calls.
type countWindow struct {
	ring  []uint8 // per call: bit 0 failed, bit 1 slow
	next  int     // where the next call goes
	n     int     // calls held, up to len(ring)
	tally tally
}

const (
	failedBit = 1 << iota
	slowBit
)

func (w *countWindow) record(_ time.Duration, t tally) {
	if w.n == len(w.ring) {
		old := w.ring[w.next]
		w.tally.sub(one(old&failedBit != 0, old&slowBit != 0))
	} else {
		w.n++
	}
	var bits uint8
	if t.failures > 0 {
		bits |= failedBit
	}
	if t.slow > 0 {
		bits |= slowBit
	}
	w.ring[w.next] = bits
	w.tally.add(t)
	w.next++
	if w.next == len(w.ring) {
		w.next = 0
	}
}

func (w *countWindow) total(time.Duration) tally { return w.tally }

func (w *countWindow) reset(time.Duration) {
	clear(w.ring)
	w.next, w.n, w.tally = 0, 0, tally{}
}
