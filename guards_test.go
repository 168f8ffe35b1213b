package rebound

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/hedge"
	"github.com/rebound-go/rebound/throttle"
)

func get(t *testing.T, rt http.RoundTripper, ctx context.Context) (*http.Response, error) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://example.test/", nil)
	resp, err := rt.RoundTrip(req)
	if resp != nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

func TestBreakerInTransport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTransport{steps: []step{status(503)}}
		var changes []string
		rt, err := NewTransport(f, Config{
			Policy:  Policy{Attempts: 10, Backoff: tick},
			Breaker: &breaker.Settings{ConsecutiveFailures: 3, OpenTimeout: time.Second},
			OnEvent: func(ctx context.Context, e Event) {
				logEvents(ctx, e)
				if e.Kind == EventBreakerChange {
					changes = append(changes, e.Key+": "+e.From.String()+" → "+e.To.String())
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		// Three 503s trip the breaker; the retry it would refuse is not made,
		// and the last 503 comes back with the breaker as the reason.
		log := new(attemptLog)
		resp, err := get(t, rt, withLog(context.Background(), log))
		if err != nil || resp.StatusCode != 503 || f.callCount() != 3 || !errors.Is(log.GaveUp(), breaker.ErrCircuitOpen) {
			t.Fatalf("%v, err %v after %d calls, log reason %v", resp, err, f.callCount(), log.GaveUp())
		}
		// While open: refused at once, no network.
		start := time.Now()
		_, err = get(t, rt, context.Background())
		if !errors.Is(err, breaker.ErrCircuitOpen) || f.callCount() != 3 || time.Since(start) != 0 {
			t.Fatalf("open breaker: err %v, calls %d, took %v", err, f.callCount(), time.Since(start))
		}
		// After the open period the breaker lets a probe through by itself.
		time.Sleep(time.Second) // fake time: the open period passes
		synctest.Wait()
		f.mu.Lock()
		f.steps = []step{status(200)}
		f.mu.Unlock()
		resp, err = get(t, rt, context.Background())
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("after the open period: %v %v", resp, err)
		}
		want := "example.test: closed → open\nexample.test: open → half-open\nexample.test: half-open → closed"
		if got := strings.Join(changes, "\n"); got != want {
			t.Fatalf("breaker events:\n%s\nwant:\n%s", got, want)
		}
	})
}

func TestBudgetInTransport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTransport{steps: []step{status(503)}}
		var exhausted int
		rt, _ := NewTransport(f, Config{
			Policy: Policy{Attempts: 4, Backoff: tick},
			Budget: AdaptiveBudget,
			OnEvent: func(_ context.Context, e Event) {
				if e.Kind == EventGiveUp && errors.Is(e.Reason, budget.ErrExhausted) {
					exhausted++
				}
			},
		})
		const calls = 200
		for range calls {
			resp, err := get(t, rt, context.Background())
			if err != nil || resp.StatusCode != 503 {
				t.Fatalf("%v %v", resp, err)
			}
		}
		per := float64(f.callCount()) / calls
		t.Logf("outage: %d attempts for %d calls (%.2f), %d calls stopped by the budget", f.callCount(), calls, per, exhausted)
		if per > 1.15 || exhausted < calls/2 {
			t.Fatalf("budget let %.2f attempts per call through", per)
		}
	})
}

func TestThrottleInTransport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTransport{steps: []step{status(503)}}
		rt, _ := NewTransport(f, Config{
			Policy:   Policy{Attempts: 1},
			Throttle: &throttle.Settings{Rand: fixedRand(0.5)},
		})
		var throttled int
		for range 100 {
			_, err := get(t, rt, context.Background())
			if errors.Is(err, throttle.ErrThrottled) {
				throttled++
			}
		}
		// Rejected locally once (requests - 2·accepts)/(requests+1) passes 0.5.
		if throttled == 0 || f.callCount()+throttled != 100 {
			t.Fatalf("%d throttled, %d reached the server", throttled, f.callCount())
		}
	})
}

func TestBulkheadInTransport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		f := &fakeTransport{steps: []step{status(200)}, onCall: func(n int) {
			if n == 1 {
				<-release
			}
		}}
		rt, _ := NewTransport(f, Config{Bulkhead: &bulkhead.Settings{MaxConcurrent: 1}})
		var wg sync.WaitGroup
		wg.Go(func() { get(t, rt, context.Background()) })
		synctest.Wait() // the first call holds the only slot
		_, err := get(t, rt, context.Background())
		if !errors.Is(err, bulkhead.ErrFull) || f.callCount() != 1 {
			t.Fatalf("second call: %v, %d calls", err, f.callCount())
		}
		close(release)
		wg.Wait()
		if _, err := get(t, rt, context.Background()); err != nil {
			t.Fatalf("after release: %v", err)
		}
	})
}

// hangTransport answers nothing until the attempt's context ends.
type hangTransport struct {
	mu    sync.Mutex
	calls []time.Time
}

func (h *hangTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.calls = append(h.calls, time.Now())
	h.mu.Unlock()
	<-req.Context().Done()
	return nil, req.Context().Err()
}

