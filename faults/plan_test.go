package faults_test

import (
	"math"
	"testing"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// mixed is a scenario with every kind of fault and a latency long tail.
var mixed = faults.Scenario{
	Seed: 1,
	Faults: []faults.Fault{
		{Kind: faults.Status, Rate: 0.2, Status: 503},
		{Kind: faults.Reset, Rate: 0.1},
		{Kind: faults.Truncate, Rate: 0.1, Bytes: 3},
		{Kind: faults.Hang, Rate: 0.05},
		{Kind: faults.Trickle, Rate: 0.05, Bytes: 4, Interval: time.Millisecond},
	},
	Latency: []faults.Latency{
		{Rate: 1, Min: time.Millisecond, Max: 3 * time.Millisecond},
		{Rate: 0.05, Min: 200 * time.Millisecond},
	},
}

// describe renders a plan compactly for comparisons.
func describe(p faults.Plan) string {
	s := "pass"
	if p.Fault != nil {
		s = p.Fault.Kind.String()
	}
	if p.Outage {
		s += "(outage)"
	}
	return s + "+" + p.Delay.String()
}

func TestPlanSameSeedSameSchedule(t *testing.T) {
	a, b := mixed, mixed
	b.Faults = append([]faults.Fault(nil), mixed.Faults...) // equal, not shared
	other := mixed
	other.Seed = 2
	differ := 0
	for key := range uint64(10000) {
		pa, pb := describe(a.Plan(key, 0)), describe(b.Plan(key, 0))
		if pa != pb {
			t.Fatalf("key %d: %s vs %s with the same seed", key, pa, pb)
		}
		if pa != describe(other.Plan(key, 0)) {
			differ++
		}
	}
	if differ < 5000 {
		t.Errorf("seeds 1 and 2 differ on %d of 10000 keys, want most", differ)
	}
}

// TestPlanGolden pins the schedule (the values were computed by an
// independent implementation of splitmix64 and FNV-1a): a change here
// changes every user's recorded runs, so it must be deliberate.
func TestPlanGolden(t *testing.T) {
	want := []string{
		"reset+1.58099ms", "status+2.862049ms", "truncate+2.077651ms", "truncate+2.565739ms",
		"pass+2.258888ms", "pass+1.220919ms", "pass+1.814275ms", "pass+2.204166ms",
	}
	for key, w := range want {
		if got := describe(mixed.Plan(uint64(key), 0)); got != w {
			t.Errorf("Plan(%d) = %s, want %s", key, got, w)
		}
	}
	if got, want := faults.HeaderKey("req-1", "2"), uint64(10780665969773908899); got != want {
		t.Errorf("HeaderKey = %d", got)
	}
}

func TestPlanRates(t *testing.T) {
	const n = 200000
	counts := map[string]int{}
	var tail int
	for key := range uint64(n) {
		p := mixed.Plan(key, 0)
		kind := "pass"
		if p.Fault != nil {
			kind = p.Fault.Kind.String()
		}
		counts[kind]++
		if p.Delay < time.Millisecond || p.Delay >= 203*time.Millisecond {
			t.Fatalf("key %d: delay %v outside [1ms, 203ms)", key, p.Delay)
		}
		if p.Delay >= 200*time.Millisecond {
			tail++
		}
	}
	for kind, rate := range map[string]float64{
		"status": 0.2, "reset": 0.1, "truncate": 0.1, "hang": 0.05, "trickle": 0.05, "pass": 0.5,
	} {
		near(t, kind, counts[kind], n, rate)
	}
	near(t, "200ms tail", tail, n, 0.05)
}

// near checks that got out of n is within five standard deviations of
// rate; the draws are fixed by the seed, so this cannot flake.
func near(t *testing.T, what string, got, n int, rate float64) {
	t.Helper()
	sd := math.Sqrt(float64(n) * rate * (1 - rate))
	if math.Abs(float64(got)-float64(n)*rate) > 5*sd {
		t.Errorf("%s: %d of %d, want about %.0f", what, got, n, float64(n)*rate)
	}
}

func TestPlanCertainties(t *testing.T) {
	always := faults.Scenario{Faults: []faults.Fault{{Kind: faults.Reset, Rate: 1}, {Rate: 0}}}
	never := faults.Scenario{Faults: []faults.Fault{{Rate: 0}}, Latency: []faults.Latency{{Rate: 0, Min: time.Second}}}
	fixed := faults.Scenario{Latency: []faults.Latency{{Rate: 1, Min: 7 * time.Millisecond}}}
	for key := range uint64(1000) {
		if p := always.Plan(key, 0); p.Fault == nil || p.Fault.Kind != faults.Reset {
			t.Fatalf("rate 1: key %d got %s", key, describe(p))
		}
		if p := never.Plan(key, 0); p.Fault != nil || p.Delay != 0 {
			t.Fatalf("rate 0: key %d got %s", key, describe(p))
		}
		if p := fixed.Plan(key, 0); p.Delay != 7*time.Millisecond {
			t.Fatalf("fixed latency: key %d got %s", key, describe(p))
		}
	}
}

func TestPlanOutages(t *testing.T) {
	s := faults.Scenario{
		Faults: []faults.Fault{{Kind: faults.Reset, Rate: 1}},
		Outages: []faults.Outage{
			{Start: time.Second, End: 2 * time.Second},
			{Start: 1500 * time.Millisecond, End: 3 * time.Second, Fault: faults.Fault{Kind: faults.Hang}},
		},
	}
	for _, step := range []struct {
		at   time.Duration
		want string
	}{
		{0, "reset+0s"},
		{time.Second - 1, "reset+0s"},
		{time.Second, "status(outage)+0s"},
		{1700 * time.Millisecond, "status(outage)+0s"}, // the first window wins
		{2 * time.Second, "hang(outage)+0s"},
		{3*time.Second - 1, "hang(outage)+0s"},
		{3 * time.Second, "reset+0s"},
	} {
		if got := describe(s.Plan(0, step.at)); got != step.want {
			t.Errorf("at %v: %s, want %s", step.at, got, step.want)
		}
	}
}

func TestPlanFaultIsACopy(t *testing.T) {
	s := faults.Scenario{Faults: []faults.Fault{{Rate: 1, Status: 429}}}
	s.Plan(0, 0).Fault.Status = 500
	if s.Faults[0].Status != 429 {
		t.Errorf("changing a Plan's fault changed the scenario")
	}
}

func TestHeaderKey(t *testing.T) {
	seen := map[uint64]string{}
	for _, pair := range [][2]string{{"a", ""}, {"a", "1"}, {"a", "2"}, {"a1", ""}, {"", "a1"}, {"b", "1"}, {"", ""}} {
		k := faults.HeaderKey(pair[0], pair[1])
		if prev, dup := seen[k]; dup {
			t.Errorf("HeaderKey%q collides with %s", pair, prev)
		}
		seen[k] = pair[0] + "|" + pair[1]
		if k != faults.HeaderKey(pair[0], pair[1]) {
			t.Errorf("HeaderKey%q is not stable", pair)
		}
	}
}
