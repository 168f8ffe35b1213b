package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/ratelimit"
)

// A server that refuses with 429 and says nothing of its quota: the
// limiter sends freely until the first 429, then paces requests at the
// rate it learns.
func ExampleAdaptive() {
	var served atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) == 3 {
			w.WriteHeader(http.StatusTooManyRequests) // nginx limit_req
			return
		}
		fmt.Fprintln(w, "ok")
	}))
	defer srv.Close()

	a, err := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for range 4 {
		if err := a.Wait(ctx); err != nil {
			fmt.Println("not sent:", err) // errors.Is(err, ratelimit.ErrLimited)
			continue
		}
		resp, err := srv.Client().Get(srv.URL)
		if err != nil {
			fmt.Println(err)
			continue
		}
		resp.Body.Close()
		throttled := resp.StatusCode == http.StatusTooManyRequests ||
			resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != ""
		a.Done(throttled)
		fmt.Printf("%d, pacing: %t\n", resp.StatusCode, !math.IsInf(a.Rate(), 1))
	}
	// Output:
	// 200, pacing: false
	// 200, pacing: false
	// 429, pacing: true
	// 200, pacing: true
}

// quotaServer admits perSec requests a second, with a burst of burst, and
// refuses the rest with 429 and no rate-limit headers, as nginx's
// limit_req does. It answers after latency (from 0.5 to 1.5 times its
// mean, drawn from a fixed seed).
type quotaServer struct {
	perSec, burst float64
	latency       time.Duration

	mu     sync.Mutex
	rng    *rand.Rand
	tokens float64
	last   time.Time
}

// call sends one request and reports whether it was refused.
func (s *quotaServer) call() (throttled bool) {
	s.mu.Lock()
	now := time.Now()
	if s.last.IsZero() {
		s.tokens = s.burst
	} else {
		s.tokens = min(s.burst, s.tokens+now.Sub(s.last).Seconds()*s.perSec)
	}
	s.last = now
	throttled = s.tokens < 1
	if !throttled {
		s.tokens--
	}
	d := time.Duration((0.5 + s.rng.Float64()) * float64(s.latency))
	s.mu.Unlock()
	time.Sleep(d) // fake time
	return throttled
}

// quotaRun is what the callers of a simulated run saw.
type quotaRun struct {
	calls, succeeded, requests, throttled, notSent int
}

func (r *quotaRun) add(c quotaRun) {
	r.calls, r.succeeded, r.notSent = r.calls+c.calls, r.succeeded+c.succeeded, r.notSent+c.notSent
	r.requests, r.throttled = r.requests+c.requests, r.throttled+c.throttled
}

// callWithin2s makes one call with a 2 s deadline, retrying a 429 at once until
// the deadline; through a when a is not nil.
func (srv *quotaServer) callWithin2s(a *ratelimit.Adaptive) (c quotaRun) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c.calls = 1
	for ctx.Err() == nil {
		if a != nil {
			if err := a.Wait(ctx); err != nil {
				c.notSent++
				return c
			}
		}
		c.requests++
		throttled := srv.call()
		if a != nil {
			a.Done(throttled)
		}
		switch {
		case throttled:
			c.throttled++
		case ctx.Err() == nil:
			c.succeeded++
			return c
		}
	}
	return c
}

// runQuota runs 8 callers against srv for 20 s, through a when a is not
// nil.
func runQuota(t *testing.T, srv *quotaServer, a *ratelimit.Adaptive) quotaRun {
	var mu sync.Mutex
	var r quotaRun
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				c := srv.callWithin2s(a)
				mu.Lock()
				r.add(c)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return r
}

