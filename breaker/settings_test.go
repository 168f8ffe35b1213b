package breaker

import (
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
		{Settings{MaxOpenTimeout: 2 * time.Second}, "breaker: MaxOpenTimeout 2s is less than OpenTimeout 5s"},
		{Settings{OpenTimeout: 2 * time.Minute, MaxOpenTimeout: time.Minute}, "breaker: MaxOpenTimeout 1m0s is less than OpenTimeout 2m0s"},
		{Settings{OpenTimeoutMultiplier: 0.5}, "breaker: OpenTimeoutMultiplier 0.5 is not in [1, +Inf)"},
		{Settings{OpenTimeoutMultiplier: math.Inf(1)}, "breaker: OpenTimeoutMultiplier +Inf is not in [1, +Inf)"},
		{Settings{OpenTimeoutMultiplier: math.NaN()}, "breaker: OpenTimeoutMultiplier NaN is not in [1, +Inf)"},
		{Settings{HalfOpenProbes: -1}, "breaker: HalfOpenProbes -1 is negative"},
		{Settings{HalfOpenSuccesses: -1}, "breaker: HalfOpenSuccesses -1 is negative"},
		{Settings{HalfOpenSuccesses: 3}, "breaker: HalfOpenSuccesses 3 is set but FailureRate 0.5 judges the probes; set one of them"},
		{Settings{ConsecutiveFailures: 5, FailureRate: 0.3, HalfOpenSuccesses: 3}, "breaker: HalfOpenSuccesses 3 is set but FailureRate 0.3 judges the probes; set one of them"},
		{Settings{MaxWaiting: -1}, "breaker: MaxWaiting -1 is negative"},
		{Settings{MaxWaiting: 1, MaxWait: -time.Second}, "breaker: MaxWait -1s is negative"},
		{Settings{MaxWaiting: 1, RampUp: -time.Second}, "breaker: RampUp -1s is negative"},
		{Settings{MaxWaiting: 1, MaxWait: 25 * time.Hour}, "breaker: MaxWait 25h0m0s is more than 24h0m0s"},
		{Settings{MaxWaiting: 1, RampUp: 25 * time.Hour}, "breaker: RampUp 25h0m0s is more than 24h0m0s"},
		{Settings{MaxWait: time.Second}, "breaker: MaxWait 1s is set but MaxWaiting is zero: no call waits"},
		{Settings{RampUp: time.Second}, "breaker: RampUp 1s is set but MaxWaiting is zero: no call waits"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			b, err := New(tt.s)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("New(%+v) = %v, %v; want error %q", tt.s, b, err, tt.want)
			}
		})
	}
}

func TestSettingsDefaults(t *testing.T) {
	// Settings{}: a failure rate of 50 % over the last 100 calls, at least
	// 100 of them; open 5s, growing to a minute; 20 probes judged by rate.
	base := config{
		failureRate: 0.5, windowSize: 100, minCalls: 100,
		openTimeout: 5 * time.Second, maxOpenTimeout: time.Minute, multiplier: 2, probes: 20,
	}
	tests := []struct {
		name string
		s    Settings
		want func(c *config)
	}{
		{"zero", Settings{}, func(*config) {}},
		{"FailureRate alone is the zero Settings with its threshold", Settings{FailureRate: 0.3},
			func(c *config) { c.failureRate = 0.3 }},
		{"ConsecutiveFailures alone turns off the rate rule and judges probes one by one", Settings{ConsecutiveFailures: 5},
			func(c *config) {
				c.consecutive, c.failureRate, c.windowSize, c.minCalls = 5, 0, 100, 100
				c.probes, c.successes = 1, 1
			}},
		{"both rules", Settings{FailureRate: 0.5, ConsecutiveFailures: 3},
			func(c *config) { c.consecutive = 3 }},
		{"negative ConsecutiveFailures is off", Settings{ConsecutiveFailures: -1}, func(*config) {}},
		{"slow calls keep the rate rule", Settings{SlowCallDuration: time.Second},
			func(c *config) { c.slowDuration, c.slowRate = time.Second, 1 }},
		{"consecutive and slow calls judge probes one by one", Settings{ConsecutiveFailures: 2, SlowCallDuration: time.Second},
			func(c *config) {
				c.consecutive, c.failureRate, c.slowDuration, c.slowRate = 2, 0, time.Second, 1
				c.probes, c.successes = 1, 1
			}},
		{"small window caps MinimumCalls", Settings{WindowSize: 8},
			func(c *config) { c.windowSize, c.minCalls = 8, 8 }},
		{"time window", Settings{WindowDuration: time.Minute},
			func(c *config) { c.windowSize, c.windowDuration, c.windowBuckets = 0, time.Minute, 10 }},
		{"WindowBuckets is not used with WindowSize", Settings{WindowBuckets: 7}, func(*config) {}},
		{"MaxOpenTimeout is a minute", Settings{OpenTimeout: time.Second},
			func(c *config) { c.openTimeout = time.Second }},
		{"MaxOpenTimeout follows a longer OpenTimeout", Settings{OpenTimeout: 2 * time.Minute},
			func(c *config) { c.openTimeout, c.maxOpenTimeout = 2*time.Minute, 2*time.Minute }},
		{"HalfOpenSuccesses follows HalfOpenProbes", Settings{ConsecutiveFailures: 1, HalfOpenProbes: 3},
			func(c *config) { c.consecutive, c.failureRate, c.probes, c.successes = 1, 0, 3, 3 }},
		{"ride-out: RampUp is OpenTimeout, MaxWait the two", Settings{MaxWaiting: 50},
			func(c *config) { c.maxWaiting, c.rampUp, c.maxWait = 50, 5*time.Second, 10*time.Second }},
		{"ride-out: MaxWait follows RampUp", Settings{MaxWaiting: 50, OpenTimeout: time.Second, RampUp: 3 * time.Second},
			func(c *config) {
				c.openTimeout, c.maxWaiting, c.rampUp, c.maxWait = time.Second, 50, 3*time.Second, 4*time.Second
			}},
		{"ride-out: as set", Settings{MaxWaiting: 50, MaxWait: 2 * time.Second, RampUp: time.Second},
			func(c *config) { c.maxWaiting, c.rampUp, c.maxWait = 50, time.Second, 2*time.Second }},
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
			got.clock = nil
			want := base
			tt.want(&want)
			if !reflect.DeepEqual(got, want) { // funcs are nil
				t.Errorf("config\n got %+v\nwant %+v", got, want)
			}
		})
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