func TestAttemptTimeouts(t *testing.T) {
	tests := []struct {
		name     string
		timeout  time.Duration
		fraction float64
		deadline time.Duration
		want     []time.Duration // when each attempt starts
	}{
		{name: "fixed", timeout: 300 * time.Millisecond, want: []time.Duration{0, 400 * time.Millisecond, 800 * time.Millisecond}},
		// 1 s left: 250 ms; then 650 ms left: 162.5 ms; then ~387 ms left: ~97 ms
		{name: "fraction of the deadline", fraction: 0.25, deadline: time.Second, want: []time.Duration{0, 350 * time.Millisecond, 612500 * time.Microsecond}},
		{name: "fixed, capped by the fraction", timeout: 200 * time.Millisecond, fraction: 0.1, deadline: 10 * time.Second, want: []time.Duration{0, 300 * time.Millisecond, 600 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := &hangTransport{}
				rt, err := NewTransport(h, Config{Policy: Policy{Backoff: tick}, AttemptTimeout: tt.timeout, AttemptTimeoutFraction: tt.fraction})
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				if tt.deadline > 0 {
					c, cancel := context.WithTimeout(ctx, tt.deadline)
					defer cancel()
					ctx = c
				}
				start := time.Now()
				_, err = get(t, rt, ctx)
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err = %v", err)
				}
				if len(h.calls) != len(tt.want) {
					t.Fatalf("%d attempts, want %d", len(h.calls), len(tt.want))
				}
				for i, w := range tt.want {
					if got := h.calls[i].Sub(start); got != w {
						t.Errorf("attempt %d at %v, want %v", i+1, got, w)
					}
				}
			})
		})
	}
}

// The attempt's context outlives RoundTrip until the body is closed.
func TestAttemptContextLivesUntilBodyClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var attemptCtx context.Context
		rt, _ := NewTransport(roundTripFunc(func(req *http.Request) (*http.Response, error) {
			attemptCtx = req.Context()
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("body")), Header: http.Header{}}, nil
		}), Config{AttemptTimeout: time.Minute})
		req, _ := http.NewRequest("GET", "http://example.test/", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		if attemptCtx.Err() != nil {
			t.Fatal("attempt context ended before the body was read")
		}
		resp.Body.Close()
		if attemptCtx.Err() == nil {
			t.Fatal("attempt context outlived the body")
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestFallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTransport{steps: []step{status(503)}}
		rt, _ := NewTransport(f, Config{Policy: Policy{Backoff: tick}, Fallback: func(req *http.Request, resp *http.Response, err error) (*http.Response, error) {
			if resp != nil {
				resp.Body.Close()
			}
			return &http.Response{StatusCode: 200, Header: http.Header{"X-Fallback": {"cached"}}, Body: io.NopCloser(strings.NewReader("stale but useful")), Request: req}, nil
		}})
		resp, err := get(t, rt, context.Background())
		if err != nil || resp.Header.Get("X-Fallback") != "cached" || f.callCount() != 3 {
			t.Fatalf("%v %v after %d calls", resp, err, f.callCount())
		}
	})
}

func TestRunnerGuards(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := NewRunner(Config{Policy: Policy{Attempts: 5, Backoff: tick},
			Breaker: &breaker.Settings{ConsecutiveFailures: 2, OpenTimeout: time.Minute},
			Budget:  AdaptiveBudget})
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		err = r.Do(context.Background(), func(context.Context) error { calls++; return errAny })
		if !errors.Is(err, breaker.ErrCircuitOpen) || !errors.Is(err, errAny) || calls != 2 {
			t.Fatalf("err %v after %d calls; want the breaker to stop the loop after 2, with the last error", err, calls)
		}
		calls = 0
		err = r.Do(context.Background(), func(context.Context) error { calls++; return nil })
		var re *RetryError
		if !errors.As(err, &re) || re.Attempts != 0 || !errors.Is(err, breaker.ErrCircuitOpen) || calls != 0 {
			t.Fatalf("err %v after %d calls; want not sent: a *RetryError of 0 attempts wrapping ErrCircuitOpen", err, calls)
		}
	})
}

func TestRunnerConfigValidation(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{AttemptTimeoutFraction: 2}, "AttemptTimeoutFraction 2 is not in [0, 1]"},
		{Config{Hedge: &hedge.Settings{}}, "Config.Hedge is for HTTP"},
		{Config{Fallback: func(*http.Request, *http.Response, error) (*http.Response, error) { return nil, nil }}, "Config.Fallback is for HTTP"},
		{Config{Breaker: &breaker.Settings{FailureRate: 1.3}}, "FailureRate 1.3"},
	} {
		if _, err := NewRunner(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("err %v, want %q", err, tt.want)
		}
	}
}

func TestGuardConfigValidation(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{AttemptTimeout: -1}, "AttemptTimeout -1ns must not be negative"},
		{Config{Breaker: &breaker.Settings{FailureRate: 1.3}}, "FailureRate 1.3"},
		{Config{Throttle: &throttle.Settings{K: 0.5}}, "K 0.5"},
		{Config{Bulkhead: &bulkhead.Settings{MaxConcurrent: -1}}, "MaxConcurrent -1"},
		{Config{Budget: func() budget.Budget { return nil }}, "nil budget"},
	} {
		if _, err := NewTransport(nil, tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("err %v, want %q", err, tt.want)
		}
	}
}
