package breaker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"
)

func TestNewRejectsBadSettings(t *testing.T) {
	tests := []struct {
		s    Settings
		want string
	}{
		{Settings{FailureRate: 1.3}, "breaker: FailureRate 1.3 is not in (0, 1]"},
		{Settings{FailureRate: -0.1}, "breaker: FailureRate -0.1 is not in (0, 1]"},
		{Settings{FailureRate: math.NaN()}, "breaker: FailureRate NaN is not in (0, 1]"},
		{Settings{SlowCallDuration: time.Second, SlowCallRate: 2}, "breaker: SlowCallRate 2 is not in (0, 1]"},
		{Settings{SlowCallDuration: -time.Second}, "breaker: SlowCallDuration -1s is negative"},
		{Settings{SlowCallRate: 0.5}, "breaker: SlowCallRate 0.5 is set but SlowCallDuration is zero"},
		{Settings{ConsecutiveFailures: -1}, "breaker: no trip rule: ConsecutiveFailures is -1 and FailureRate and SlowCallDuration are zero"},
		{Settings{FailureRate: 0.5, WindowSize: -1}, "breaker: WindowSize -1 is negative"},
		{Settings{FailureRate: 0.5, WindowDuration: -time.Second}, "breaker: WindowDuration -1s is negative"},
		{Settings{FailureRate: 0.5, WindowSize: 10, WindowDuration: time.Second}, "breaker: WindowSize 10 and WindowDuration 1s are both set; choose one"},
		{Settings{FailureRate: 0.5, WindowDuration: time.Second, WindowBuckets: -1}, "breaker: WindowBuckets -1 is negative"},
		{Settings{FailureRate: 0.5, WindowDuration: 5, WindowBuckets: 10}, "breaker: WindowBuckets 10 is too many for WindowDuration 5ns: buckets would be shorter than 1ns"},
		{Settings{FailureRate: 0.5, MinimumCalls: -1}, "breaker: MinimumCalls -1 is negative"},
		{Settings{FailureRate: 0.5, MinimumCalls: 101}, "breaker: MinimumCalls 101 is more than WindowSize 100: the rate rules could never trip"},
		{Settings{FailureRate: 0.5, WindowSize: 10, MinimumCalls: 11}, "breaker: MinimumCalls 11 is more than WindowSize 10: the rate rules could never trip"},
		{Settings{OpenTimeout: -time.Second}, "breaker: OpenTimeout -1s is negative"},
		{Settings{MaxOpenTimeout: -time.Second}, "breaker: MaxOpenTimeout -1s is negative"},
		{Settings{MaxOpenTimeout: 10 * time.Second}, "breaker: MaxOpenTimeout 10s is less than OpenTimeout 30s"},
		{Settings{OpenTimeoutMultiplier: 0.5}, "breaker: OpenTimeoutMultiplier 0.5 is not in [1, +Inf)"},
		{Settings{OpenTimeoutMultiplier: math.Inf(1)}, "breaker: OpenTimeoutMultiplier +Inf is not in [1, +Inf)"},
		{Settings{OpenTimeoutMultiplier: math.NaN()}, "breaker: OpenTimeoutMultiplier NaN is not in [1, +Inf)"},
		{Settings{HalfOpenProbes: -1}, "breaker: HalfOpenProbes -1 is negative"},
		{Settings{HalfOpenSuccesses: -1}, "breaker: HalfOpenSuccesses -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			b, err := New(tt.s)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("New(%+v) = %v, %v; want error %q", tt.s, b, err, tt.want)
			}
			if _, err := NewSet(tt.s); err == nil || err.Error() != tt.want {
				t.Fatalf("NewSet error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSettingsDefaults(t *testing.T) {
	base := config{
		consecutive: 5, openTimeout: 30 * time.Second, maxOpenTimeout: 30 * time.Second,
		multiplier: 2, probes: 1, successes: 1, windowSize: 100, minCalls: 20,
	}
	tests := []struct {
		name string
		s    Settings
		want func(c *config)
	}{
		{"zero", Settings{}, func(*config) {}},
		{"failure rate turns off the consecutive rule", Settings{FailureRate: 0.5},
			func(c *config) { c.consecutive, c.failureRate = 0, 0.5 }},
		{"both rules", Settings{FailureRate: 0.5, ConsecutiveFailures: 3},
			func(c *config) { c.consecutive, c.failureRate = 3, 0.5 }},
		{"slow calls keep the consecutive rule", Settings{SlowCallDuration: time.Second},
			func(c *config) { c.slowDuration, c.slowRate = time.Second, 1 }},
		{"negative ConsecutiveFailures is off", Settings{ConsecutiveFailures: -1, SlowCallDuration: time.Second},
			func(c *config) { c.consecutive, c.slowDuration, c.slowRate = 0, time.Second, 1 }},
		{"small window caps MinimumCalls", Settings{FailureRate: 0.5, WindowSize: 8},
			func(c *config) { c.consecutive, c.failureRate, c.windowSize, c.minCalls = 0, 0.5, 8, 8 }},
		{"time window", Settings{FailureRate: 0.5, WindowDuration: time.Minute},
			func(c *config) {
				c.consecutive, c.failureRate, c.windowSize = 0, 0.5, 0
				c.windowDuration, c.windowBuckets = time.Minute, 10
			}},
		{"WindowBuckets is not used with WindowSize", Settings{WindowBuckets: 7}, func(*config) {}},
		{"MaxOpenTimeout follows OpenTimeout", Settings{OpenTimeout: time.Minute},
			func(c *config) { c.openTimeout, c.maxOpenTimeout = time.Minute, time.Minute }},
		{"HalfOpenSuccesses follows HalfOpenProbes", Settings{HalfOpenProbes: 3},
			func(c *config) { c.probes, c.successes = 3, 3 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.config()
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := got.clock.(systemClock); !ok {
				t.Errorf("clock %T, want systemClock", got.clock)
			}
			if got.classify == nil {
				t.Error("no classify")
			}
			got.clock, got.classify = nil, nil
			want := base
			tt.want(&want)
			if !reflect.DeepEqual(got, want) { // funcs are nil
				t.Errorf("config\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestDefaultClassify(t *testing.T) {
	tests := []struct {
		err  error
		want Outcome
	}{
		{nil, Success},
		{errors.New("503"), Failure},
		{context.DeadlineExceeded, Failure},
		{context.Canceled, Ignore},
		{fmt.Errorf("get: %w", context.Canceled), Ignore},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("classify(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestStrings(t *testing.T) {
	for v, want := range map[fmt.Stringer]string{
		Closed: "closed", HalfOpen: "half-open", Open: "open", State(7): "State(7)",
		Success: "success", Failure: "failure", Ignore: "ignore", Outcome(9): "Outcome(9)",
	} {
		if got := v.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}
