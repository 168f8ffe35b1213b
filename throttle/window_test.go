package throttle

import (
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	w := newWindow(time.Second, 4, t0) // 4 buckets of 250 ms
	steps := []struct {
		at   int    // ms after t0
		add  counts // counted at that instant
		want counts // window total after it
	}{
		{0, counts{requests: 1}, counts{1, 0}},
		{249, counts{accepts: 1}, counts{1, 1}},
		{250, counts{requests: 2}, counts{3, 1}},
		{999, counts{}, counts{3, 1}},
		{1000, counts{}, counts{2, 0}},          // bucket 0 dropped
		{700, counts{accepts: 1}, counts{2, 1}}, // clock went back: newest bucket
		{1250, counts{}, counts{0, 1}},          // bucket 1 dropped
		{2000, counts{}, counts{}},              // a whole window passed
		{-5000, counts{1, 1}, counts{1, 1}},     // before the epoch: newest bucket
	}
	for _, s := range steps {
		w.add(at(s.at), s.add)
		if got := w.total(at(s.at)); got != s.want {
			t.Errorf("at %d ms: total %+v, want %+v", s.at, got, s.want)
		}
	}
}
