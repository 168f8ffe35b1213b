package reliability_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/hedge"
	"github.com/rebound-go/rebound/internal/fleetlink"
	"github.com/rebound-go/rebound/internal/hedgeplan"
	"github.com/rebound-go/rebound/ratelimit"
	"github.com/rebound-go/rebound/throttle"
)

// The parsers have fuzz targets next to them (rebound.FuzzParseRetryAfter,
// ratelimit.FuzzParse, faults.FuzzParseScenario). These are for the
// validators: whatever the settings, a constructor either says no or
// returns something that works, and never panics.

// strategyOf builds one of the backoff strategies from fuzzed numbers.
func strategyOf(kind uint8, initial, step, maxD int64, mult float64, jitter uint8, frac float64) backoff.Strategy {
	j := []backoff.Jitter{{}, backoff.Full, backoff.Equal, backoff.Proportional(frac)}[jitter%4]
	switch kind % 5 {
	case 0:
		return backoff.Constant{Interval: time.Duration(initial), Jitter: j}
	case 1:
		return backoff.Exponential{Initial: time.Duration(step), Max: time.Duration(maxD), Multiplier: 1, Jitter: j} // constant, spelt as growth
	case 2:
		return backoff.Exponential{Initial: time.Duration(initial), Max: time.Duration(maxD), Multiplier: mult, Jitter: j}
	case 3:
		return backoff.Decorrelated{Initial: time.Duration(initial), Max: time.Duration(maxD)}
	}
	return nil // the default backoff
}

// unit maps any float64 into [0, 1), as a random source would give.
func unit(u float64) float64 {
	if math.IsNaN(u) || math.IsInf(u, 0) {
		return 0.5
	}
	u = math.Abs(u)
	u -= math.Floor(u)
	if u >= 1 {
		return 0
	}
	return u
}

// FuzzBackoff checks every strategy that validates: no negative delay,
// jitter within its promise around the unjittered delay, a cap honoured,
// and a zero start that stays at zero.
func FuzzBackoff(f *testing.F) {
	f.Add(uint8(2), int64(100e6), int64(0), int64(5e9), 2.0, uint8(2), 0.0, 3, int64(0), 0.5)
	f.Add(uint8(1), int64(0), int64(1e9), int64(0), 0.0, uint8(3), 0.5, 7, int64(0), 0.3)
	f.Add(uint8(3), int64(1e6), int64(0), int64(1e9), 0.0, uint8(0), 0.0, 9, int64(5e8), 0.99)
	f.Add(uint8(0), int64(1e6), int64(0), int64(0), 0.0, uint8(1), 0.0, 1, int64(0), 0.0)
	// Found: an Exponential from zero (no wait) waits 292 years from the
	// 1025th retry on, since 0·2^1024 is 0·Inf, NaN, which satMul
	// saturates.
	f.Add(uint8(2), int64(0), int64(0), int64(0), 0.0, uint8(0), 0.0, 1025, int64(0), 0.5)
	// Found: Proportional jitter overflows on a saturated delay and
	// turns the longest wait into none.
	f.Add(uint8(0), int64(math.MaxInt64), int64(0), int64(0), 0.0, uint8(3), 0.5, 1, int64(0), 0.9)
	f.Fuzz(func(t *testing.T, kind uint8, initial, step, maxD int64, mult float64, jitter uint8, frac float64, n int, prev int64, u float64) {
		s := strategyOf(kind, initial, step, maxD, mult, jitter, frac)
		if s == nil {
			return
		}
		if err := backoff.Validate(s); err != nil {
			return
		}
		n = 1 + int(uint(n-1)%(1<<20))
		prev = max(prev, 0)
		u = unit(u)
		d := s.Delay(n, time.Duration(prev), u)
		if d < 0 {
			t.Fatalf("%#v.Delay(%d, %v, %v) = %v, negative", s, n, prev, u, d)
		}
		plain := strategyOf(kind, initial, step, maxD, mult, 0, 0).Delay(n, time.Duration(prev), u)
		j := jitter % 4
		if kind%5 == 3 {
			j = 0 // Decorrelated has no Jitter
		}
		// Bounds with a margin for float rounding.
		lo, hi := float64(plain), float64(plain)
		switch j {
		case 1:
			lo = 0
		case 2:
			lo = float64(plain) / 2
		case 3:
			lo, hi = float64(plain)*(1-frac), float64(plain)*(1+frac)
		}
		margin := 1e-9*float64(plain) + 2
		if kind%5 != 3 && (float64(d) < lo-margin || float64(d) > hi+margin && plain < math.MaxInt64/2) {
			t.Fatalf("%#v.Delay(%d, %v, %v) = %v; want within [%.0f, %.0f] around %v", s, n, prev, u, d, lo, hi, plain)
		}
		if maxD > 0 && j < 3 && kind%5 != 0 && d > time.Duration(maxD) {
			t.Fatalf("%#v.Delay(%d, %v, %v) = %v, above Max", s, n, prev, u, d)
		}
		if initial == 0 && (kind%5 == 0 || kind%5 == 2) && d != 0 {
			t.Fatalf("%#v.Delay(%d, %v, %v) = %v; a strategy that starts at zero stays at zero", s, n, prev, u, d)
		}
	})
}

