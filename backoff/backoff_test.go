package backoff_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
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
		{"exponential default multiplier", backoff.Exponential{Initial: ms}, 0, []time.Duration{ms, 2 * ms, 4 * ms, 8 * ms}},
		{"exponential capped", backoff.Exponential{Initial: ms, Max: 10 * ms}, 0, []time.Duration{ms, 2 * ms, 4 * ms, 8 * ms, 10 * ms, 10 * ms}},
		{"exponential x3", backoff.Exponential{Initial: ms, Multiplier: 3}, 0, []time.Duration{ms, 3 * ms, 9 * ms}},
		{"full jitter low", backoff.Exponential{Initial: 100 * ms, Jitter: backoff.Full}, 0, []time.Duration{0, 0}},
		{"full jitter half", backoff.Exponential{Initial: 100 * ms, Jitter: backoff.Full}, 0.5, []time.Duration{50 * ms, 100 * ms}},
		{"equal jitter", backoff.Constant{Interval: 100 * ms, Jitter: backoff.Equal}, 0.5, []time.Duration{75 * ms}},
		{"proportional low", backoff.Constant{Interval: 100 * ms, Jitter: backoff.Proportional(0.25)}, 0, []time.Duration{75 * ms}},
		{"proportional high", backoff.Constant{Interval: 100 * ms, Jitter: backoff.Proportional(0.25)}, 0.999999, []time.Duration{124999950}},
		{"100 ms doubling to 5 s, no jitter draw", backoff.Exponential{Initial: 100 * ms, Max: 5 * time.Second, Multiplier: 2}, 0, []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms, 5 * time.Second}},
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
	tests := []struct {
		name string
		n    int
		prev time.Duration
		u    float64
		want time.Duration
	}{
		{"first draw from Initial", 1, 0, 0, 10 * ms},
		{"first draw up to 3·Initial", 1, 0, 0.5, 20 * ms},        // 10 + 0.5·(30-10)
		{"grows from prev", 2, 20 * ms, 0.5, 35 * ms},             // 10 + 0.5·(60-10)
		{"range clamped, not the draw", 3, 90 * ms, 0.5, 55 * ms}, // 10 + 0.5·(100-10)
		{"high draw stays below Max", 3, 90 * ms, 0.99, 99100 * time.Microsecond},
		{"prev past Max (a Retry-After)", 4, time.Hour, 0, 10 * ms},
	}
	for _, tt := range tests {
		if got := d.Delay(tt.n, tt.prev, tt.u); got != tt.want {
			t.Errorf("%s: Delay(%d, %v, %v) = %v, want %v", tt.name, tt.n, tt.prev, tt.u, got, tt.want)
		}
	}
}

// TestDecorrelatedSpread simulates 1000 clients that failed together, each
// with its own random source, and checks that at no retry from 1 to 20 more
// than 5 % of them wait exactly the same time, nor, once the schedules
// have reached the cap (retry 8 on), within the same hundredth of Max.
// The published formula, clamping the draw rather than the range, fails
// the first check (about 40 % of the clients wait exactly Max from the
// 12th retry on); it is simulated too, to show the check can fail.
func TestDecorrelatedSpread(t *testing.T) {
	const clients, retries = 1000, 20
	const limit = clients * 5 / 100 // 5 %
	s := backoff.Decorrelated{Initial: 100 * ms, Max: 2 * time.Second}
	published := func(n int, prev time.Duration, u float64) time.Duration {
		hi := 3 * max(prev, s.Initial)
		return min(s.Max, s.Initial+time.Duration(u*float64(hi-s.Initial)))
	}
	for _, tt := range []struct {
		name       string
		delay      func(n int, prev time.Duration, u float64) time.Duration
		wantSpread bool
	}{
		{"Decorrelated", s.Delay, true},
		{"as published", published, false},
	} {
		worst, worstBucket, worstAt := spread(tt.delay, clients, retries, s.Max/100)
		spreadOK := worst <= limit && worstBucket <= limit
		t.Logf("%s: at most %d of %d clients wait the same delay (retry %d), %d the same hundredth of Max", tt.name, worst, clients, worstAt, worstBucket)
		if spreadOK != tt.wantSpread {
			t.Errorf("%s: at retry %d, %d of %d clients wait the same delay and %d the same hundredth of Max; want at most %d: %v",
				tt.name, worstAt, worst, clients, worstBucket, limit, tt.wantSpread)
		}
	}
}

