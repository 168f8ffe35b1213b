package breaker

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// flakyRun makes calls calls to a breaker made from s, each failing with
// probability failRate, and reports whether the breaker tripped.
func flakyRun(t *testing.T, s Settings, seed uint64, calls int, failRate float64) bool {
	t.Helper()
	s.clock = newFakeClock()
	b, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 13))
	for range calls {
		tk, err := b.Allow()
		if err != nil {
			return true
		}
		o := Success
		if r.Float64() < failRate {
			o = Failure
		}
		b.Done(tk, o)
	}
	return b.State() != Closed
}

// A healthy host that fails 30 % of calls at random: 100 runs of 200 calls
// never trip the defaults, where the rules they replace trip in many.
func TestDefaultsDoNotTripOnAFlakyHost(t *testing.T) {
	tests := []struct {
		name      string
		s         Settings
		wantTrips func(n int) bool
		want      string
	}{
		{"zero Settings", Settings{}, func(n int) bool { return n == 0 }, "0"},
		{"FailureRate 0.5", Settings{FailureRate: 0.5}, func(n int) bool { return n == 0 }, "0"},
		{"FailureRate 0.5 over a time window", Settings{FailureRate: 0.5, WindowDuration: time.Minute},
			func(n int) bool { return n == 0 }, "0"},
		// The test can tell: the rules of old trip.
		{"MinimumCalls 20", Settings{FailureRate: 0.5, MinimumCalls: 20},
			func(n int) bool { return n >= 2 }, "at least 2"},
		{"5 consecutive failures", Settings{ConsecutiveFailures: 5},
			func(n int) bool { return n >= 15 }, "at least 15"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trips := 0
			for seed := range uint64(100) {
				if flakyRun(t, tt.s, seed, 200, 0.3) {
					trips++
				}
			}
			t.Logf("tripped in %d runs of 100", trips)
			if !tt.wantTrips(trips) {
				t.Errorf("tripped in %d runs of 100, want %s", trips, tt.want)
			}
		})
	}
}

// With the defaults the open period starts at 5s and doubles on each
// reopening up to a minute; a close starts it over.
func TestDefaultOpenPeriodGrowsAndResets(t *testing.T) {
	var steps []step
	var want []string
	period := func(d time.Duration) {
		steps = append(steps, wait(d-time.Nanosecond, Open), wait(time.Nanosecond, HalfOpen))
		want = append(want, toHalfOpen)
	}
	steps = append(steps, call(Failure, 100, Open))
	want = append(want, toOpen)
	for _, d := range []time.Duration{5, 10, 20, 40, 60, 60} {
		period(d * time.Second)
		steps = append(steps, call(Failure, 10, Open)) // 10 of 20 probes
		want = append(want, reopen)
	}
	period(time.Minute)
	steps = append(steps, call(Success, 11, Closed))
	want = append(want, toClosed)
	steps = append(steps, call(Failure, 100, Open))
	want = append(want, toOpen)
	period(5 * time.Second)

	if got := runSteps(t, Settings{}, steps); !slices.Equal(got, want) {
		t.Errorf("state changes %q, want %q", got, want)
	}
}

// recoveryRun opens a breaker made from s, lets the open period end, and
// probes a host that is back but fails failRate of calls in the
// background. Probes are made one after the other, or, when together is
// set, all admitted before any reports. It returns the state after the
// first half-open.
func recoveryRun(t *testing.T, s Settings, seed uint64, failRate float64, together bool) State {
	t.Helper()
	clock := newFakeClock()
	s.clock = clock
	b, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	for b.State() == Closed {
		fail(b) // the outage
	}
	clock.advance(b.openFor)
	r := rand.New(rand.NewPCG(seed, 15))
	outcome := func() Outcome {
		if r.Float64() < failRate {
			return Failure
		}
		return Success
	}
	for b.State() == HalfOpen {
		var probes []Ticket
		for tk, err := b.Allow(); err == nil; tk, err = b.Allow() {
			probes = append(probes, tk)
			if !together {
				break
			}
		}
		if len(probes) == 0 {
			t.Fatal("half-open with no probe slot free and no probe in flight")
		}
		for _, tk := range probes {
			b.Done(tk, outcome())
		}
	}
	return b.State()
}

// A host that comes back failing 15 % of calls in the background closes
// the breaker at its first half-open, in 100 runs of 100: half-open judges
// the probes by the rate rule, not by a run of successes.
func TestFlakyHostRecoversInOneOpenPeriod(t *testing.T) {
	tests := []struct {
		name    string
		s       Settings
		wantAll bool // or some runs that reopen it
	}{
		{"FailureRate 0.5", Settings{FailureRate: 0.5}, true},
		{"zero Settings", Settings{}, true},
		// The test can tell: few probes, or probes that must all pass,
		// often reopen it.
		{"4 probes", Settings{FailureRate: 0.5, HalfOpenProbes: 4}, false},
		{"4 successes in a row", Settings{ConsecutiveFailures: 5, HalfOpenSuccesses: 4}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			closed := 0
			for seed := range uint64(100) {
				if recoveryRun(t, tt.s, seed, 0.15, seed%2 == 0) == Closed {
					closed++
				}
			}
			t.Logf("closed at the first half-open in %d runs of 100", closed)
			switch {
			case tt.wantAll && closed != 100:
				t.Errorf("closed at the first half-open in %d runs of 100, want all", closed)
			case !tt.wantAll && closed > 95:
				t.Errorf("closed at the first half-open in %d runs of 100, want a few to reopen", closed)
			}
		})
	}
}
