package rebound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rebound-go/rebound/breaker"
)

// overloadServer fails every attempt while down, and a deterministic 30 %
// of attempts (by request id and attempt number) while partial.
type overloadServer struct {
	*loopbackServer
	down    atomic.Bool
	partial atomic.Bool
	seen    sync.Map
}

func newOverloadServer(t *testing.T) *overloadServer {
	s := &overloadServer{}
	s.loopbackServer = newLoopbackServer(t, func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		n, _ := s.seen.LoadOrStore(id, new(atomic.Int64))
		attempt := n.(*atomic.Int64).Add(1)
		if s.down.Load() || (s.partial.Load() && failing(id, strconv.FormatInt(attempt, 10), 30)) {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	})
	return s
}

type loadResult struct {
	requests, ok, circuitOpen int64
	serverHits                int64
	maxRejectedAttempts       int
}

func (r loadResult) perRequest() float64 { return float64(r.serverHits) / float64(r.requests) }
func (r loadResult) success() float64    { return float64(r.ok) / float64(r.requests) }

// drive sends n GETs from c concurrent callers and counts what happened.
func drive(t *testing.T, srv *overloadServer, rt http.RoundTripper, n, c int, tag string) loadResult {
	before := srv.requests.Load()
	var res loadResult
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				log := new(attemptLog)
				ctx, cancel := context.WithTimeout(withLog(context.Background(), log), 10*time.Second)
				req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/?id=%s-%d", srv.URL, tag, i), nil)
				resp, err := rt.RoundTrip(req)
				mu.Lock()
				res.requests++
				switch {
				case errors.Is(err, breaker.ErrCircuitOpen):
					res.circuitOpen++
					if a := len(log.Attempts()); a > res.maxRejectedAttempts {
						res.maxRejectedAttempts = a
					}
				case err != nil:
					t.Errorf("request %d: %v", i, err)
				case resp.StatusCode == 200:
					res.ok++
				}
				mu.Unlock()
				if resp != nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				cancel()
			}
		})
	}
	wg.Wait()
	res.serverHits = srv.requests.Load() - before
	return res
}

// The figures of issue 3: what an outage costs the server with and without
// the guards, and what the same guards cost when failures are partial.
// Run: go test -run TestOverloadGuards -v
func TestOverloadGuards(t *testing.T) {
	const n, c = 2000, 32
	inner := pooledTransport(0)
	checkGoroutines(t, inner.CloseIdleConnections)
	policy := Policy{Attempts: 4, Backoff: fastBackoff}
	guarded := func() Config {
		return Config{Policy: policy, Budget: AdaptiveBudget,
			Breaker: &breaker.Settings{FailureRate: 0.5, MinimumCalls: 50, OpenTimeout: 300 * time.Millisecond, MaxOpenTimeout: 300 * time.Millisecond, HalfOpenProbes: 2}}
	}
	newRT := func(cfg Config) *Transport {
		cfg.OnEvent = logEvents // drive counts the attempts of each call
		rt, err := NewTransport(inner, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return rt
	}

	t.Run("outage", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			cfg     Config
			maxLoad float64
		}{
			{"no guard", Config{Policy: policy}, 4.0},
			{"budget", Config{Policy: policy, Budget: AdaptiveBudget}, 1.1},
			{"budget+breaker", guarded(), 1.1},
		} {
			srv := newOverloadServer(t)
			srv.down.Store(true)
			r := drive(t, srv, newRT(tc.cfg), n, c, "outage")
			t.Logf("%-15s %d requests: server received %.3f per request; %d refused by the breaker (at most %d attempt each)",
				tc.name, r.requests, r.perRequest(), r.circuitOpen, r.maxRejectedAttempts)
			if r.perRequest() > tc.maxLoad {
				t.Errorf("%s: %.3f server requests per request, want ≤ %.1f", tc.name, r.perRequest(), tc.maxLoad)
			}
			if tc.cfg.Breaker != nil && r.circuitOpen < n/2 {
				t.Errorf("%s: the breaker refused only %d calls", tc.name, r.circuitOpen)
			}
		}
	})

	t.Run("breaker: probes only, then recovery", func(t *testing.T) {
		srv := newOverloadServer(t)
		srv.down.Store(true)
		rt := newRT(guarded())
		drive(t, srv, rt, 500, c, "trip") // trips the breaker
		r := drive(t, srv, rt, 500, c, "open")
		t.Logf("while open: %d requests, server received %d (probes), %d refused", r.requests, r.serverHits, r.circuitOpen)
		if r.maxRejectedAttempts > 1 {
			t.Errorf("a refused call made %d attempts: ErrCircuitOpen was retried", r.maxRejectedAttempts)
		}
		if r.serverHits > 2*4*3 { // two probes per open period, up to 4 attempts each, a few periods at most
			t.Errorf("server received %d requests while the breaker was open", r.serverHits)
		}
		srv.down.Store(false)
		recovered := time.Now()
		for {
			req, _ := http.NewRequest("GET", srv.URL+"/?id=recovery", nil)
			resp, err := rt.RoundTrip(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Since(recovered) > 5*time.Second {
				t.Fatalf("traffic did not return within 5 s of recovery (open period 300 ms)")
			}
			<-time.After(5 * time.Millisecond) // pace the probing callers
		}
		t.Logf("traffic returned %v after the server recovered (open period 300 ms)", time.Since(recovered).Round(time.Millisecond))
	})

	t.Run("partial failure keeps success", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			cfg  Config
		}{{"no guard", Config{Policy: policy}}, {"budget+breaker", guarded()}} {
			srv := newOverloadServer(t)
			srv.partial.Store(true)
			r := drive(t, srv, newRT(tc.cfg), n, c, "partial")
			t.Logf("%-15s 30%% 503: success %.2f%%, server received %.3f per request, %d refused by the breaker",
				tc.name, 100*r.success(), r.perRequest(), r.circuitOpen)
			if r.success() < 0.99 {
				t.Errorf("%s: success %.2f%%, want ≥ 99.0%%", tc.name, 100*r.success())
			}
		}
	})
}
