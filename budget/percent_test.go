package budget_test

import (
	"testing"
	"time"

	"github.com/rebound-go/rebound/budget"
)

// budgetStep is one line of a step table: at an instant, some calls start,
// then some retries are asked for.
type budgetStep struct {
	at       time.Duration // since the start
	requests int           // first attempts reported to Done
	withdraw int           // Allow calls
	granted  int           // how many of them must say yes
}

func runSteps(t *testing.T, b budget.Budget, clk *fakeClock, steps []budgetStep) {
	t.Helper()
	start := clk.Now()
	for i, s := range steps {
		clk.t = start.Add(s.at)
		for range s.requests {
			b.Done(false, false) // a first attempt that failed: shares stay at the floor
		}
		granted := 0
		for range s.withdraw {
			if b.Allow() {
				granted++
			}
		}
		if granted != s.granted {
			t.Errorf("step %d (at %v): %d of %d retries granted, want %d", i, s.at, granted, s.withdraw, s.granted)
		}
	}
}

func TestPercent(t *testing.T) {
	clk := newClock()
	b, err := budget.NewPercent(budget.PercentSettings{
		Ratio:        0.2,
		MinPerSecond: 0.5, // 2 retries per 4 s window
		Window:       4 * time.Second,
		Buckets:      4,
		Now:          clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, b, clk, []budgetStep{
		{at: 0, withdraw: 3, granted: 2},                                    // the reserve alone
		{at: 500 * time.Millisecond, requests: 10, withdraw: 3, granted: 2}, // 0.2·10 + 2 = 4
		{at: time.Second, requests: 5, withdraw: 2, granted: 1},             // 0.2·15 + 2 = 5
		{at: 3999 * time.Millisecond, withdraw: 1, granted: 0},              // all still in the window
		{at: 4 * time.Second, withdraw: 3, granted: 2},                      // bucket 0 gone: 0.2·5 + 2 = 3, 1 spent
		{at: 5 * time.Second, withdraw: 3, granted: 0},                      // bucket 1 gone: the reserve, 2 spent
		{at: 20 * time.Second, requests: 100, withdraw: 30, granted: 22},    // 0.2·100 + 2
	})
}

func TestPercentNoReserve(t *testing.T) {
	clk := newClock()
	b, err := budget.NewPercent(budget.PercentSettings{Ratio: 0.5, MinPerSecond: -1, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, b, clk, []budgetStep{
		{at: 0, withdraw: 1, granted: 0},
		{at: 0, requests: 1, withdraw: 1, granted: 0},
		{at: 0, requests: 1, withdraw: 2, granted: 1},
		{at: 9 * time.Second, requests: 4, withdraw: 3, granted: 2},
	})
}

func TestPercentIgnoresResults(t *testing.T) {
	clk := newClock()
	b, _ := budget.NewPercent(budget.PercentSettings{MinPerSecond: -1, Now: clk.Now})
	for range 10 {
		b.Done(false, false)
	}
	if !b.Allow() || !b.Allow() || b.Allow() {
		t.Error("want exactly 2 retries for 10 calls at 20 %, whatever their outcome")
	}
}
