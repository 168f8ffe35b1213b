package throttle_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/rebound-go/rebound/throttle"
)

// fakeClock is a settable clock for tests that run on one goroutine.
type fakeClock struct{ t time.Time }

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time { return c.t }

// fixedRand returns u until changed.
type fixedRand struct{ u float64 }

func (r *fixedRand) Float64() float64 { return r.u }

func newThrottle(t *testing.T, s throttle.Settings) (*throttle.Throttle, *fakeClock, *fixedRand) {
	t.Helper()
	clk, rnd := newClock(), &fixedRand{u: 0.5}
	s.Now, s.Rand = clk.Now, rnd.Float64
	th, err := throttle.New(s)
	if err != nil {
		t.Fatal(err)
	}
	return th, clk, rnd
}

// The rejection probability, step by step, with K = 2. Rand is pinned so
// that nothing is rejected; TestAllowUsesRand covers rejection.
func TestProbability(t *testing.T) {
	th, clk, rnd := newThrottle(t, throttle.Settings{})
	rnd.u = 1
	start := clk.t
	steps := []struct {
		at       time.Duration
		requests int // requests the backend refuses
		accepts  int // requests the backend accepts
		want     float64
	}{
		{0, 0, 0, 0},
		{0, 1, 0, 1.0 / 2}, // (1 - 0) / (1 + 1)
		{0, 0, 1, 0},       // (2 - 2·1) / 3
		{time.Second, 2, 0, 2.0 / 5},
		{time.Second, 0, 10, 0},                    // (14 - 22) / 15 < 0
		{time.Second, 30, 0, 22.0 / 45},            // (44 - 22) / 45
		{time.Minute, 55, 0, 77.0 / 100},           // (99 - 22) / 100
		{2 * time.Minute, 0, 0, 77.0 / 98},         // bucket 0 gone: (97 - 20) / 98
		{121 * time.Second, 0, 0, 55.0 / 56},       // bucket 1 gone
		{2*time.Minute + time.Hour, 0, 0, 0},       // all gone
		{2*time.Minute + time.Hour, 3, 0, 3.0 / 4}, // and counting again
	}
	for i, s := range steps {
		clk.t = start.Add(s.at)
		for range s.requests {
			_ = th.Allow()
		}
		for range s.accepts {
			if th.Allow() == nil {
				th.Done(true)
			}
		}
		if got := th.Probability(); math.Abs(got-s.want) > 1e-12 {
			t.Errorf("step %d (at %v): probability %v, want %v", i, s.at, got, s.want)
		}
	}
}

// Allow rejects when the random number is below the probability, and a
// rejected request counts as a request.
func TestAllowUsesRand(t *testing.T) {
	th, _, rnd := newThrottle(t, throttle.Settings{})
	steps := []struct {
		u        float64
		wantErr  error
		wantNext float64 // probability afterwards
	}{
		{0, nil, 1.0 / 2},                      // p = 0: sent even with u = 0
		{0.5, nil, 2.0 / 3},                    // p = 1/2: u = 0.5 is not below it
		{0.49, throttle.ErrThrottled, 3.0 / 4}, // p = 2/3
		{0.74, throttle.ErrThrottled, 4.0 / 5}, // rejections count
		{0.8, nil, 5.0 / 6},
	}
	for i, s := range steps {
		rnd.u = s.u
		if err := th.Allow(); !errors.Is(err, s.wantErr) || (err == nil) != (s.wantErr == nil) {
			t.Errorf("step %d: Allow() = %v, want %v", i, err, s.wantErr)
		}
		if got := th.Probability(); math.Abs(got-s.wantNext) > 1e-12 {
			t.Errorf("step %d: probability %v afterwards, want %v", i, got, s.wantNext)
		}
	}
}

// A client that offers 100 requests a second to a backend that accepts
// 10 of them ends up sending about K·10 = 20 a second.
func TestSteadyState(t *testing.T) {
	clk := newClock()
	rng := rand.New(rand.NewPCG(1, 1))
	th, err := throttle.New(throttle.Settings{Now: clk.Now, Rand: rng.Float64})
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	for sec := range 600 {
		accepted := 0
		for i := range 100 {
			clk.t = newClock().t.Add(time.Duration(sec)*time.Second + time.Duration(i)*10*time.Millisecond)
			if th.Allow() != nil {
				continue
			}
			if sec >= 300 {
				sent++
			}
			th.Done(accepted < 10)
			accepted++
		}
	}
	perSecond := float64(sent) / 300
	t.Logf("sent %.1f requests a second to a backend that accepts 10; rejection probability %.3f", perSecond, th.Probability())
	if perSecond < 19 || perSecond > 21 {
		t.Errorf("sent %.1f requests a second, want about 20", perSecond)
	}
}

