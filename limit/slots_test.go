package limit

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The slots keep the calls in flight in the order they were admitted,
// whatever order they end in, and refuse stale and repeated tickets.
func TestSlotsOldest(t *testing.T) {
	type held struct {
		i     int32
		seq   uint32
		start time.Duration
	}
	var s slots
	var live []held // the model: oldest first
	rng := rand.New(rand.NewPCG(7, 8))
	for step := range 2000 {
		if len(live) == 0 || rng.IntN(3) > 0 && len(live) < 50 {
			at := time.Duration(step)
			i, seq := s.take(slot{start: at, limit: int32(step), win: uint32(step)})
			live = append(live, held{i, seq, at})
		} else {
			k := rng.IntN(len(live))
			h := live[k]
			if win, ok := s.give(h.i, h.seq); !ok || win != uint32(h.start) {
				t.Fatalf("step %d: give of a held slot: window %d, %t; want %d, true", step, win, ok, h.start)
			}
			if _, ok := s.give(h.i, h.seq); ok {
				t.Fatalf("step %d: a slot given twice", step)
			}
			live = slices.Delete(live, k, k+1)
		}
		for n := 1; n <= len(live)+1; n++ {
			got, ok := s.oldest(n)
			if ok != (n <= len(live)) {
				t.Fatalf("step %d: oldest(%d) ok %t with %d in flight", step, n, ok, len(live))
			}
			if ok && (got.start != live[n-1].start || got.limit != int32(live[n-1].start)) {
				t.Fatalf("step %d: oldest(%d) started at %v, want %v", step, n, got.start, live[n-1].start)
			}
		}
	}
	if _, ok := s.give(0, 0); ok {
		t.Error("the zero ticket was accepted")
	}
	if _, ok := s.give(-1, 1); ok {
		t.Error("a negative slot was accepted")
	}
	if _, ok := s.give(int32(len(s.s)), 1); ok {
		t.Error("an out-of-range slot was accepted")
	}
}