// The goal of the learnt rate: 8 callers against a server that takes 50
// requests a second and answers 429 beyond, with a 2 s deadline per call,
// succeed at least 95 % of the time with fewer than 10 % of requests
// refused. The same run without the limiter is logged for comparison.
func TestSimulationLearnsQuota(t *testing.T) {
	for _, burst := range []float64{1, 10} {
		synctest.Test(t, func(t *testing.T) {
			newServer := func() *quotaServer {
				return &quotaServer{perSec: 50, burst: burst, latency: 5 * time.Millisecond, rng: rand.New(rand.NewPCG(5, 6))}
			}
			off := runQuota(t, newServer(), nil)
			a, err := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{})
			if err != nil {
				t.Fatal(err)
			}
			on := runQuota(t, newServer(), a)
			for _, c := range []struct {
				name string
				r    quotaRun
			}{{"off", off}, {"on", on}} {
				t.Logf("burst %v, learnt rate %s: %d calls, %.1f %% succeeded (%.0f %% of the quota); %d requests, %.1f %% refused (429); %d not sent",
					burst, c.name, c.r.calls, 100*float64(c.r.succeeded)/float64(c.r.calls), 100*float64(c.r.succeeded)/(50*20),
					c.r.requests, 100*float64(c.r.throttled)/float64(c.r.requests), c.r.notSent)
			}
			t.Logf("rate at the end: %.1f/s", a.Rate())
			if s := float64(on.succeeded) / float64(on.calls); s < 0.95 {
				t.Errorf("burst %v: %.1f %% of calls succeeded, want at least 95 %%", burst, 100*s)
			}
			if r := float64(on.throttled) / float64(on.requests); r >= 0.10 {
				t.Errorf("burst %v: %.1f %% of requests refused, want less than 10 %%", burst, 100*r)
			}
		})
	}
}

// fakeClock is a time source that moves only when told; for tests on
// one goroutine.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func newAdaptive(t *testing.T, s ratelimit.AdaptiveSettings) (*ratelimit.Adaptive, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.Now = clk.Now
	a, err := ratelimit.NewAdaptive(s)
	if err != nil {
		t.Fatal(err)
	}
	return a, clk
}

func TestNewAdaptiveRejectsBadSettings(t *testing.T) {
	for _, c := range []struct {
		s    ratelimit.AdaptiveSettings
		want string
	}{
		{ratelimit.AdaptiveSettings{MinRate: -1}, "ratelimit: MinRate -1 is not a finite number ≥ 0"},
		{ratelimit.AdaptiveSettings{MinRate: math.NaN()}, "ratelimit: MinRate NaN is not a finite number ≥ 0"},
		{ratelimit.AdaptiveSettings{MinRate: math.Inf(1)}, "ratelimit: MinRate +Inf is not a finite number ≥ 0"},
		{ratelimit.AdaptiveSettings{MaxWait: -time.Second}, "ratelimit: MaxWait -1s is negative"},
	} {
		_, err := ratelimit.NewAdaptive(c.s)
		if err == nil || err.Error() != c.want {
			t.Errorf("NewAdaptive(%+v): %v, want %q", c.s, err, c.want)
		}
	}
}

// Until the first throttle nothing is limited, however fast requests go.
func TestNoLimitBeforeThrottle(t *testing.T) {
	a, clk := newAdaptive(t, ratelimit.AdaptiveSettings{})
	ctx := context.Background()
	for i := range 10_000 {
		if err := a.Wait(ctx); err != nil {
			t.Fatalf("Wait %d: %v", i, err)
		}
		if err := a.Allow(); err != nil {
			t.Fatalf("Allow %d: %v", i, err)
		}
		a.Done(false)
		clk.Advance(time.Microsecond)
	}
	if r := a.Rate(); !math.IsInf(r, 1) {
		t.Errorf("Rate %v before a throttle, want +Inf", r)
	}
}

