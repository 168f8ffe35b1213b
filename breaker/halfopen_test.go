package breaker

import (
	"slices"
	"testing"
	"time"
)

// With FailureRate on, half-open judges HalfOpenProbes probes by the rate
// rules, and decides as soon as the outcome is certain.
func TestHalfOpenJudgesProbesByRate(t *testing.T) {
	small := Settings{FailureRate: 0.5, WindowSize: 4, HalfOpenProbes: 4} // MinimumCalls 4
	tests := []struct {
		name        string
		settings    Settings
		steps       []step
		wantChanges []string
	}{{
		name:     "a failure rate under the threshold closes it",
		settings: small,
		steps: []step{
			call(Failure, 4, Open),
			wait(5*time.Second, HalfOpen),
			call(Failure, 1, HalfOpen),
			call(Success, 2, HalfOpen), // 1 of 3 failed: 2 of 4 could
			call(Success, 1, Closed),   // 1 of 4
		},
		wantChanges: []string{toOpen, toHalfOpen, toClosed},
	}, {
		name:     "a failure rate at the threshold reopens it, for longer",
		settings: small,
		steps: []step{
			call(Failure, 4, Open),
			wait(5*time.Second, HalfOpen),
			call(Success, 1, HalfOpen),
			call(Failure, 1, HalfOpen),
			call(Success, 1, HalfOpen),
			call(Failure, 1, Open), // 2 of 4
			wait(10*time.Second-time.Nanosecond, Open),
			wait(time.Nanosecond, HalfOpen),
		},
		wantChanges: []string{toOpen, toHalfOpen, reopen, toHalfOpen},
	}, {
		name:     "it reopens as soon as enough probes failed, without waiting for the others",
		settings: small,
		steps: []step{
			call(Failure, 4, Open),
			wait(5*time.Second, HalfOpen),
			start("a", HalfOpen),
			start("b", HalfOpen),
			end("a", Failure, HalfOpen),
			call(Failure, 1, Open),  // 2 of 4, whatever b and the last say
			end("b", Success, Open), // an earlier generation
		},
		wantChanges: []string{toOpen, toHalfOpen, reopen},
	}, {
		name:     "it closes as soon as too few probes are left to fail",
		settings: Settings{FailureRate: 0.5, WindowSize: 10, HalfOpenProbes: 10},
		steps: []step{
			call(Failure, 10, Open),
			wait(5*time.Second, HalfOpen),
			start("late", HalfOpen),
			call(Failure, 3, HalfOpen),
			call(Success, 5, HalfOpen), // 3 failed, 2 could: 5 of 10
			call(Success, 1, Closed),   // 3 failed, 1 could
			end("late", Failure, Closed),
			call(Failure, 9, Closed), // "late" did not count: 9 of 10 calls
			call(Success, 1, Open),
		},
		wantChanges: []string{toOpen, toHalfOpen, toClosed, toOpen},
	}, {
		name:     "HalfOpenProbes probes in all, at once; an ignored one frees its slot and is not counted",
		settings: small,
		steps: []step{
			call(Failure, 4, Open),
			wait(5*time.Second, HalfOpen),
			start("a", HalfOpen),
			start("b", HalfOpen),
			start("c", HalfOpen),
			start("d", HalfOpen),
			startRejected("e", HalfOpen),
			end("a", Ignore, HalfOpen),
			start("e", HalfOpen),
			end("b", Success, HalfOpen),
			startRejected("f", HalfOpen), // b counted: its slot is not free
			end("c", Failure, HalfOpen),
			end("d", Success, HalfOpen), // 1 of 3 failed: 2 of 4 could
			end("e", Success, Closed),   // 1 of 4
		},
		wantChanges: []string{toOpen, toHalfOpen, toClosed},
	}, {
		name:     "the slow-call rate judges the probes too",
		settings: Settings{FailureRate: 0.5, SlowCallDuration: time.Second, SlowCallRate: 0.5, WindowSize: 4, HalfOpenProbes: 4},
		steps: []step{
			call(Failure, 4, Open),
			wait(5*time.Second, HalfOpen),
			start("a", HalfOpen),
			call(Success, 1, HalfOpen),
			wait(2*time.Second, HalfOpen),
			end("a", Success, HalfOpen), // slow: 1 of 2
			start("b", HalfOpen),
			wait(2*time.Second, HalfOpen),
			startRejected("c", Open), // b is slow in flight: 2 of 4
		},
		wantChanges: []string{toOpen, toHalfOpen, reopen},
	}, {
		name:     "with ConsecutiveFailures alone, one failed probe of several reopens it",
		settings: Settings{ConsecutiveFailures: 1, HalfOpenProbes: 4, HalfOpenSuccesses: 4},
		steps: []step{
			call(Failure, 1, Open),
			wait(5*time.Second, HalfOpen),
			call(Success, 3, HalfOpen),
			call(Failure, 1, Open),
		},
		wantChanges: []string{toOpen, toHalfOpen, reopen},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runSteps(t, tt.settings, tt.steps)
			if !slices.Equal(got, tt.wantChanges) {
				t.Errorf("state changes %q, want %q", got, tt.wantChanges)
			}
		})
	}
}