// FuzzConfig builds a Config from fuzzed numbers (policy, backoff, caps,
// timeouts, hedging) and checks that one NewTransport accepts carries a call against a server that fails
// a few times: without a panic or a goroutine left behind, every attempt
// with the request's body byte for byte, every discarded response closed,
// and no more attempts than the policy allows. The call runs in a synctest
// bubble, so the policy's waits cost nothing.
func FuzzConfig(f *testing.F) {
	type seed struct {
		attempts              int
		kind                  uint8
		initial, step, maxD   int64
		mult                  float64
		jitter                uint8
		frac                  float64
		maxRetryAfter         int64
		status                int
		attemptTimeout        int64
		fraction              float64
		maxBuffered, maxDrain int64
		hedgeCopies           int
		hedgeDelay            int64
		hedgePct              float64
		failures              uint8
		retryAfter            string
		body                  []byte
		shape                 uint8
	}
	for _, s := range []seed{
		{attempts: 3, kind: 2, initial: 1e6, maxD: 1e9, status: 404, failures: 2, body: []byte("payload"), shape: 1},
		{attempts: -1, kind: 1, step: 1e6, failures: 7, retryAfter: "1", body: []byte("x"), shape: 3},
		{attempts: 5, kind: 3, initial: 1e6, maxD: 1e8, maxBuffered: 2, failures: 4, body: []byte("longer than two"), shape: 3},
		{attempts: 4, kind: 0, initial: 1e6, hedgeCopies: 3, hedgeDelay: 1e6, failures: 3, body: []byte("h"), shape: 0},
		{attempts: 4, kind: 2, initial: 1e6, hedgePct: 0.9, attemptTimeout: 1e9, fraction: 0.25, failures: 2, shape: 0},
		{attempts: 2, maxRetryAfter: -1, retryAfter: "99999999999999999999", failures: 1, shape: 2, body: []byte("p")},
		{attempts: 1, status: 200, failures: 1},
		{attempts: 3, fraction: math.NaN()},
		{attempts: 3, kind: 2, mult: 0.5},
		{attempts: 3, maxDrain: -1, failures: 2, retryAfter: "Fri, 31 Dec 9999 23:59:59 GMT"},
		// Found: "buffer anything" overflows maxBuffer+1 in prepareBody:
		// every attempt sent an empty body, and since readUpTo, the
		// Transport panics.
		{attempts: 3, maxBuffered: math.MaxInt64, failures: 1, body: []byte("payload"), shape: 3},
	} {
		f.Add(s.attempts, s.kind, s.initial, s.step, s.maxD, s.mult, s.jitter, s.frac, s.maxRetryAfter, s.status,
			s.attemptTimeout, s.fraction, s.maxBuffered, s.maxDrain, s.hedgeCopies, s.hedgeDelay, s.hedgePct,
			s.failures, s.retryAfter, s.body, s.shape)
	}
	f.Fuzz(func(t *testing.T, attempts int, kind uint8, initial, step, maxD int64, mult float64, jitter uint8, frac float64,
		maxRetryAfter int64, status int, attemptTimeout int64, fraction float64, maxBuffered, maxDrain int64,
		hedgeCopies int, hedgeDelay int64, hedgePct float64, failures uint8, retryAfter string, body []byte, shape uint8) {
		cfg := rebound.Config{
			Policy: rebound.Policy{
				Attempts:      attempts,
				Backoff:       strategyOf(kind, initial, step, maxD, mult, jitter, frac),
				MaxRetryAfter: time.Duration(maxRetryAfter),
			},
			AttemptTimeout:         time.Duration(attemptTimeout),
			AttemptTimeoutFraction: fraction,
			MaxBufferedBody:        maxBuffered,
			MaxDrain:               maxDrain,
		}
		if status != 0 {
			cfg.Policy.RetryStatuses = []int{status}
		}
		if hedgeCopies != 0 || hedgeDelay != 0 || hedgePct != 0 {
			cfg.Hedge = &hedge.Settings{Copies: hedgeCopies, Delay: time.Duration(hedgeDelay), Percentile: hedgePct}
		}
		failures %= 8

		var (
			calls     atomic.Int64
			mu        sync.Mutex
			bad       []string     // bodies that did not arrive whole
			responses []*closeFlag // every response handed to rebound
		)
		next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			n := calls.Add(1)
			if r.Body != nil {
				got, err := io.ReadAll(r.Body)
				r.Body.Close()
				if err == nil && !bytes.Equal(got, body) {
					mu.Lock()
					bad = append(bad, fmt.Sprintf("attempt %d: %q", n, got))
					mu.Unlock()
				}
			}
			if err := r.Context().Err(); err != nil {
				return nil, err
			}
			code := http.StatusOK
			h := http.Header{}
			if n <= int64(failures) {
				code = http.StatusServiceUnavailable
				if n%2 == 0 {
					code = http.StatusTooManyRequests
				}
				if retryAfter != "" {
					h.Set("Retry-After", retryAfter)
				}
			}
			resp := answer(r, code, h)
			c := &closeFlag{ReadCloser: resp.Body}
			resp.Body = c
			mu.Lock()
			responses = append(responses, c)
			mu.Unlock()
			return resp, nil
		})
		if _, err := rebound.NewTransport(next, cfg); err != nil {
			return
		}
		synctest.Test(t, func(t *testing.T) {
			// Made in the bubble: what it makes (the goroutines that send
			// hedged copies and their channels) belongs to the bubble.
			rt, _ := rebound.NewTransport(next, cfg)
			defer rt.CloseIdleConnections()
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			var rb io.Reader
			method := http.MethodGet
			switch shape % 4 {
			case 1:
				method, rb = http.MethodPut, bytes.NewReader(body)
			case 2:
				method, rb = http.MethodPost, bytes.NewReader(body)
			case 3:
				method, rb = http.MethodPost, opaqueReader{bytes.NewReader(body)}
			}
			if rb == nil {
				body = nil
			}
			req, err := http.NewRequestWithContext(ctx, method, "http://fuzz.test/", rb)
			if err != nil {
				t.Fatal(err)
			}
			if shape%4 == 3 {
				req.Header.Set("Idempotency-Key", "k")
			}
			start := time.Now()
			var resp *http.Response
			if !noPanic(t, func() { resp, err = rt.RoundTrip(req) }) {
				return
			}
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			} else {
				var re *rebound.RetryError
				if errors.As(err, &re) && re.Err == nil && re.Reason == nil {
					t.Errorf("a RetryError with neither cause nor reason: %v", err)
				}
			}
			if elapsed := time.Since(start); elapsed > time.Hour {
				t.Errorf("the call took %v with a deadline of an hour", elapsed)
			}
			synctest.Wait() // a hedged call returns with its winner; its losers end on their own
			copies := int64(1)
			if cfg.Hedge != nil {
				copies = int64(hedgeplan.Copies(cfg.Hedge))
			}
			if limit := cfg.Policy.MaxAttempts(); limit > 0 && calls.Load() > int64(limit)*copies {
				t.Errorf("%d attempts, the policy allows %d (×%d copies)", calls.Load(), limit, copies)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(bad) > 0 {
				t.Errorf("%s with %d bytes: bodies changed on the way: %s", method, len(body), strings.Join(bad, "; "))
			}
			for i, c := range responses {
				if !c.closed.Load() {
					t.Errorf("response %d of %d never closed", i+1, len(responses))
				}
			}
		})
	})
}

