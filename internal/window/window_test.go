package window

import (
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	// 4 buckets of 250 ms.
	w := New(time.Second, 4, t0)
	steps := []struct {
		at   int    // ms after t0
		add  Counts // counted at that instant
		want Counts // window total after it
	}{
		{0, Counts{0: 1}, Counts{1, 0}},
		{100, Counts{1: 1}, Counts{1, 1}},
		{249, Counts{0: 2}, Counts{3, 1}},
		{250, Counts{0: 1}, Counts{4, 1}},          // bucket 1
		{999, Counts{}, Counts{4, 1}},              // bucket 3: all four still held
		{1000, Counts{}, Counts{1, 0}},             // bucket 4 replaces bucket 0
		{900, Counts{1: 1}, Counts{1, 1}},          // clock went back: newest bucket
		{1300, Counts{}, Counts{0, 1}},             // bucket 5 replaces bucket 1
		{1250 + 4*250, Counts{0: 5}, Counts{5, 0}}, // bucket 9: a whole window passed
		{60_000, Counts{}, Counts{}},               // a long silence
		{60_001, Counts{1, 1}, Counts{1, 1}},
	}
	for _, s := range steps {
		w.Add(at(s.at), s.add)
		if got := w.Total(at(s.at)); got != s.want {
			t.Errorf("at %d ms: total %+v, want %+v", s.at, got, s.want)
		}
	}
}

func TestWindowBeforeEpoch(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	w := New(time.Second, 4, t0)
	w.Add(t0.Add(-time.Hour), Counts{0: 1})
	if got := w.Total(t0); got != (Counts{1, 0}) {
		t.Errorf("total %+v, want the event from before the epoch in bucket 0", got)
	}
}
