package budget

import (
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	// 4 buckets of 250 ms.
	w := newWindow(time.Second, 4, t0)
	steps := []struct {
		at   int    // ms after t0
		add  counts // counted at that instant
		want counts // window total after it
	}{
		{0, counts{requests: 1}, counts{1, 0}},
		{100, counts{retries: 1}, counts{1, 1}},
		{249, counts{requests: 2}, counts{3, 1}},
		{250, counts{requests: 1}, counts{4, 1}},          // bucket 1
		{999, counts{}, counts{4, 1}},                     // bucket 3: all four still held
		{1000, counts{}, counts{1, 0}},                    // bucket 4 replaces bucket 0
		{900, counts{retries: 1}, counts{1, 1}},           // clock went back: newest bucket
		{1300, counts{}, counts{0, 1}},                    // bucket 5 replaces bucket 1
		{1250 + 4*250, counts{requests: 5}, counts{5, 0}}, // bucket 9: a whole window passed
		{60_000, counts{}, counts{}},                      // a long silence
		{60_001, counts{1, 1}, counts{1, 1}},
	}
	for _, s := range steps {
		w.add(at(s.at), s.add)
		if got := w.total(at(s.at)); got != s.want {
			t.Errorf("at %d ms: total %+v, want %+v", s.at, got, s.want)
		}
	}
}

func TestWindowBeforeEpoch(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	w := newWindow(time.Second, 4, t0)
	w.add(t0.Add(-time.Hour), counts{requests: 1})
	if got := w.total(t0); got != (counts{1, 0}) {
		t.Errorf("total %+v, want the event from before the epoch in bucket 0", got)
	}
}
