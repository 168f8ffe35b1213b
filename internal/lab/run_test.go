package lab

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestLabWorkloadIsOpen checks when dispatch starts each call: at its due
// time whatever became of the calls before it, unless C calls are in
// flight; unpaced, as soon as one of C callers is free. Every call takes
// 1 s here.
func TestLabWorkloadIsOpen(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want []time.Duration // when each call started
	}{
		{"paced, room for all", Config{N: 5, C: 100, Rate: 100}, ms(0, 10, 20, 30, 40)},
		{"paced, 2 in flight at most", Config{N: 5, C: 2, Rate: 100}, ms(0, 10, 1000, 1010, 2000)},
		{"unpaced, 2 callers", Config{N: 5, C: 2}, ms(0, 0, 1000, 1000, 2000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				var mu sync.Mutex
				got := make([]time.Duration, tc.cfg.N)
				dues := make([]time.Time, tc.cfg.N)
				dispatch(t.Context(), tc.cfg, func(id int, due time.Time) {
					mu.Lock()
					got[id], dues[id] = time.Since(start), due
					mu.Unlock()
					time.Sleep(time.Second) // the call's work, in the bubble's time
				})
				if !slices.Equal(got, tc.want) {
					t.Errorf("calls started at %v, want %v", got, tc.want)
				}
				for id, due := range dues {
					if tc.cfg.Rate > 0 && due.Sub(start) != time.Duration(id)*10*time.Millisecond {
						t.Errorf("call %d due at %v", id, due.Sub(start))
					}
				}
			})
		})
	}
}

// A cancelled workload starts no more calls, and returns once those in
// flight have ended.
func TestLabWorkloadCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var started, ended int
		var mu sync.Mutex
		time.AfterFunc(25*time.Millisecond, cancel)
		dispatch(ctx, Config{N: 100, C: 100, Rate: 100}, func(int, time.Time) {
			mu.Lock()
			started++
			mu.Unlock()
			time.Sleep(time.Second)
			mu.Lock()
			ended++
			mu.Unlock()
		})
		if started != 3 || ended != 3 {
			t.Errorf("%d calls started and %d ended before dispatch returned; want 3 and 3", started, ended)
		}
	})
}