// spread runs the schedules of clients independent clients for retries
// retries and returns the largest number that waited exactly the same
// delay at one retry, the retry where that was, and the largest number
// that waited a delay in the same bucket of width bucket at one retry from
// the 8th on.
func spread(delay func(int, time.Duration, float64) time.Duration, clients, retries int, bucket time.Duration) (worst, worstBucket, worstAt int) {
	rands := make([]*rand.Rand, clients)
	prev := make([]time.Duration, clients)
	for i := range rands {
		rands[i] = rand.New(rand.NewPCG(uint64(i), 2015))
	}
	for n := 1; n <= retries; n++ {
		same := make(map[time.Duration]int)
		near := make(map[time.Duration]int)
		for i, r := range rands {
			prev[i] = delay(n, prev[i], r.Float64())
			same[prev[i]]++
			near[prev[i]/bucket]++
		}
		for _, c := range same {
			if c > worst {
				worst, worstAt = c, n
			}
		}
		for _, c := range near {
			if n >= 8 {
				worstBucket = max(worstBucket, c)
			}
		}
	}
	return worst, worstBucket, worstAt
}

// TestDecorrelatedBounds checks that every delay lies in [Initial, Max)
// and that the schedule still grows: from the 8th retry on, the median
// client waits more than Max/5.
func TestDecorrelatedBounds(t *testing.T) {
	s := backoff.Decorrelated{Initial: 100 * ms, Max: 2 * time.Second}
	r := rand.New(rand.NewPCG(1, 2))
	for client := 0; client < 200; client++ {
		var prev time.Duration
		for n := 1; n <= 30; n++ {
			d := s.Delay(n, prev, r.Float64())
			if d < s.Initial || d >= s.Max {
				t.Fatalf("client %d retry %d: %v outside [%v, %v)", client, n, d, s.Initial, s.Max)
			}
			prev = d
		}
	}
	rands := make([]*rand.Rand, 1001)
	prev := make([]time.Duration, len(rands))
	for i := range rands {
		rands[i] = rand.New(rand.NewPCG(uint64(i), 7))
	}
	for n := 1; n <= 20; n++ {
		for i, r := range rands {
			prev[i] = s.Delay(n, prev[i], r.Float64())
		}
		if n < 8 {
			continue
		}
		sorted := slices.Clone(prev)
		slices.Sort(sorted)
		if median := sorted[len(sorted)/2]; median <= s.Max/5 {
			t.Errorf("retry %d: median delay %v, want above %v", n, median, s.Max/5)
		}
	}
}

func TestNoOverflow(t *testing.T) {
	for _, s := range []backoff.Strategy{
		backoff.Exponential{Initial: time.Hour, Multiplier: 10},
		backoff.Constant{Interval: math.MaxInt64, Jitter: backoff.Proportional(1)},
		backoff.Decorrelated{Initial: math.MaxInt64 / 2},
	} {
		for n := 1; n < 2000; n *= 3 {
			if got := s.Delay(n, math.MaxInt64/2, 0.9); got < 0 {
				t.Fatalf("%T retry %d: negative %v", s, n, got)
			}
		}
	}
}

// selfChecked is a Strategy of another package with a Validate method of
// its own, which backoff.Validate calls.
type selfChecked struct{ err error }

func (selfChecked) Delay(int, time.Duration, float64) time.Duration { return ms }
func (s selfChecked) Validate() error                               { return s.err }

// plain is a Strategy of another package without a Validate method.
type plain struct{}

func (plain) Delay(int, time.Duration, float64) time.Duration { return ms }