func TestRecordRejectedChangesNothing(t *testing.T) {
	th, _, _ := newThrottle(t, throttle.Settings{})
	_ = th.Allow()
	th.Done(false)
	if got := th.Probability(); got != 0.5 {
		t.Errorf("probability %v, want 0.5", got)
	}
}

// K = 1.1: after 100 accepted requests the client may send about 110.
func TestK(t *testing.T) {
	th, _, rnd := newThrottle(t, throttle.Settings{K: 1.1})
	rnd.u = 1 // never reject, to count freely
	for range 100 {
		_ = th.Allow()
		th.Done(true)
	}
	for range 10 {
		_ = th.Allow()
	}
	if got := th.Probability(); got != 0 {
		t.Errorf("probability %v after 110 requests and 100 accepts, want 0", got)
	}
	_ = th.Allow()
	if got, want := th.Probability(), 1.0/112; math.Abs(got-want) > 1e-9 {
		t.Errorf("probability %v after 111 requests, want %v", got, want)
	}
}

// Rand is called without the lock: it may call back into the throttle.
func TestRandOutsideLock(t *testing.T) {
	var th *throttle.Throttle
	th, err := throttle.New(throttle.Settings{Rand: func() float64 { return th.Probability() }})
	if err != nil {
		t.Fatal(err)
	}
	_ = th.Allow()
	_ = th.Allow() // p = 1/2: calls Rand
}

func TestNewRejectsBadSettings(t *testing.T) {
	for _, tc := range []struct {
		s    throttle.Settings
		want string
	}{
		{throttle.Settings{K: 0.5}, "throttle: K 0.5 is not a finite number ≥ 1"},
		{throttle.Settings{K: math.NaN()}, "throttle: K NaN is not a finite number ≥ 1"},
		{throttle.Settings{K: math.Inf(1)}, "throttle: K +Inf is not a finite number ≥ 1"},
		{throttle.Settings{Window: -time.Minute}, "throttle: Window -1m0s is negative"},
		{throttle.Settings{Buckets: -1}, "throttle: Buckets -1 is not in [1, 10000]"},
		{throttle.Settings{Window: 100, Buckets: 120}, "throttle: Window 100ns is too short for 120 Buckets"},
	} {
		_, err := throttle.New(tc.s)
		if err == nil || err.Error() != tc.want {
			t.Errorf("New(%+v): error %v, want %q", tc.s, err, tc.want)
		}
	}
	if _, err := throttle.New(throttle.Settings{}); err != nil {
		t.Errorf("New with zero settings: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	th, err := throttle.New(throttle.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				if th.Allow() == nil {
					th.Done((g+i)%4 != 0)
				}
				_ = th.Probability()
			}
		})
	}
	wg.Wait()
	if p := th.Probability(); p < 0 || p >= 1 {
		t.Errorf("probability %v, want in [0, 1)", p)
	}
}

func TestNoAllocs(t *testing.T) {
	th, _, _ := newThrottle(t, throttle.Settings{})
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		i++
		if th.Allow() == nil {
			th.Done(i%2 == 0)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per call, want 0", allocs)
	}
}

// fixedNow is a clock that does not move, to measure the throttle
// without the cost of time.Now (about 70 ns on a VM without a fast
// clock).
func fixedNow() time.Time { return time.Time{} }

func BenchmarkAllowRecord(b *testing.B) {
	for _, clock := range []struct {
		name string
		now  func() time.Time
	}{{"time.Now", time.Now}, {"fixed", fixedNow}} {
		b.Run(clock.name, func(b *testing.B) {
			th, err := throttle.New(throttle.Settings{Now: clock.now})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if th.Allow() == nil {
					th.Done(true)
				}
			}
		})
	}
}

func BenchmarkAllowRecordParallel(b *testing.B) {
	th, err := throttle.New(throttle.Settings{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if th.Allow() == nil {
				th.Done(true)
			}
		}
	})
}
