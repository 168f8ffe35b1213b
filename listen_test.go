package rebound

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/hedge"
	"github.com/rebound-go/rebound/ratelimit"
)

// keyRecorder records the Idempotency-Key of every attempt.
type keyRecorder struct {
	mu    sync.Mutex
	keys  []string
	inner http.RoundTripper
}

func (k *keyRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	k.mu.Lock()
	k.keys = append(k.keys, req.Header.Get("Idempotency-Key"))
	k.mu.Unlock()
	return k.inner.RoundTrip(req)
}

func TestIdempotencyKeys(t *testing.T) {
	tests := []struct {
		name      string
		callerKey string
		hedged    bool
		steps     []step
		delays    []time.Duration
		wantCalls int
	}{
		{name: "retried POST keeps one key", steps: []step{status(503), status(502), status(200)}, wantCalls: 3},
		{name: "hedged POST keeps one key", hedged: true, delays: []time.Duration{time.Second, time.Millisecond}, wantCalls: 2},
		{name: "the caller's key is kept", callerKey: "mine-123", steps: []step{status(503), status(200)}, wantCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var inner http.RoundTripper = &fakeTransport{steps: tt.steps}
				cfg := Config{Policy: Policy{Backoff: tick}, IdempotencyKey: NewIdempotencyKey}
				if tt.hedged {
					inner = &slowFast{delays: tt.delays, start: time.Now()}
					cfg.Hedge = &hedge.Settings{Delay: 10 * time.Millisecond}
				}
				rec := &keyRecorder{inner: inner}
				rt, err := NewTransport(rec, cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer rt.CloseIdleConnections()
				req, _ := http.NewRequest("POST", "http://example.test/", strings.NewReader("order #1"))
				if tt.callerKey != "" {
					req.Header.Set("Idempotency-Key", tt.callerKey)
				}
				resp, err := rt.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if len(rec.keys) != tt.wantCalls {
					t.Fatalf("%d attempts, want %d", len(rec.keys), tt.wantCalls)
				}
				for _, k := range rec.keys {
					if k != rec.keys[0] || k == "" {
						t.Fatalf("keys across attempts: %q", rec.keys)
					}
				}
				if tt.callerKey != "" && rec.keys[0] != tt.callerKey {
					t.Fatalf("caller's key replaced by %q", rec.keys[0])
				}
				if tt.callerKey == "" && req.Header.Get("Idempotency-Key") != "" {
					t.Fatal("the caller's request was changed")
				}
			})
		})
	}
	if a, b := NewIdempotencyKey(), NewIdempotencyKey(); a == b || len(a) != 36 || a[14] != '4' {
		t.Fatalf("keys %q, %q", a, b)
	}
}

func TestPacedEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTransport{steps: []step{{status: 200, header: http.Header{"X-Ratelimit-Limit": {"10"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"2"}}}}}
		var paced []Event
		rt, _ := NewTransport(f, Config{Pace: &ratelimit.Settings{MaxWait: time.Second}, OnEvent: func(_ context.Context, e Event) {
			if e.Kind == EventWait && e.Source == "pacing" {
				paced = append(paced, e)
			}
		}})
		for range 2 {
			resp, err := rt.RoundTrip(mustRequest("GET", "http://example.test/"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		// The first answer says the 2 s window is spent: the second request
		// waits, but only the 1 s MaxWait, and the event says so.
		if len(paced) != 1 || paced[0].Delay != time.Second {
			t.Fatalf("paced events %+v", paced)
		}
	})
}

// quotaServer allows quota requests per second (windows from its start)
// and answers 429 with Retry-After and rate-limit headers beyond them.
type quotaServer struct {
	*loopbackServer
	start        time.Time
	mu           sync.Mutex
	window, used int
	ok, tooMany  atomic.Int64
}

func newQuotaServer(t testing.TB, quota int) *quotaServer {
	q := &quotaServer{start: time.Now()}
	q.loopbackServer = newLoopbackServer(t, func(w http.ResponseWriter, r *http.Request) {
		elapsed := time.Since(q.start)
		win := int(elapsed / time.Second)
		left := time.Duration(win+1)*time.Second - elapsed
		q.mu.Lock()
		if win != q.window {
			q.window, q.used = win, 0
		}
		q.used++
		remaining := quota - q.used
		q.mu.Unlock()
		reset := strconv.Itoa(int((left + time.Second - 1) / time.Second))
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(quota))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(max(remaining, 0)))
		w.Header().Set("X-RateLimit-Reset", reset)
		if remaining < 0 {
			q.tooMany.Add(1)
			w.Header().Set("Retry-After", reset)
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		q.ok.Add(1)
		io.WriteString(w, "ok")
	})
	return q
}

// The figures of issue 5: a server that enforces a quota, with and without
// pacing. REBOUND_QUOTA_N=2000 for the full run (40 s at 50 a second).
func TestPacingAvoidsRefusals(t *testing.T) {
	n := 200
	if v, err := strconv.Atoi(os.Getenv("REBOUND_QUOTA_N")); err == nil && v > 0 {
		n = v
	}
	const quota, callers = 50, 16
	inner := pooledTransport(0)
	checkGoroutines(t, inner.CloseIdleConnections)
	type outcome struct{ ok, failed, refusals int64 }
	run := func(pace *ratelimit.Settings) outcome {
		srv := newQuotaServer(t, quota)
		rt, err := NewTransport(inner, Config{Policy: Policy{Attempts: 4, MaxRetryAfter: 2 * time.Second}, Pace: pace})
		if err != nil {
			t.Fatal(err)
		}
		var o outcome
		var next atomic.Int64
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				for i := next.Add(1); i <= int64(n); i = next.Add(1) {
					resp, err := rt.RoundTrip(mustRequest("GET", fmt.Sprintf("%s/?id=%d", srv.URL, i)))
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == 200 {
						atomic.AddInt64(&o.ok, 1)
					} else {
						atomic.AddInt64(&o.failed, 1)
					}
				}
			})
		}
		wg.Wait()
		o.refusals = srv.tooMany.Load()
		return o
	}
	plain := run(nil)
	paced := run(&ratelimit.Settings{MaxWait: 2 * time.Second})
	t.Logf("%d requests, %d callers, quota %d/s: without pacing %d ok, %d failed, %d refusals (429); with pacing %d ok, %d failed, %d refusals",
		n, callers, quota, plain.ok, plain.failed, plain.refusals, paced.ok, paced.failed, paced.refusals)
	if paced.ok < plain.ok {
		t.Errorf("pacing cost successes: %d < %d", paced.ok, plain.ok)
	}
	if paced.refusals*2 > plain.refusals { // "far fewer": at most half
		t.Errorf("pacing left %d refusals against %d without it", paced.refusals, plain.refusals)
	}
}
