package budget_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rebound-go/rebound/budget"
)

// The figures the package documentation quotes. Each simulation runs
// 32 callers making calls of at most 4 attempts.
const (
	simCallers  = 32
	simAttempts = 4
	simSeeds    = 5
)

func newSimAdaptive(t *testing.T, clk *fakeClock) *budget.Adaptive {
	t.Helper()
	b, err := budget.NewAdaptive(budget.AdaptiveSettings{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// In a full outage the default Adaptive budget keeps the server's load
// within 1.1 attempts per call.
func TestAdaptiveSimOutage(t *testing.T) {
	for seed := uint64(1); seed <= simSeeds; seed++ {
		clk := newClock()
		b := newSimAdaptive(t, clk)
		got := simulate(b, clk, rand.New(rand.NewPCG(seed, 0)), workload{
			requests: 2000, callers: simCallers, attempts: simAttempts, fail: outage,
		})
		t.Logf("seed %d: outage, 2000 calls: %.4f attempts per call (%d retries granted, %d refused); share %.2f",
			seed, got.LoadFactor(), got.sent-got.requests, got.denied, b.Share())
		if got.sent*10 > got.requests*11 { // in integers: the bound is exact
			t.Errorf("seed %d: %d attempts for %d calls, want ≤ 1.1 per call", seed, got.sent, got.requests)
		}
		if s := b.Share(); s != 0.1 {
			t.Errorf("seed %d: share %v after an outage, want the floor %v", seed, s, 0.1)
		}
	}
}

// When 30 % of attempts fail at random the default Adaptive budget lets
// 99 % of calls succeed: it learns that retries pay and lets them through.
// 20 000 calls, because at 2 000 the luck of the draw alone moves the
// success rate of an unlimited budget by ±0.2 %.
func TestAdaptiveSimRandomFaults(t *testing.T) {
	for seed := uint64(1); seed <= simSeeds; seed++ {
		w := workload{requests: 20000, callers: simCallers, attempts: simAttempts, fail: randomFaults(seed, 0.3)}
		clk := newClock()
		b := newSimAdaptive(t, clk)
		got := simulate(b, clk, rand.New(rand.NewPCG(seed, 0)), w)
		clk = newClock()
		base := simulate(unlimited{}, clk, rand.New(rand.NewPCG(seed, 0)), w)
		t.Logf("seed %d: 30%% faults, 20000 calls: %.3f%% succeed (unlimited retries: %.3f%%), %.3f attempts per call, %d retries refused, share %.2f",
			seed, 100*got.SuccessRate(), 100*base.SuccessRate(), got.LoadFactor(), got.denied, b.Share())
		if sr := got.SuccessRate(); sr < 0.99 {
			t.Errorf("seed %d: success rate %.4f, want ≥ 0.99", seed, sr)
		}
		if got.denied > 20 {
			t.Errorf("seed %d: %d retries refused, want at most 20 (the cost of starting pessimistic)", seed, got.denied)
		}
	}
}

// phase is one stretch of a transition run and what must hold at its end.
type phase struct {
	name      string
	requests  int
	faults    float64 // share of attempts that fail; 1 is an outage
	wantShare func(float64) bool
	wantLoad  float64 // upper bound on attempts per call; 0: none
	wantOK    float64 // lower bound on the success rate; 0: none
}

// After an outage the share climbs back as soon as retries succeed again,
// and falls to the floor again when the next outage starts. An outage that
// begins while the share is high costs a little more than the floor: the
// saved Burst, and the few dozen failed retries that teach the budget.
func TestAdaptiveSimTransition(t *testing.T) {
	clk := newClock()
	b := newSimAdaptive(t, clk)
	rng := rand.New(rand.NewPCG(7, 0))
	atFloor := func(s float64) bool { return s == 0.1 }
	high := func(s float64) bool { return s >= 0.45 }
	phases := []phase{
		{name: "30% faults", requests: 10000, faults: 0.3, wantShare: high, wantOK: 0.99},
		{name: "outage", requests: 10000, faults: 1, wantShare: atFloor, wantLoad: 1.12},
		{name: "recovery to 30% faults", requests: 10000, faults: 0.3, wantShare: high, wantOK: 0.985},
		{name: "healthy", requests: 10000, faults: 0, wantShare: high, wantLoad: 1},
		{name: "outage again", requests: 10000, faults: 1, wantShare: atFloor, wantLoad: 1.12},
		{name: "outage goes on", requests: 10000, faults: 1, wantShare: atFloor, wantLoad: 1.1},
	}
	for i, p := range phases {
		w := workload{requests: p.requests, callers: simCallers, attempts: simAttempts, fail: randomFaults(uint64(i), p.faults)}
		got := simulate(b, clk, rng, w)
		s := b.Share()
		t.Logf("%-22s %5d calls: %.3f%% succeed, %.3f attempts per call, %4d retries refused, share %.3f",
			p.name, p.requests, 100*got.SuccessRate(), got.LoadFactor(), got.denied, s)
		if !p.wantShare(s) {
			t.Errorf("%s: share %.3f at the end", p.name, s)
		}
		if p.wantLoad > 0 && got.LoadFactor() > p.wantLoad+1e-9 {
			t.Errorf("%s: %.4f attempts per call, want ≤ %v", p.name, got.LoadFactor(), p.wantLoad)
		}
		if got.SuccessRate() < p.wantOK {
			t.Errorf("%s: success rate %.4f, want ≥ %v", p.name, got.SuccessRate(), p.wantOK)
		}
	}
}

// How quickly the share comes back: retries granted at the floor during
// the recovery teach the budget within a few dozen outcomes.
func TestAdaptiveSimRecoverySpeed(t *testing.T) {
	clk := newClock()
	b := newSimAdaptive(t, clk)
	rng := rand.New(rand.NewPCG(9, 0))
	simulate(b, clk, rng, workload{requests: 5000, callers: simCallers, attempts: simAttempts, fail: outage})
	start := clk.Now()
	for chunk := 0; b.Share() < 0.45; chunk++ {
		if chunk == 20 {
			t.Fatalf("share %.3f after %d calls of recovery, want ≥ 0.45", b.Share(), chunk*50)
		}
		simulate(b, clk, rng, workload{requests: 50, callers: simCallers, attempts: simAttempts, fail: randomFaults(uint64(chunk), 0.3)})
	}
	t.Logf("share back at %.3f %v after the outage ended", b.Share(), clk.Now().Sub(start))
}

// The fixed budgets on the same workloads, for comparison: Finagle's
// Percent budget holds an outage near 1.25 but refuses retries that 30 %
// faults need; gRPC's token bucket stops an outage after five failures,
// and also stops every retry when 30 % of attempts fail, since a failure
// takes ten times what a success puts back.
func TestFixedBudgetsSim(t *testing.T) {
	type result struct{ outage, faults tally }
	run := func(mk func(clk *fakeClock) budget.Budget) result {
		var r result
		clk := newClock()
		r.outage = simulate(mk(clk), clk, rand.New(rand.NewPCG(1, 0)), workload{requests: 2000, callers: simCallers, attempts: simAttempts, fail: outage})
		clk = newClock()
		r.faults = simulate(mk(clk), clk, rand.New(rand.NewPCG(1, 0)), workload{requests: 20000, callers: simCallers, attempts: simAttempts, fail: randomFaults(1, 0.3)})
		return r
	}
	for _, tc := range []struct {
		name       string
		mk         func(clk *fakeClock) budget.Budget
		maxOutage  float64
		minSuccess float64
		maxSuccess float64
	}{
		{"unlimited", func(*fakeClock) budget.Budget { return unlimited{} }, 4, 0.99, 1},
		{"percent", func(clk *fakeClock) budget.Budget {
			b, _ := budget.NewPercent(budget.PercentSettings{Now: clk.Now})
			return b
		}, 1.3, 0.8, 0.9},
		{"token bucket", func(*fakeClock) budget.Budget {
			b, _ := budget.NewTokenBucket(budget.TokenBucketSettings{})
			return b
		}, 1.01, 0, 0.9},
		{"adaptive", func(clk *fakeClock) budget.Budget {
			b, _ := budget.NewAdaptive(budget.AdaptiveSettings{Now: clk.Now})
			return b
		}, 1.1, 0.99, 1},
	} {
		r := run(tc.mk)
		t.Logf("%-12s outage: %.4f attempts per call; 30%% faults: %.3f%% succeed, %.3f attempts per call",
			tc.name, r.outage.LoadFactor(), 100*r.faults.SuccessRate(), r.faults.LoadFactor())
		if lf := r.outage.LoadFactor(); lf > tc.maxOutage {
			t.Errorf("%s: outage load %.4f, want ≤ %v", tc.name, lf, tc.maxOutage)
		}
		if sr := r.faults.SuccessRate(); sr < tc.minSuccess || sr > tc.maxSuccess {
			t.Errorf("%s: success %.4f at 30%% faults, want in [%v, %v]", tc.name, sr, tc.minSuccess, tc.maxSuccess)
		}
	}
}

// A client that calls once every few seconds retries as if it had no
// budget: its retries come from the MinPerSecond reserve.
func TestAdaptiveSimLowTraffic(t *testing.T) {
	w := workload{requests: 1000, callers: 1, attempts: simAttempts, think: 5 * time.Second, fail: randomFaults(1, 0.3)}
	clk := newClock()
	got := simulate(newSimAdaptive(t, clk), clk, rand.New(rand.NewPCG(1, 0)), w)
	base := simulate(unlimited{}, newClock(), rand.New(rand.NewPCG(1, 0)), w)
	t.Logf("one call every ~5 s, 30%% faults: %.1f%% succeed (unlimited retries: %.1f%%), %d retries refused",
		100*got.SuccessRate(), 100*base.SuccessRate(), got.denied)
	if got.denied != 0 {
		t.Errorf("%d retries refused, want none", got.denied)
	}
}
