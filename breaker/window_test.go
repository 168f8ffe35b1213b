package breaker

import (
	"testing"
	"time"
)

func TestTimeWindow(t *testing.T) {
	// 10s in five buckets of 2s.
	w := newTimeWindow(10*time.Second, 5)
	s := time.Second
	steps := []struct {
		at     time.Duration
		record *tally // nil: only read
		want   tally
	}{
		{0, &tally{1, 1, 0}, tally{1, 1, 0}},
		{1 * s, &tally{1, 0, 1}, tally{2, 1, 1}}, // same bucket
		{3 * s, &tally{1, 1, 1}, tally{3, 2, 2}},
		{9*s + 999*time.Millisecond, nil, tally{3, 2, 2}},
		{10 * s, nil, tally{1, 1, 1}}, // [0s, 2s) is forgotten, [2s, 4s) is not
		{11 * s, &tally{1, 0, 0}, tally{2, 1, 1}},
		{12 * s, nil, tally{1, 0, 0}},
		{5 * s, nil, tally{1, 0, 0}},             // time going back is ignored
		{5 * s, &tally{1, 1, 0}, tally{2, 1, 0}}, // and counts in the newest bucket
		{19*s + 999*time.Millisecond, nil, tally{2, 1, 0}},
		{20 * s, nil, tally{1, 1, 0}},                // the call at 11s goes
		{22 * s, nil, tally{}},                       // and the one back-dated at 12s
		{time.Hour, &tally{1, 0, 0}, tally{1, 0, 0}}, // a long gap clears at once
		{time.Hour + 2*s, &tally{1, 1, 0}, tally{2, 1, 0}},
	}
	for i, st := range steps {
		if st.record != nil {
			w.record(st.at, *st.record)
		}
		if got := w.total(st.at); got != st.want {
			t.Fatalf("step %d at %v: total %+v, want %+v", i, st.at, got, st.want)
		}
	}
	w.reset(time.Hour + 3*s)
	if got := w.total(time.Hour + 3*s); got != (tally{}) {
		t.Fatalf("after reset: %+v", got)
	}
}

func TestCountWindow(t *testing.T) {
	w := &countWindow{ring: make([]uint8, 3)}
	steps := []struct {
		failed, slow bool
		want         tally
	}{
		{true, false, tally{1, 1, 0}},
		{false, true, tally{2, 1, 1}},
		{true, true, tally{3, 2, 2}},
		{false, false, tally{3, 1, 2}}, // the first call goes
		{false, false, tally{3, 1, 1}},
		{false, false, tally{3, 0, 0}},
		{true, true, tally{3, 1, 1}},
	}
	for i, st := range steps {
		w.record(0, one(st.failed, st.slow))
		if got := w.total(0); got != st.want {
			t.Fatalf("step %d: total %+v, want %+v", i, got, st.want)
		}
	}
	w.reset(0)
	if got := w.total(0); got != (tally{}) {
		t.Fatalf("after reset: %+v", got)
	}
}

func TestInflight(t *testing.T) {
	// Slow after 800ms; starts are told apart to 100ms.
	f := newInflight(800 * time.Millisecond)
	ms := time.Millisecond
	steps := []struct {
		at     time.Duration
		add    bool
		remove time.Duration // start of a call to forget, if not add; -1: none
		want   int           // slow at `at`
	}{
		{0, true, -1, 0},
		{50 * ms, true, -1, 0},
		{150 * ms, true, -1, 0},
		{899 * ms, false, -1, 0},
		{900 * ms, false, -1, 2},  // the two that started in [0, 100ms)
		{1000 * ms, false, -1, 3}, // and the one from [100ms, 200ms)
		{1000 * ms, false, 50 * ms, 2},
		{1000 * ms, true, -1, 2},       // the new one is not slow
		{2 * time.Second, true, -1, 3}, // reuses the bucket of 150ms: that call moves to old
		{2 * time.Second, false, 150 * ms, 2},
		{2 * time.Second, false, 0, 1},
		{2 * time.Second, false, 1000 * ms, 0},
		{2 * time.Second, false, 2 * time.Second, 0},
		{2 * time.Second, false, 0, 0}, // one too many: no harm
	}
	for i, st := range steps {
		switch {
		case st.add:
			f.add(st.at)
		case st.remove >= 0:
			f.remove(st.remove)
		}
		if got := f.slow(st.at); got != st.want {
			t.Fatalf("step %d at %v: slow %d, want %d (%+v)", i, st.at, got, st.want, f)
		}
	}
}

func TestInflightMemoryIsBounded(t *testing.T) {
	f := newInflight(time.Second)
	for i := range 100_000 {
		f.add(time.Duration(i) * time.Millisecond)
	}
	// 100s later, every call but those of the last second is slow.
	now := 100 * time.Second
	if got, want := f.slow(now), 100_000-1000; got < want-125 || got > want {
		t.Fatalf("slow %d, want %d (to within one bucket, never more)", got, want)
	}
	for i := range 100_000 {
		f.remove(time.Duration(i) * time.Millisecond)
	}
	if got := f.slow(time.Hour); got != 0 {
		t.Fatalf("after removing every call: slow %d", got)
	}
}
