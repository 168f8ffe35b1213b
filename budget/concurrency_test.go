package budget_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rebound-go/rebound/budget"
)

// Every budget can be shared by many goroutines (run with -race). The
// fixed clock keeps the window still, so the bound on grants is exact.
func TestConcurrentUse(t *testing.T) {
	clk := newClock()
	percent, err := budget.NewPercent(budget.PercentSettings{MinPerSecond: -1, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	adaptive, err := budget.NewAdaptive(budget.AdaptiveSettings{MinPerSecond: -1, Burst: 1000, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := budget.NewTokenBucket(budget.TokenBucketSettings{})
	if err != nil {
		t.Fatal(err)
	}
	const goroutines, calls = 8, 500
	for _, tc := range []struct {
		name string
		b    budget.Budget
		max  int64 // most retries that may be granted
	}{
		{"percent", percent, goroutines * calls / 5},
		// The floor, plus what the first attempts' stand-in grants before
		// the retries are seen failing.
		{"adaptive", adaptive, goroutines*calls/10 + 20},
		{"token bucket", tokens, goroutines * calls * 2},
	} {
		var granted atomic.Int64
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range calls {
					tc.b.Done(false, (g+i)%3 != 0)
					if tc.b.Allow() {
						granted.Add(1)
						tc.b.Done(true, false)
					}
				}
			})
		}
		wg.Wait()
		if got := granted.Load(); got > tc.max {
			t.Errorf("%s: %d retries granted, want at most %d", tc.name, got, tc.max)
		}
	}
}

// The hot path does not allocate.
func TestNoAllocs(t *testing.T) {
	clk := newClock()
	percent, _ := budget.NewPercent(budget.PercentSettings{Now: clk.Now})
	adaptive, _ := budget.NewAdaptive(budget.AdaptiveSettings{Now: clk.Now})
	tokens, _ := budget.NewTokenBucket(budget.TokenBucketSettings{})
	for _, tc := range []struct {
		name string
		b    budget.Budget
	}{{"percent", percent}, {"adaptive", adaptive}, {"token bucket", tokens}} {
		allocs := testing.AllocsPerRun(1000, func() {
			tc.b.Done(false, false)
			if tc.b.Allow() {
				tc.b.Done(true, true)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per call, want 0", tc.name, allocs)
		}
	}
}
