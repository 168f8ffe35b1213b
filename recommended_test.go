package rebound_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
)

// The recommended guards in one line: a host that fails a request now and
// then is retried to success.
func ExampleRecommended() {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()

	rt, err := rebound.NewTransport(nil, rebound.Recommended())
	if err != nil {
		panic(err)
	}
	client := &http.Client{Transport: rt}
	resp, err := client.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("%s %q after %d requests\n", resp.Status, body, n.Load())
	// Output: 200 OK "ok" after 2 requests
}

// TestRecommendedSettings holds Recommended to what its documentation
// says, and checks that each call returns a Config of its own.
func TestRecommendedSettings(t *testing.T) {
	cfg := rebound.Recommended()
	if _, err := rebound.NewTransport(nil, cfg); err != nil {
		t.Fatalf("NewTransport(Recommended()): %v", err)
	}
	p := cfg.Policy
	want := backoff.Exponential{Initial: 300 * time.Millisecond, Max: 5 * time.Second, Jitter: backoff.Equal}
	if p.Attempts != 4 || p.Backoff != want || p.MaxRetryAfter != 0 {
		t.Errorf("Policy = %+v: want 4 attempts, %+v, Retry-After up to the default 30s", p, want)
	}
	if cfg.Budget == nil || cfg.Budget() == nil {
		t.Error("no retry budget")
	}
	b := cfg.Breaker
	if b == nil {
		t.Fatal("no breaker")
	}
	for _, c := range []struct {
		name      string
		got, want time.Duration
	}{
		{"OpenTimeout", b.OpenTimeout, time.Second},
		{"MaxOpenTimeout", b.MaxOpenTimeout, time.Second}, // the open period does not grow
		{"RampUp", b.RampUp, 7 * time.Second},
		{"MaxWait", b.MaxWait, 9 * time.Second},
	} {
		if c.got != c.want {
			t.Errorf("Breaker.%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if b.MaxWaiting != 1000 || b.FailureRate != 0 || b.WindowSize != 0 || b.MinimumCalls != 0 || b.HalfOpenProbes != 0 {
		t.Errorf("Breaker = %+v: want MaxWaiting 1000 and the breaker package's trip rule and probes", *b)
	}
	// A call that waited a whole open period is still in time for the
	// last turn of the ramp.
	if b.MaxWait < b.OpenTimeout+b.RampUp {
		t.Errorf("MaxWait %v is shorter than an open period and the ramp, %v", b.MaxWait, b.OpenTimeout+b.RampUp)
	}
	if cfg.Hedge != nil || cfg.AttemptTimeout != 0 || cfg.Bulkhead != nil || cfg.RateLimit != nil {
		t.Errorf("Recommended sets guards its documentation leaves to the user: %+v", cfg)
	}

	other := rebound.Recommended()
	other.Breaker.MaxWaiting = 1
	other.Policy.Attempts = 9
	if again := rebound.Recommended(); again.Breaker.MaxWaiting != 1000 || again.Policy.Attempts != 4 || cfg.Breaker.MaxWaiting != 1000 {
		t.Error("changing one Recommended() changed another")
	}
}

// TestRecommendedRidesOutAnOutage runs 200 calls a second for 8 s, in
// fake time, against a host that answers every request with 503 from 2 s
// to 4 s. With Recommended, every call succeeds: those that meet the open
// breaker wait for the host; the host gets little more than one request a
// call, almost nothing while it is down, and the backlog back at a ramp,
// never more than 1.5 times its steady load in any second.
func TestRecommendedRidesOutAnOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			calls  = 1600
			every  = 5 * time.Millisecond // 200 calls a second
			bucket = 100 * time.Millisecond
		)
		start := time.Now()
		var mu sync.Mutex
		load := map[int]int{} // requests per bucket
		host := hostFunc(func(req *http.Request) (*http.Response, error) {
			at := time.Since(start)
			mu.Lock()
			load[int(at/bucket)]++
			mu.Unlock()
			code, body := http.StatusOK, "ok"
			if at >= 2*time.Second && at < 4*time.Second {
				code, body = http.StatusServiceUnavailable, "down"
			}
			return &http.Response{StatusCode: code, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
		})
		rt, err := rebound.NewTransport(host, rebound.Recommended())
		if err != nil {
			t.Fatal(err)
		}
		defer rt.CloseIdleConnections()
		failed := callEvery(&http.Client{Transport: rt}, calls, every)

		rate := func(from, to time.Duration) float64 { // requests a second in [from, to)
			n := 0
			for b := int(from / bucket); b < int(to/bucket); b++ {
				n += load[b]
			}
			return float64(n) / (to - from).Seconds()
		}
		total := rate(0, time.Hour) * time.Hour.Seconds()
		steady := rate(0, 2*time.Second)
		if n := failed; n != 0 {
			t.Errorf("%d of %d calls failed: want every call to ride the outage out", n, calls)
		}
		if perCall := total / calls; perCall > 1.1 {
			t.Errorf("%.0f requests for %d calls: %.2f a call, want at most 1.1", total, calls, perCall)
		}
		if during := rate(2*time.Second, 4*time.Second); during > 0.3*steady {
			t.Errorf("%.0f requests a second while the host was down, against %.0f before: want under 30 %%", during, steady)
		}
		peak := 0.0
		for from := 4 * time.Second; from+time.Second <= 16*time.Second; from += bucket {
			peak = max(peak, rate(from, from+time.Second))
		}
		t.Logf("%.0f requests for %d calls; %.0f/s steady, %.0f/s while down, %.0f/s at most after", total, calls, steady, rate(2*time.Second, 4*time.Second), peak)
		if peak > 1.5*steady {
			t.Errorf("busiest second after the outage: %.0f requests, %.2f× the steady %.0f: want at most 1.5×", peak, peak/steady, steady)
		}
	})
}

// callEvery makes calls GETs with c, one every every, each in a goroutine
// of its own with 15 s to succeed, and returns how many did not.
func callEvery(c *http.Client, calls int, every time.Duration) int32 {
	start := time.Now()
	var failed atomic.Int32
	var wg sync.WaitGroup
	for i := range calls {
		time.Sleep(time.Until(start.Add(time.Duration(i) * every)))
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://host.test/", nil)
			resp, err := c.Do(req)
			if err != nil {
				failed.Add(1)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	return failed.Load()
}

type hostFunc func(*http.Request) (*http.Response, error)

func (f hostFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
