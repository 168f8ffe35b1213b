package limit_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/rebound-go/rebound/limit"
)

// round admits as many normal calls as the limiter lets in at once (at
// most n, n <= 0 for no bound), lets rtt pass, and reports them all with
// o, except the first drops, which are reported dropped. It returns how
// many were admitted.
func round(t *testing.T, l *limit.Limiter, clk *clock, n int, rtt time.Duration, o limit.Outcome, drops int) int {
	t.Helper()
	var ts []limit.Ticket
	for n <= 0 || len(ts) < n {
		tk, err := l.Allow(context.Background())
		if err != nil {
			break
		}
		ts = append(ts, tk)
	}
	clk.Advance(rtt)
	for i, tk := range ts {
		if i < drops {
			l.Done(tk, limit.OutcomeDropped)
		} else {
			l.Done(tk, o)
		}
	}
	return len(ts)
}

// newMeasured returns a limiter whose probe has measured an idle latency
// of base, with its limit at initial.
func newMeasured(t *testing.T, s limit.Settings, base time.Duration) (*limit.Limiter, *clock) {
	t.Helper()
	clk := newClock()
	s.Now = clk.Now
	l := newLimiter(t, s)
	limit.SetRand(l, func() float64 { return 0 })
	for _, _, probing := limit.Estimate(l); probing; _, _, probing = limit.Estimate(l) {
		round(t, l, clk, 0, base, limit.OutcomeSuccess, 0)
	}
	if _, got, _ := limit.Estimate(l); got != base {
		t.Fatalf("idle latency %v after the probe, want %v", got, base)
	}
	return l, clk
}

// The limit follows the latency: it grows while the host keeps up, falls
// when the latency rises, grows again when it comes back, and a window of
// drops cuts it.
func TestLimitFollowsLatency(t *testing.T) {
	const base = 10 * time.Millisecond
	l, clk := newMeasured(t, limit.Settings{}, base)
	steps := []struct {
		name   string
		rtt    time.Duration
		drops  int // per round
		rounds int
		want   func(before, after float64) bool
	}{
		{"the host keeps up: grows", base, 0, 5, func(b, a float64) bool { return a > b+5 }},
		{"latency within the tolerance: grows", base * 5 / 4, 0, 5, func(b, a float64) bool { return a > b+5 }},
		// The calls still in flight cut the limit before their windows
		// close (TestStallCutsAtOnce), so it falls lower than the windows
		// alone would take it; from there, with windows of at least 10
		// outcomes, it takes more rounds to grow back.
		{"latency tripled: falls", 3 * base, 0, 5, func(b, a float64) bool { return a < b/2 }},
		{"latency back: grows", base, 0, 10, func(b, a float64) bool { return a > b+5 }},
		{"every call dropped: halved per window", base, math.MaxInt, 1, func(b, a float64) bool { return a == b/2 }},
	}
	for _, s := range steps {
		before, _, _ := limit.Estimate(l)
		for range s.rounds {
			round(t, l, clk, 0, s.rtt, limit.OutcomeSuccess, s.drops)
		}
		after, _, _ := limit.Estimate(l)
		t.Logf("%s: %.2f → %.2f", s.name, before, after)
		if !s.want(before, after) {
			t.Errorf("%s: limit %.2f → %.2f", s.name, before, after)
		}
	}
}

// A window with drops cuts the limit by half the share of drops,
// whatever the latency.
func TestDropsCut(t *testing.T) {
	for _, c := range []struct {
		drops int // of the 20 calls of one window
		want  float64
	}{
		{0, 20 + math.Sqrt(20)/2},
		{1, 20 * (1 - 0.5/20)},
		{2, 20 * 0.95},
		{10, 15},
		{20, 10},
	} {
		l, clk := newMeasured(t, limit.Settings{}, 10*time.Millisecond)
		if n := round(t, l, clk, 0, 10*time.Millisecond, limit.OutcomeSuccess, c.drops); n != 20 {
			t.Fatalf("%d calls in the window, want 20", n)
		}
		if got, _, _ := limit.Estimate(l); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%d of 20 dropped: limit %v, want %v", c.drops, got, c.want)
		}
	}
}