type closeFlag struct {
	io.ReadCloser
	closed atomic.Bool
}

func (c *closeFlag) Close() error {
	c.closed.Store(true)
	return c.ReadCloser.Close()
}

// FuzzBreakerSettings checks that breaker.New rejects or accepts any
// Settings without panicking, and that an accepted breaker, driven through
// a fuzzed run of calls in fake time (testing/synctest), keeps to its states and its
// promises: rejections are ErrCircuitOpen, counts are never negative, and
// a breaker that sees neither a failure nor the passing of time stays
// closed.
func FuzzBreakerSettings(f *testing.F) {
	f.Add(0, 0.0, int64(0), 0.0, 0, int64(0), 0, 0, int64(0), int64(0), 0.0, 0, 0, []byte{1, 1, 1, 1, 1, 4, 4, 0, 0})
	f.Add(3, 0.5, int64(1e8), 0.5, 10, int64(0), 0, 5, int64(1e9), int64(8e9), 2.0, 2, 2, []byte{3, 3, 3, 12, 1, 1, 1, 20, 0, 0, 3, 0})
	f.Add(-1, 0.25, int64(0), 0.0, 0, int64(1e10), 100, 1, int64(1e9), int64(0), 0.0, 0, 0, []byte{1, 0, 1, 4, 1})
	f.Add(-1, 0.0, int64(1e6), 0.0, 0, int64(0), 0, 0, int64(0), int64(0), 1.0, 4, 0, []byte{3, 3, 4, 3, 4})
	f.Add(0, 0.0, int64(math.MaxInt64), 0.0, 0, int64(0), 0, 0, int64(0), int64(0), 0.0, 0, 0, []byte{3, 3, 3, 0})
	f.Add(-1, 0.0, int64(0), 0.0, 0, int64(0), 0, 0, int64(0), int64(0), 0.0, 0, 0, []byte{})
	// Found: WindowSize is not bounded, so New allocates whatever it
	// says (one byte a call): 1<<50 panics in makeslice, and anything
	// between the machine's memory and 1<<48 kills the process.
	f.Add(0, 0.5, int64(0), 0.0, 1<<50, int64(0), 0, 1, int64(0), int64(0), 0.0, 0, 0, []byte{0})
	// Found by the fuzzer (testdata/fuzz/FuzzBreakerSettings/
	// slow-call-duration-overflow): a SlowCallDuration above ~259 years
	// overflows when calls in flight are checked for slowness, so three
	// calls just started count as slow and open the breaker.
	f.Fuzz(func(t *testing.T, consecutive int, failureRate float64, slow int64, slowRate float64, windowSize int,
		windowDuration int64, windowBuckets, minCalls int, openTimeout, maxOpenTimeout int64, mult float64,
		probes, successes int, ops []byte) {
		// Sizes that would make New allocate gigabytes, should it accept
		// them, are moved to one it cannot allocate at all: the fuzzer
		// then reports a panic instead of dying of memory exhaustion.
		if windowSize > 1<<24 {
			windowSize = 1 << 50
		}
		if windowBuckets > 1<<20 {
			windowBuckets = 1 << 50
		}
		synctest.Test(t, func(t *testing.T) {
			s := breaker.Settings{
				ConsecutiveFailures: consecutive, FailureRate: failureRate,
				SlowCallDuration: time.Duration(slow), SlowCallRate: slowRate,
				WindowSize: windowSize, WindowDuration: time.Duration(windowDuration), WindowBuckets: windowBuckets,
				MinimumCalls: minCalls, OpenTimeout: time.Duration(openTimeout), MaxOpenTimeout: time.Duration(maxOpenTimeout),
				OpenTimeoutMultiplier: mult, HalfOpenProbes: probes, HalfOpenSuccesses: successes,
			}
			b := mustNotPanic(t, fmt.Sprintf("breaker.New(%+v)", s), func() (*breaker.Breaker, error) { return breaker.New(s) })
			if b == nil {
				return
			}
			var (
				held   []breaker.Ticket
				failed bool
				moved  bool
			)
			for _, op := range ops {
				switch op % 5 {
				case 0, 1, 2:
					tk, err := b.Allow()
					if err != nil {
						if !errors.Is(err, breaker.ErrCircuitOpen) {
							t.Fatalf("Allow: %v", err)
						}
						continue
					}
					o := breaker.Outcome(op % 5)
					failed = failed || o == breaker.Failure
					b.Done(tk, o)
				case 3:
					if tk, err := b.Allow(); err == nil && len(held) < 16 {
						held = append(held, tk)
					} else if err == nil {
						b.Done(tk, breaker.Success)
					}
				case 4:
					if d := time.Duration(op>>3) * time.Duration(max(slow/4, int64(time.Millisecond))); d > 0 {
						time.Sleep(d) // fake time: the breaker's timers fire on the way
						synctest.Wait()
						moved = true
					}
					if len(held) > 0 {
						b.Done(held[0], breaker.Success)
						held = held[1:]
					}
				}
				if st := b.State(); st != breaker.Closed && st != breaker.Open && st != breaker.HalfOpen {
					t.Fatalf("state %v", st)
				}
				if c := b.Counts(); c.Calls < 0 || c.Failures < 0 || c.SlowCalls < 0 || c.SlowInFlight < 0 || c.ConsecutiveFailures < 0 {
					t.Fatalf("negative counts %+v", c)
				}
				if !failed && !moved && b.State() != breaker.Closed {
					t.Fatalf("%+v: the breaker left Closed (%v) with no failure and no time passing", s, b.State())
				}
			}
			for _, tk := range held {
				b.Done(tk, breaker.Success)
			}
		})
	})
}