// The rate after a throttle and as it grows back, step by step on a fake
// clock: the first throttle takes 0.7 of the measured rate, later ones
// 0.7 of the lower of the measured and the current rate; successes follow
// CUBIC's curve up to W_max at time K and beyond it, capped at twice the
// measured rate; the rate never falls below MinRate.
func TestRateSteps(t *testing.T) {
	const ms = time.Millisecond
	a, clk := newAdaptive(t, ratelimit.AdaptiveSettings{MinRate: 2})
	// answers reports n answers spread over d, the last one throttled
	// or not, and returns the rate after it.
	answers := func(n int, d time.Duration, lastThrottled bool) float64 {
		for i := range n {
			clk.Advance(d / time.Duration(n))
			a.Done(lastThrottled && i == n-1)
		}
		return a.Rate()
	}
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-6*max(1, want) }

	// 40 answers in the first 200 ms: 200 a second, no half second
	// measured yet; the 40th is a 429.
	if got := answers(40, 200*ms, true); !near(got, 0.7*200) {
		t.Fatalf("rate after the first throttle %v, want 140", got)
	}
	// The bucket starts empty: a token comes after 1/140 s.
	if err := a.Allow(); err != ratelimit.ErrLimited {
		t.Errorf("Allow on an empty bucket: %v, want ErrLimited", err)
	}
	clk.Advance(time.Second/140 + time.Nanosecond)
	if err := a.Allow(); err != nil {
		t.Errorf("Allow after 1/140 s: %v", err)
	}
	// A second throttle right away: W_max = min(measured 200, rate 140).
	if got := answers(1, 0, true); !near(got, 0.7*140) {
		t.Fatalf("rate after a second throttle %v, want 98", got)
	}
	// Successes at 100 a second: the rate follows the curve from 98 back
	// to W_max = 140 at K = ∛(140·0.3/0.4) s, then above it, until it
	// meets twice the measured rate, about 200.
	k := math.Cbrt(140 * 0.3 / 0.4)
	cubic := func(t float64) float64 { return 0.4*math.Pow(t-k, 3) + 140 }
	elapsed := 0.0
	for _, step := range []float64{1, 2, k - 3, 1, 1, 3, 1} {
		d := time.Duration(step * float64(time.Second))
		got := answers(int(step*100), d, false)
		elapsed += d.Seconds()
		want, tolerance := cubic(elapsed), 0.5
		if want > 195 { // capped: the measured rate is 100 give or take a bucket's rounding
			want, tolerance = 200, 5
		}
		if math.Abs(got-want) > tolerance {
			t.Errorf("%.2f s after the throttle: rate %.2f, want %.2f", elapsed, got, want)
		}
	}
	// Throttles in a row bring the rate down to MinRate and no further.
	for range 30 {
		answers(1, ms, true)
	}
	if got := a.Rate(); got != 2 {
		t.Errorf("rate after 30 throttles %v, want MinRate 2", got)
	}
}

// Wait refuses at once when the token would come after the context's
// deadline or after MaxWait, and otherwise waits exactly for it; waiting
// requests take their turns in order at the fill rate.
func TestWaitTurns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{MaxWait: 250 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		// 10 answers in 73 ms, the last a 429: a rate of 0.7·10/0.073.
		for range 9 {
			time.Sleep(7 * time.Millisecond) // fake time
			a.Done(false)
		}
		time.Sleep(10 * time.Millisecond)
		a.Done(true)
		rate := a.Rate()
		turn := time.Duration(float64(time.Second) / rate)
		t.Logf("rate %.2f/s: a token every %v", rate, turn)

		short, cancel := context.WithTimeout(t.Context(), turn-time.Nanosecond)
		defer cancel()
		start := time.Now()
		if err := a.Wait(short); err != ratelimit.ErrLimited || time.Since(start) != 0 {
			t.Errorf("Wait with a deadline before the token: %v after %v, want ErrLimited at once", err, time.Since(start))
		}
		var mu sync.Mutex
		var at []time.Duration
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				if err := a.Wait(t.Context()); err != nil {
					t.Errorf("Wait: %v", err)
					return
				}
				mu.Lock()
				at = append(at, time.Since(start))
				mu.Unlock()
			})
			synctest.Wait()
		}
		// A fourth would wait past MaxWait (250 ms) only if 4 turns pass it.
		err4 := a.Wait(t.Context())
		wg.Wait()
		for i, got := range at {
			if want := time.Duration(i+1) * turn; got < want-time.Microsecond || got > want+time.Microsecond {
				t.Errorf("waiter %d sent after %v, want %v", i, got, want)
			}
		}
		if 4*turn > 250*time.Millisecond && err4 != ratelimit.ErrLimited {
			t.Errorf("fourth Wait: %v, want ErrLimited (4 turns of %v pass MaxWait)", err4, turn)
		}
	})
}