func TestValidate(t *testing.T) {
	tests := []struct {
		v       backoff.Strategy
		wantErr string
	}{
		{nil, ""},
		{plain{}, ""},
		{selfChecked{}, ""},
		{selfChecked{errors.New("mine is wrong")}, "mine is wrong"},
		{&backoff.Exponential{Initial: ms}, ""},
		{&backoff.Exponential{}, "Exponential Initial is 0"},
		{&backoff.Constant{Interval: -ms}, "Constant Interval -1ms must not be negative"},
		{&backoff.Decorrelated{}, "Decorrelated Initial is 0"},
		{(*backoff.Exponential)(nil), ""},
		{backoff.Constant{Interval: ms}, ""},
		{backoff.Constant{}, ""}, // no wait, on purpose
		{backoff.Constant{Interval: -ms}, "Constant Interval -1ms must not be negative"},
		{backoff.Constant{Interval: ms, Jitter: backoff.Proportional(1.3)}, "Proportional fraction 1.3 is not in [0, 1]"},
		{backoff.Constant{Interval: ms, Jitter: backoff.Proportional(-0.1)}, "Proportional fraction -0.1 is not in [0, 1]"},
		{backoff.Constant{Interval: ms, Jitter: backoff.Proportional(math.NaN())}, "Proportional fraction NaN"},
		{backoff.Exponential{Initial: ms}, ""},
		{backoff.Exponential{Initial: ms, Max: ms, Multiplier: 1}, ""},
		{backoff.Exponential{Max: 5 * time.Second}, "Exponential Initial is 0"},
		{backoff.Exponential{}, "Exponential Initial is 0"},
		{backoff.Exponential{Initial: -ms}, "Exponential Initial -1ms must not be negative"},
		{backoff.Exponential{Initial: ms, Max: -1}, "Exponential Max -1ns must not be negative"},
		{backoff.Exponential{Initial: 10 * ms, Max: ms}, "Exponential Max 1ms is below the first delay 10ms"},
		{backoff.Exponential{Initial: ms, Multiplier: 0.5}, "Multiplier 0.5 must be at least 1"},
		{backoff.Exponential{Initial: ms, Multiplier: -2}, "Multiplier -2 must be at least 1"},
		{backoff.Exponential{Initial: ms, Multiplier: math.NaN()}, "Multiplier NaN"},
		{backoff.Exponential{Initial: ms, Multiplier: math.Inf(1)}, "Multiplier +Inf"},
		{backoff.Exponential{Initial: ms, Jitter: backoff.Proportional(1.01)}, "Proportional fraction 1.01"},
		{backoff.Decorrelated{Initial: ms, Max: 10 * ms}, ""},
		{backoff.Decorrelated{Initial: ms}, ""},
		{backoff.Decorrelated{}, "Decorrelated Initial is 0"},
		{backoff.Decorrelated{Max: 2 * time.Second}, "Decorrelated Initial is 0"},
		{backoff.Decorrelated{Initial: -ms}, "Decorrelated Initial -1ms must not be negative"},
		{backoff.Decorrelated{Initial: ms, Max: -ms}, "Decorrelated Max -1ms must not be negative"},
		{backoff.Decorrelated{Initial: 10 * ms, Max: ms}, "Decorrelated Max 1ms is below the first delay 10ms"},
	}
	for _, tt := range tests {
		err := backoff.Validate(tt.v)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%#v: unexpected error %v", tt.v, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%#v: error %v, want it to contain %q", tt.v, err, tt.wantErr)
		}
	}
}

// TestNoZeroOrNegativeByMistake checks that a strategy Validate accepts
// waits a positive time before every retry (Constant{} aside, which says
// so), and that a strategy it rejects still never returns a negative delay.
func TestNoZeroOrNegativeByMistake(t *testing.T) {
	valid := []backoff.Strategy{
		backoff.Constant{Interval: ms}, backoff.Constant{Interval: ms, Jitter: backoff.Equal},
		backoff.Exponential{Initial: ms}, backoff.Exponential{Initial: ms, Max: 5 * time.Second, Multiplier: 1},
		backoff.Exponential{Initial: ms, Jitter: backoff.Equal}, backoff.Decorrelated{Initial: ms, Max: ms},
		backoff.Constant{Interval: ms, Jitter: backoff.Proportional(0.5)},
	}
	invalid := []backoff.Strategy{
		backoff.Constant{Interval: -time.Hour, Jitter: backoff.Full}, backoff.Constant{Interval: -ms},
		backoff.Exponential{Initial: -ms, Multiplier: 3}, backoff.Exponential{Initial: ms, Multiplier: -3},
		backoff.Exponential{Initial: ms, Multiplier: math.NaN(), Max: -1}, backoff.Decorrelated{Initial: -ms, Max: -ms},
		backoff.Decorrelated{Initial: time.Second, Max: ms}, backoff.Constant{Interval: time.Hour, Jitter: backoff.Proportional(5)},
	}
	for _, u := range []float64{0, 0.25, 0.999999} {
		for n := 1; n <= 100; n++ {
			for _, s := range valid {
				if d := s.Delay(n, time.Duration(n)*ms, u); d <= 0 {
					t.Fatalf("%#v.Delay(%d, %v) = %v, want positive", s, n, u, d)
				}
			}
			for _, s := range invalid {
				if d := s.Delay(n, time.Duration(n)*ms, u); d < 0 {
					t.Fatalf("%#v.Delay(%d, %v) = %v, negative", s, n, u, d)
				}
			}
		}
	}
}

func TestJitterString(t *testing.T) {
	for j, want := range map[backoff.Jitter]string{
		{}: "none", backoff.Full: "full", backoff.Equal: "equal", backoff.Proportional(0.25): "±25%",
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