// mustNotPanic runs a constructor and fails the test, rather than crash
// it, if the constructor panics.
func mustNotPanic[T any](t *testing.T, what string, f func() (T, error)) (v T) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s panicked: %v", what, r)
		}
	}()
	v, err := f()
	if err != nil {
		var zero T
		return zero
	}
	return v
}

// FuzzBudgetSettings does the same for the adaptive budget, on a fake
// clock: accepted settings make a budget that never panics, whose share
// stays within its floor and ceiling, and whose tokens stay finite.
func FuzzBudgetSettings(f *testing.F) {
	f.Add(uint8(0), 0.0, 0.0, 0.0, int64(0), 0, 0, 0, 0, 0.0, []byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add(uint8(1), 0.2, 0.0, 10.0, int64(1e10), 10, 0, 0, 0, 0.0, []byte{0, 0, 1, 7, 1, 1, 6})
	f.Add(uint8(2), 0.0, 0.0, 0.0, int64(0), 0, 0, 0, 10, 0.1, []byte{3, 3, 3, 1, 2, 1})
	f.Add(uint8(0), 0.1, 0.5, -1.0, int64(1e9), 1000, 8, 100, 0, 0.0, []byte{0, 1, 3, 7, 0, 1, 3})
	f.Add(uint8(0), 1.0, 1.0, 1e9, int64(1), 1, int(1e9), int(1e9), 0, 0.0, []byte{0, 1, 2, 7})
	f.Fuzz(func(t *testing.T, kind uint8, a, b, perSecond float64, window int64, buckets, halfLife, burst, maxTokens int,
		ratio float64, ops []byte) {
		now := time.Unix(1e9, 0)
		clock := func() time.Time { return now }
		_, _, _ = kind, maxTokens, ratio // the fixed-share budgets these drove are gone; inputs stay valid
		s := budget.AdaptiveSettings{Floor: a, Ceiling: b, MinPerSecond: perSecond, Window: time.Duration(window),
			Buckets: buckets, HalfLife: halfLife, Burst: burst, Now: clock}
		ad := mustNotPanic(t, fmt.Sprintf("NewAdaptive(%+v)", s), func() (*budget.Adaptive, error) { return budget.NewAdaptive(s) })
		if ad == nil {
			return
		}
		floor, ceiling := orF(a, 0.1), orF(b, 0.5)
		check := func() {
			if sh, _ := fleetlink.BudgetShare(ad); !(sh >= floor-1e-9 && sh <= ceiling+1e-9) {
				t.Fatalf("%+v: share %v outside [%v, %v]", s, sh, floor, ceiling)
			}
			if bal := ad.Tokens(); math.IsNaN(bal) || math.IsInf(bal, 0) {
				t.Fatalf("%+v: balance %v", s, bal)
			}
		}
		bud := budget.Budget(ad)
		for _, op := range ops {
			switch op % 8 {
			case 0:
				bud.Done(false, true)
			case 1:
				bud.Allow()
			case 2, 3, 4, 5:
				bud.Done(op&1 == 1, op&2 == 2)
			case 6, 7:
				now = now.Add(time.Duration(op) * 37 * time.Millisecond)
			}
			check()
		}
	})
}

func orF(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// FuzzThrottleSettings: accepted settings make a throttle whose rejection
// probability stays a probability.
func FuzzThrottleSettings(f *testing.F) {
	f.Add(0.0, int64(0), 0, []byte{0, 1, 0, 1, 2, 0, 0})
	f.Add(1.1, int64(1e9), 10, []byte{0, 0, 0, 0, 1, 3, 0})
	f.Add(1.0, int64(10000), 10000, []byte{0, 2, 0, 2, 3})
	f.Add(1e300, int64(math.MaxInt64), 1, []byte{0, 1})
	f.Fuzz(func(t *testing.T, k float64, window int64, buckets int, ops []byte) {
		now := time.Unix(1e9, 0)
		var draw float64
		s := throttle.Settings{K: k, Window: time.Duration(window), Buckets: buckets,
			Now: func() time.Time { return now }, Rand: func() float64 { return draw }}
		th := mustNotPanic(t, fmt.Sprintf("throttle.New(%+v)", s), func() (*throttle.Throttle, error) { return throttle.New(s) })
		if th == nil {
			return
		}
		for _, op := range ops {
			switch op % 4 {
			case 0:
				draw = float64(op) / 256
				if err := th.Allow(); err != nil && !errors.Is(err, throttle.ErrThrottled) {
					t.Fatalf("Allow: %v", err)
				}
			case 1:
				th.Done(true)
			case 2:
				th.Done(false)
			case 3:
				now = now.Add(time.Duration(op) * time.Second)
			}
			if p := th.Probability(); !(p >= 0 && p < 1) {
				t.Fatalf("%+v: probability %v", s, p)
			}
		}
	})
}

// FuzzBulkheadSettings: accepted settings make a bulkhead with the slots
// it says, which hands them out and takes them back.
func FuzzBulkheadSettings(f *testing.F) {
	f.Add(0, int64(0), uint8(30))
	f.Add(1, int64(-1), uint8(3))
	f.Add(3, int64(1e9), uint8(5))
	f.Add(math.MaxInt, int64(0), uint8(2))
	f.Add(-1, int64(0), uint8(1))
	f.Fuzz(func(t *testing.T, maxConcurrent int, maxWait int64, n uint8) {
		s := bulkhead.Settings{MaxConcurrent: maxConcurrent, MaxWait: time.Duration(maxWait)}
		b := mustNotPanic(t, fmt.Sprintf("bulkhead.New(%+v)", s), func() (*bulkhead.Bulkhead, error) { return bulkhead.New(s) })
		if b == nil {
			return
		}
		want := maxConcurrent
		if want == 0 {
			want = 25
		}
		take := min(int(n%64), want)
		for i := range take {
			if err := b.Wait(context.Background()); err != nil {
				t.Fatalf("%+v: slot %d of %d: %v", s, i+1, want, err)
			}
		}
		if b.InUse() != take {
			t.Fatalf("%d in use, want %d", b.InUse(), take)
		}
		done, cancel := context.WithCancel(context.Background())
		cancel()
		if err := b.Wait(done); err == nil {
			t.Fatalf("%+v: a done context got a slot", s)
		}
		switch {
		case take == want && s.MaxWait == 0:
			if err := b.Wait(context.Background()); !errors.Is(err, bulkhead.ErrFull) {
				t.Fatalf("%+v: full, Wait says %v", s, err)
			}
		case take < want: // a slot is free: taken at once, whatever MaxWait says
			if err := b.Wait(context.Background()); err != nil {
				t.Fatalf("%+v: %d of %d slots taken, Wait says %v", s, take, want, err)
			}
			b.Done()
		}
		for range take {
			b.Done()
		}
		if b.InUse() != 0 {
			t.Fatalf("%d in use after every release", b.InUse())
		}
	})
}

// FuzzHedgeSettings: accepted settings give a copy count the Transport can
// use and a delay that is never negative, whatever latencies were seen.
func FuzzHedgeSettings(f *testing.F) {
	f.Add(0, int64(0), 0.0, int64(0), int64(0), 0, 0, []byte{1, 2, 3})
	f.Add(3, int64(5e7), 0.95, int64(1e6), int64(1e9), 5, 10, []byte{10, 20, 30, 40, 50, 60})
	f.Add(16, int64(0), 0.5, int64(2e9), int64(0), 1, -1, []byte{255})
	f.Fuzz(func(t *testing.T, copies int, delay int64, pct float64, minD, maxD int64, minSamples, window int, obs []byte) {
		s := hedge.Settings{Copies: copies, Delay: time.Duration(delay), Percentile: pct,
			MinDelay: time.Duration(minD), MaxDelay: time.Duration(maxD), MinSamples: minSamples}
		if hedgeplan.Validate(&s) != nil {
			return
		}
		if c := hedgeplan.Copies(&s); c < 2 || c > 16 {
			t.Fatalf("%+v: %d copies", s, c)
		}
		l := &hedgeplan.Latencies{Window: window}
		for i, o := range obs {
			l.Observe(time.Duration(o) << (i % 40))
			if d := hedgeplan.Delay(&s, l); d < 0 {
				t.Fatalf("%+v: delay %v", s, d)
			}
		}
		if _, err := rebound.NewTransport(nil, rebound.Config{Hedge: &s}); err != nil {
			t.Fatalf("Validate accepts %+v, NewTransport says %v", s, err)
		}
	})
}

// FuzzPacerSettings: accepted settings make a pacer whose waits stay within
// [0, MaxWait], whatever quotas the server reports.
func FuzzPacerSettings(f *testing.F) {
	f.Add(0.0, 0, int64(0), []byte{100, 10, 5, 1, 0})
	f.Add(1.0, 1, int64(1e9), []byte{1, 0, 0, 0})
	f.Add(0.5, 100, int64(math.MaxInt64), []byte{255, 1, 200, 3})
	f.Fuzz(func(t *testing.T, share float64, count int, maxWait int64, ops []byte) {
		s := ratelimit.Settings{LowShare: share, LowCount: count, MaxWait: time.Duration(maxWait)}
		if s.Validate() != nil {
			return
		}
		limit := s.MaxWait
		if limit == 0 {
			limit = 10 * time.Second
		}
		p := &ratelimit.Pacer{Settings: s}
		now := time.Unix(1e9, 0)
		for i, op := range ops {
			switch i % 3 {
			case 0:
				p.Update(ratelimit.Info{Limit: int(op) * 3, Remaining: int(op), Reset: now.Add(time.Duration(op) * time.Second)})
			case 1:
				if w, _ := p.Reserve(now); w < 0 || w > limit {
					t.Fatalf("%+v: wait %v", s, w)
				}
			case 2:
				now = now.Add(time.Duration(op) * 100 * time.Millisecond)
			}
		}
	})
}