// throttled makes a limiter that has seen one throttle, measured at 10
// answers in 100 ms: 100 a second, so a rate of 70.
func throttled(t *testing.T, s ratelimit.AdaptiveSettings) *ratelimit.Adaptive {
	t.Helper()
	a, err := ratelimit.NewAdaptive(s)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		time.Sleep(10 * time.Millisecond) // fake time
		a.Done(i == 9)
	}
	if r := a.Rate(); math.Abs(r-70) > 1e-9 {
		t.Fatalf("rate %v, want 70", r)
	}
	return a
}

// A cancelled wait ends at once with an error that matches ErrLimited and
// the context's error, and gives its token back to the next in turn.
func TestWaitCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := throttled(t, ratelimit.AdaptiveSettings{})
		turn := time.Second / 70
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(turn/2, cancel)
		start := time.Now()
		err := a.Wait(ctx)
		if !errors.Is(err, ratelimit.ErrLimited) || !errors.Is(err, context.Canceled) || time.Since(start) != turn/2 {
			t.Errorf("Wait: %v after %v, want ErrLimited and Canceled after %v", err, time.Since(start), turn/2)
		}
		if err := a.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got < turn-time.Microsecond || got > turn+time.Microsecond {
			t.Errorf("next request sent after %v, want %v: the cancelled turn was given back", got, turn)
		}
		ctx, cancel = context.WithCancel(t.Context())
		cancel()
		if err := a.Wait(ctx); err != context.Canceled {
			t.Errorf("Wait with a done context: %v, want context.Canceled", err)
		}
	})
}

// A throttle while requests wait re-plans their turns at the new, lower
// rate: none is sent at the old rate.
func TestThrottleReplansWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := throttled(t, ratelimit.AdaptiveSettings{})
		var mu sync.Mutex
		var sent []time.Time
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if err := a.Wait(t.Context()); err != nil {
					t.Errorf("Wait: %v", err)
					return
				}
				mu.Lock()
				sent = append(sent, time.Now())
				mu.Unlock()
			})
			synctest.Wait()
		}
		time.Sleep(time.Millisecond)
		a.Done(true) // W_max = min(measured, 70): cut to at most 49
		slower := a.Rate()
		wg.Wait()
		for i := 1; i < len(sent); i++ {
			if gap, want := sent[i].Sub(sent[i-1]), time.Duration(float64(time.Second)/slower); gap < want-time.Microsecond {
				t.Errorf("requests %d and %d sent %v apart, want at least %v (rate %.1f/s)", i-1, i, gap, want, slower)
			}
		}
	})
}

// Many goroutines wait, allow and report at once. Run it with -race.
func TestAdaptiveConcurrent(t *testing.T) {
	a, err := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{MinRate: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 300 {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				err := a.Wait(ctx)
				cancel()
				if err != nil && !errors.Is(err, ratelimit.ErrLimited) {
					t.Errorf("Wait: %v", err)
				}
				_ = a.Allow()
				a.Done((g+i)%5 == 0)
				_ = a.Rate()
			}
		})
	}
	wg.Wait()
}

func TestAdaptiveNoAllocs(t *testing.T) {
	a, _ := newAdaptive(t, ratelimit.AdaptiveSettings{MinRate: 1e9})
	ctx := context.Background()
	a.Done(true)
	allocs := testing.AllocsPerRun(1000, func() {
		_ = a.Wait(ctx)
		_ = a.Allow()
		a.Done(false)
		a.Done(true)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}

func BenchmarkAdaptiveWaitDone(b *testing.B) {
	for _, c := range []struct {
		name     string
		throttle bool
	}{{"before-throttle", false}, {"after-throttle", true}} {
		b.Run(c.name, func(b *testing.B) {
			a, err := ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{MinRate: 1e12})
			if err != nil {
				b.Fatal(err)
			}
			if c.throttle {
				a.Done(true)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := a.Wait(ctx); err != nil {
					b.Fatal(err)
				}
				a.Done(false)
			}
		})
	}
}
