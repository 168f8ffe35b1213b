package limit

import (
	"testing"
	"time"
)

// A window closes once the quantiles it reports are known, whatever order
// its members end in: the members still in flight rank above every
// latency shorter than the time since the last was admitted, so a window
// whose fast members ended first waits for the slow ones rather than
// report the fast ones alone.
func TestWindowClosesOnKnownQuantiles(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for _, c := range []struct {
		name       string
		size       int
		ended      []time.Duration // latencies of the members that succeeded
		dropped    int             // members dropped
		waited     time.Duration   // since the last member was admitted
		patience   time.Duration
		complete   bool
		median, hi time.Duration // when complete
	}{
		{"every member ended", 10, []time.Duration{ms(5), ms(1), ms(3), ms(2), ms(4), ms(9), ms(8), ms(7), ms(6), ms(10)}, 0, ms(10), 0,
			true, ms(6), ms(10)},
		{"not full", 10, []time.Duration{ms(1), ms(2)}, 0, time.Hour, 0, false, 0, 0},
		{"the fast half ended: open", 20, repeat(10, ms(1)), 0, ms(5), 0, false, 0, 0},
		{"the fast half ended, however long ago: open", 20, repeat(10, ms(1)), 0, time.Hour, 0, false, 0, 0},
		{"19 of 20 ended, the last in flight longer than the 90th percentile", 20, repeat(19, ms(2)), 0, ms(2), 0,
			true, ms(2), ms(2)},
		{"19 of 20 ended, the last in flight shorter than the 90th percentile", 20, repeat(19, ms(2)), 0, ms(1), 0,
			false, 0, 0},
		{"drops are not ranked", 20, repeat(18, ms(2)), 2, ms(1), 0, true, ms(2), ms(2)},
		{"past its patience, the median suffices", 20, repeat(11, ms(2)), 0, ms(11), ms(10), true, ms(2), ms(2)},
		{"within its patience, it does not", 20, repeat(11, ms(2)), 0, ms(9), ms(10), false, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := sampleWindow{id: 1, size: c.size}
			for range c.size {
				if id := w.join(0); id != 1 {
					t.Fatalf("a call joined window %d, want 1", id)
				}
			}
			if id := w.join(0); id != 0 {
				t.Fatalf("a call past the window's size joined window %d, want none", id)
			}
			for _, d := range c.ended {
				w.record(d, OutcomeSuccess)
			}
			for range c.dropped {
				w.record(0, OutcomeDropped)
			}
			if got := w.complete(c.waited, c.patience); got != c.complete {
				t.Fatalf("complete %t, want %t", got, c.complete)
			}
			if !c.complete {
				return
			}
			if med, hi := w.quantile(0.5), w.quantile(stallQuantile); med != c.median || hi != c.hi {
				t.Errorf("median %v, 90th percentile %v; want %v, %v", med, hi, c.median, c.hi)
			}
		})
	}
}

// repeat returns n copies of d.
func repeat(n int, d time.Duration) []time.Duration {
	s := make([]time.Duration, n)
	for i := range s {
		s[i] = d
	}
	return s
}

// The limiter watches the third oldest call in flight, or the last of the
// oldest quarter when more than 15 are in flight.
func TestStallRank(t *testing.T) {
	for _, c := range []struct{ inflight, want int }{{0, 3}, {3, 3}, {15, 3}, {16, 4}, {27, 6}, {200, 50}} {
		if got := stallRank(c.inflight); got != c.want {
			t.Errorf("stallRank(%d) = %d, want %d", c.inflight, got, c.want)
		}
	}
}

// A call admitted during a probe keeps the limit itself, not the probe's
// half of it, so that the stall cut, if it watches that call after the
// probe, is anchored on the limit the host was given.
func TestSlotKeepsTheLimitNotTheProbesHalf(t *testing.T) {
	c, err := Settings{InitialLimit: 40}.config()
	if err != nil {
		t.Fatal(err)
	}
	e := newEstimator(&c, func() float64 { return 0.5 })
	if !e.win.probing {
		t.Fatal("a new estimator should open with a probe")
	}
	if got := e.admitLimit(); got != 20 {
		t.Fatalf("admitLimit %d during the probe, want 20", got)
	}
	if s := e.admitted(0, 1); s.limit != 40 {
		t.Fatalf("slot.limit %d for a call admitted during the probe, want the limit 40", s.limit)
	}
}