// Callers that do not fill half the limit leave it alone, however fast or
// slow the host answers: they tell nothing about what it can take.
func TestAppLimitedHolds(t *testing.T) {
	l, clk := newMeasured(t, limit.Settings{}, 10*time.Millisecond)
	for _, rtt := range []time.Duration{time.Millisecond, time.Second} {
		for range 20 {
			round(t, l, clk, 9, rtt, limit.OutcomeSuccess, 0)
		}
		if got, _, _ := limit.Estimate(l); got != 20 {
			t.Errorf("latency %v, 9 of 20 in flight: limit %v, want %d", rtt, got, 20)
		}
	}
}

// Ignored outcomes and calls that started before the current window do
// not move the limit: a slow call from before the window closed is not
// counted against the limit the window measures.
func TestOnlyFreshOutcomesCount(t *testing.T) {
	run := func(stale bool) float64 {
		l, clk := newMeasured(t, limit.Settings{}, 10*time.Millisecond)
		old, err := l.Allow(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// Two rounds of 19 close the window old started in.
		round(t, l, clk, 0, 10*time.Millisecond, limit.OutcomeSuccess, 0)
		round(t, l, clk, 0, 10*time.Millisecond, limit.OutcomeSuccess, 0)
		clk.Advance(10 * time.Second)
		if stale {
			l.Done(old, limit.OutcomeDropped)
		} else {
			l.Done(old, limit.OutcomeIgnored)
		}
		for range 3 {
			round(t, l, clk, 0, 10*time.Millisecond, limit.OutcomeSuccess, 0)
			round(t, l, clk, 0, time.Hour, limit.OutcomeIgnored, 0)
		}
		got, _, _ := limit.Estimate(l)
		return got
	}
	if with, without := run(true), run(false); with != without {
		t.Errorf("limit %v with a stale drop, %v without", with, without)
	}
}

// The idle latency is measured again every 60 s, at half the limit, so a
// host that got slower for good gets its limit back.
func TestProbeRemeasuresIdleLatency(t *testing.T) {
	l, clk := newMeasured(t, limit.Settings{}, 10*time.Millisecond)
	for range 5 {
		round(t, l, clk, 0, 20*time.Millisecond, limit.OutcomeSuccess, 0)
	}
	low, _, _ := limit.Estimate(l)
	clk.Advance(time.Minute)
	round(t, l, clk, 0, 20*time.Millisecond, limit.OutcomeSuccess, 0) // the window after this one probes
	full, _, probing := limit.Estimate(l)
	if !probing || l.Limit() != int(full/2) {
		t.Fatalf("after 60 s: probing %t, Limit %d; want a probe at half of %.2f", probing, l.Limit(), full)
	}
	for _, _, probing := limit.Estimate(l); probing; _, _, probing = limit.Estimate(l) {
		round(t, l, clk, 0, 20*time.Millisecond, limit.OutcomeSuccess, 0)
	}
	if _, base, _ := limit.Estimate(l); base != 20*time.Millisecond {
		t.Errorf("idle latency %v after the probe, want 20ms", base)
	}
	for range 10 { // from a limit the calls in flight cut low: see TestLimitFollowsLatency
		round(t, l, clk, 0, 20*time.Millisecond, limit.OutcomeSuccess, 0)
	}
	if got, _, _ := limit.Estimate(l); got <= low+5 {
		t.Errorf("limit %.2f after the probe, want it to grow from %.2f", got, low)
	}
}

// A limit stuck at MinLimit for 5 windows brings the probe forward.
func TestProbeAtMinLimit(t *testing.T) {
	l, clk := newMeasured(t, limit.Settings{MinLimit: 10}, 10*time.Millisecond)
	windows := 0
	for _, _, probing := limit.Estimate(l); !probing; _, _, probing = limit.Estimate(l) {
		round(t, l, clk, 0, 50*time.Millisecond, limit.OutcomeSuccess, 0)
		if windows++; windows > 20 {
			t.Fatal("no probe after 20 windows at MinLimit")
		}
	}
	if got, _, _ := limit.Estimate(l); got != 10 || clk.Now().Sub(newClock().Now()) >= time.Minute {
		t.Errorf("probe at limit %v after %v", got, clk.Now().Sub(newClock().Now()))
	}
	t.Logf("probe after %d windows", windows)
}
