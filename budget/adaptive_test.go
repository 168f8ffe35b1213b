package budget_test

import (
	"math"
	"testing"
	"time"

	"github.com/rebound-go/rebound/budget"
)

func newAdaptive(t *testing.T, s budget.AdaptiveSettings) (*budget.Adaptive, *fakeClock) {
	t.Helper()
	clk := newClock()
	s.Now = clk.Now
	b, err := budget.NewAdaptive(s)
	if err != nil {
		t.Fatal(err)
	}
	return b, clk
}

func TestAdaptiveStartsAtFloor(t *testing.T) {
	b, _ := newAdaptive(t, budget.AdaptiveSettings{})
	if got := b.Share(); got != 0.1 {
		t.Errorf("share %v, want the floor %v", got, 0.1)
	}
	if got := b.Tokens(); got != 0 {
		t.Errorf("balance %v, want 0", got)
	}
}

// Before any retry is seen, first attempts stand in: the share is the
// warm-up mean of their outcomes and one pessimistic prior.
func TestAdaptiveFirstAttemptsStandIn(t *testing.T) {
	b, _ := newAdaptive(t, budget.AdaptiveSettings{Floor: 0.01, Ceiling: 1, HalfLife: 4})
	for i, s := range []struct {
		ok   bool
		want float64
	}{{true, 1.0 / 2}, {true, 2.0 / 3}, {false, 2.0 / 4}, {false, 2.0 / 5}} {
		b.Done(false, s.ok)
		if got := b.Share(); !near(got, s.want) {
			t.Errorf("step %d: share %v, want %v", i, got, s.want)
		}
	}
	// A server that is down from the start keeps the share at the floor.
	down, _ := newAdaptive(t, budget.AdaptiveSettings{})
	for range 50 {
		down.Done(false, false)
	}
	if got := down.Share(); got != 0.1 {
		t.Errorf("share %v after 50 failed first attempts, want the floor", got)
	}
}

// The estimate of retry success, step by step: while warming up, the mean
// of the outcomes and one pessimistic prior, blended with the first
// attempts' stand-in (here 0) by how warm it is; then an exponential decay
// that alone sets the share.
func TestAdaptiveLearns(t *testing.T) {
	b, _ := newAdaptive(t, budget.AdaptiveSettings{Floor: 0.01, Ceiling: 1, HalfLife: 4})
	// HalfLife 4: each new outcome keeps 2^(-1/4) of the estimate, and
	// gives weight alpha = 1 - keep ≈ 0.16 to itself. The warm-up gives
	// outcome n weight 1/(n+1) instead, while that is larger: n ≤ 5.
	keep := math.Exp2(-1.0 / 4)
	alpha := 1 - keep
	ok6 := 1 - (1-3.0/6)*keep
	fail7 := ok6 * keep
	ok8 := 1 - (1-fail7)*keep
	steps := []struct {
		retry, ok bool
		want      float64
	}{
		{true, true, 1 * alpha * 1.0 / 2},
		{true, true, 2 * alpha * 2.0 / 3},
		{true, false, 3 * alpha * 2.0 / 4},
		{true, false, 4 * alpha * 2.0 / 5},
		{true, true, 5 * alpha * 3.0 / 6},
		{true, true, 6 * alpha * ok6},
		{true, false, fail7}, // warm: the retry estimate alone
		{true, true, ok8},
		{false, false, ok8}, // first attempts no longer count
	}
	for i, s := range steps {
		b.Done(s.retry, s.ok)
		if got := b.Share(); !near(got, s.want) {
			t.Errorf("step %d: share %v, want %v", i, got, s.want)
		}
	}
}

func TestAdaptiveShareIsClamped(t *testing.T) {
	b, _ := newAdaptive(t, budget.AdaptiveSettings{Floor: 0.2, Ceiling: 0.4})
	for range 100 {
		b.Done(true, true)
	}
	if got := b.Share(); got != 0.4 {
		t.Errorf("share %v after 100 good retries, want the ceiling 0.4", got)
	}
	for range 100 {
		b.Done(true, false)
	}
	if got := b.Share(); got != 0.2 {
		t.Errorf("share %v after 100 failed retries, want the floor 0.2", got)
	}
}

func TestAdaptiveTokens(t *testing.T) {
	b, clk := newAdaptive(t, budget.AdaptiveSettings{
		Floor:        0.25,
		Burst:        3,
		MinPerSecond: 0.2, // 2 retries per 10 s window without a token
	})
	runSteps(t, b, clk, []budgetStep{
		// The reserve, owed: balance -2.
		{at: 0, withdraw: 3, granted: 2},
		// 8 calls at 0.25 pay the debt: 0.
		{at: time.Second, requests: 8, withdraw: 1, granted: 0},
		// 4 more make a token.
		{at: time.Second, requests: 4, withdraw: 2, granted: 1},
		// At most Burst tokens are saved.
		{at: 2 * time.Second, requests: 40, withdraw: 5, granted: 3},
		// The window still holds 4 retries: no reserve.
		{at: 10 * time.Second, withdraw: 1, granted: 0},
		// It holds none: the reserve again, owed: balance -2.
		{at: 12 * time.Second, withdraw: 3, granted: 2},
		// And again, but the debt never passes the reserve.
		{at: 23 * time.Second, withdraw: 3, granted: 2},
		// So 3 tokens pay it and leave 1.
		{at: 23 * time.Second, requests: 12, withdraw: 2, granted: 1},
	})
}

func TestAdaptiveNoReserve(t *testing.T) {
	b, clk := newAdaptive(t, budget.AdaptiveSettings{MinPerSecond: -1})
	runSteps(t, b, clk, []budgetStep{
		{at: 0, withdraw: 1, granted: 0},
		{at: 0, requests: 9, withdraw: 1, granted: 0}, // 0.9 tokens
		{at: 0, requests: 1, withdraw: 2, granted: 1}, // exactly 1
	})
	if got := b.Tokens(); got != 0 {
		t.Errorf("balance %v, want 0", got)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

// A full bucket that a success would not change is left alone without
// the lock; a retry taken from it makes the next success count again.
func TestAdaptiveFullBucketStillRefills(t *testing.T) {
	b, _ := newAdaptive(t, budget.AdaptiveSettings{Floor: 0.5, Burst: 2})
	for range 100_000 { // far past warm-up: the first-attempt rate has stopped moving
		b.Done(false, true)
	}
	if got := b.Tokens(); got != 2 {
		t.Fatalf("tokens %v after 100 000 successes, want the burst 2", got)
	}
	if !b.Allow() || !b.Allow() {
		t.Fatal("a full bucket of 2 refused a retry")
	}
	before := b.Tokens()
	b.Done(false, true)
	if got := b.Tokens(); got <= before {
		t.Fatalf("tokens %v after a success, %v before: the success after a retry was dropped", got, before)
	}
	for range 10 {
		b.Done(false, true)
	}
	if got := b.Tokens(); got != 2 {
		t.Fatalf("tokens %v after ten more successes, want the burst 2 again", got)
	}
}
