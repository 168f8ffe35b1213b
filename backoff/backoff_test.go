package backoff_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/rebound-go/rebound/backoff"
)

const ms = time.Millisecond

func TestSchedules(t *testing.T) {
	tests := []struct {
		name string
		s    backoff.Strategy
		u    float64
		want []time.Duration // delays before retries 1, 2, 3, …
	}{
		{"constant", backoff.Constant{Interval: 50 * ms}, 0.3, []time.Duration{50 * ms, 50 * ms, 50 * ms}},
		{"linear", backoff.Linear{Step: 10 * ms}, 0, []time.Duration{10 * ms, 20 * ms, 30 * ms}},
		{"linear initial and cap", backoff.Linear{Initial: 5 * ms, Step: 10 * ms, Max: 20 * ms}, 0, []time.Duration{5 * ms, 15 * ms, 20 * ms, 20 * ms}},
		{"exponential default multiplier", backoff.Exponential{Initial: ms}, 0, []time.Duration{ms, 2 * ms, 4 * ms, 8 * ms}},
		{"exponential capped", backoff.Exponential{Initial: ms, Max: 10 * ms}, 0, []time.Duration{ms, 2 * ms, 4 * ms, 8 * ms, 10 * ms, 10 * ms}},
		{"exponential x3", backoff.Exponential{Initial: ms, Multiplier: 3}, 0, []time.Duration{ms, 3 * ms, 9 * ms}},
		{"full jitter low", backoff.Exponential{Initial: 100 * ms, Jitter: backoff.Full}, 0, []time.Duration{0, 0}},
		{"full jitter half", backoff.Exponential{Initial: 100 * ms, Jitter: backoff.Full}, 0.5, []time.Duration{50 * ms, 100 * ms}},
		{"equal jitter", backoff.Constant{Interval: 100 * ms, Jitter: backoff.Equal}, 0.5, []time.Duration{75 * ms}},
		{"proportional low", backoff.Constant{Interval: 100 * ms, Jitter: backoff.Proportional(0.25)}, 0, []time.Duration{75 * ms}},
		{"proportional high", backoff.Constant{Interval: 100 * ms, Jitter: backoff.Proportional(0.25)}, 0.999999, []time.Duration{124999950}},
		{"nanogit defaults, no jitter draw", backoff.Exponential{Initial: 100 * ms, Max: 5 * time.Second, Multiplier: 2}, 0, []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms, 5 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var prev time.Duration
			for i, want := range tt.want {
				got := tt.s.Delay(i+1, prev, tt.u)
				if got != want {
					t.Fatalf("retry %d: got %v, want %v", i+1, got, want)
				}
				prev = got
			}
		})
	}
}

func TestDecorrelated(t *testing.T) {
	d := backoff.Decorrelated{Initial: 10 * ms, Max: 100 * ms}
	// u = 0 always gives Initial; u close to 1 gives about 3·prev, capped.
	if got := d.Delay(1, 0, 0); got != 10*ms {
		t.Fatalf("first delay %v", got)
	}
	if got := d.Delay(2, 20*ms, 0.5); got != 35*ms { // 10 + 0.5·(60-10)
		t.Fatalf("second delay %v, want 35ms", got)
	}
	if got := d.Delay(3, 90*ms, 0.99); got != 100*ms {
		t.Fatalf("capped delay %v", got)
	}
}

func TestNoOverflow(t *testing.T) {
	for _, s := range []backoff.Strategy{
		backoff.Exponential{Initial: time.Hour, Multiplier: 10},
		backoff.Linear{Step: math.MaxInt64 / 2},
		backoff.Decorrelated{Initial: math.MaxInt64 / 2},
	} {
		for n := 1; n < 2000; n *= 3 {
			if got := s.Delay(n, math.MaxInt64/2, 0.9); got < 0 {
				t.Fatalf("%T retry %d: negative %v", s, n, got)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	type validator interface{ Validate() error }
	tests := []struct {
		v       validator
		wantErr string
	}{
		{backoff.Constant{Interval: ms}, ""},
		{backoff.Constant{Interval: -ms}, "Constant Interval -1ms must not be negative"},
		{backoff.Constant{Interval: ms, Jitter: backoff.Proportional(1.3)}, "Proportional fraction 1.3 is not in [0, 1]"},
		{backoff.Linear{Step: -ms}, "must not be negative"},
		{backoff.Exponential{Initial: ms, Multiplier: 0.5}, "Multiplier 0.5 must be at least 1"},
		{backoff.Exponential{Initial: ms, Multiplier: math.NaN()}, "Multiplier NaN"},
		{backoff.Exponential{Initial: ms, Max: -1}, "Max -1ns must not be negative"},
		{backoff.Decorrelated{}, "Initial 0s must be positive"},
		{backoff.Decorrelated{Initial: 10 * ms, Max: ms}, "Max 1ms is below Initial 10ms"},
		{backoff.Decorrelated{Initial: ms, Max: 10 * ms}, ""},
	}
	for _, tt := range tests {
		err := tt.v.Validate()
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%+v: unexpected error %v", tt.v, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%+v: error %v, want it to contain %q", tt.v, err, tt.wantErr)
		}
	}
}

func TestJitterString(t *testing.T) {
	for j, want := range map[backoff.Jitter]string{
		backoff.None: "none", backoff.Full: "full", backoff.Equal: "equal", backoff.Proportional(0.25): "±25%",
	} {
		if got := j.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func BenchmarkExponentialFull(b *testing.B) {
	s := backoff.Exponential{Initial: ms, Max: time.Second, Jitter: backoff.Full}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Delay(i%10+1, 0, 0.5)
	}
}
