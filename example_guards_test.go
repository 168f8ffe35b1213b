package rebound_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/hedge"
	"github.com/rebound-go/rebound/ratelimit"
)

// down answers every request with 503 and counts them.
func down(hits *atomic.Int64) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
}

func get(c *http.Client, url string) {
	resp, err := c.Get(url)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// A retry budget keeps an outage from multiplying the load: without one,
// 4 attempts a call cost the server 4 requests a call.
func ExampleAdaptiveBudget() {
	var hits atomic.Int64
	srv := down(&hits)
	defer srv.Close()
	rt, _ := rebound.NewTransport(nil, rebound.Config{
		Policy: rebound.Policy{Attempts: 4, Backoff: backoff.Constant{}},
		Budget: rebound.AdaptiveBudget,
	})
	c := &http.Client{Transport: rt}
	for range 200 {
		get(c, srv.URL)
	}
	fmt.Printf("200 calls cost the server %d requests\n", hits.Load())
	// Output: 200 calls cost the server 220 requests
}

// A per-host breaker: after it trips, calls fail at once with
// breaker.ErrCircuitOpen, without touching the network, and are not
// retried. The call that tripped it gets its last 503 back.
func ExampleConfig_breaker() {
	var hits atomic.Int64
	srv := down(&hits)
	defer srv.Close()
	rt, _ := rebound.NewTransport(nil, rebound.Config{
		Policy:  rebound.Policy{Attempts: 2, Backoff: backoff.Constant{}},
		Breaker: &breaker.Settings{ConsecutiveFailures: 5, OpenTimeout: time.Minute},
	})
	c := &http.Client{Transport: rt}
	var open int
	for range 20 {
		_, err := c.Get(srv.URL)
		if errors.Is(err, breaker.ErrCircuitOpen) {
			open++
		}
	}
	fmt.Printf("server saw %d requests; %d of 20 calls refused by the breaker\n", hits.Load(), open)
	// Output: server saw 5 requests; 17 of 20 calls refused by the breaker
}

// Hedging: when the first attempt is slower than the delay, a second copy
// goes out and the first good answer wins.
func ExampleConfig_hedge() {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			<-r.Context().Done() // the first attempt hangs
			return
		}
		fmt.Fprint(w, "fast answer")
	}))
	defer srv.Close()
	rt, _ := rebound.NewTransport(nil, rebound.Config{Hedge: &hedge.Settings{Delay: 20 * time.Millisecond}})
	resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body), "- hedges won:", rt.Stats().HedgeWins)
	// Output: fast answer - hedges won: 1
}

// The guards for work that is not HTTP: a Runner with a breaker and a
// budget of its own. The breaker's refusal ends the loop at once.
func ExampleRunner() {
	r, err := rebound.NewRunner(rebound.Config{
		Policy:  rebound.Policy{Attempts: 5, Backoff: backoff.Constant{Interval: time.Millisecond}},
		Breaker: &breaker.Settings{ConsecutiveFailures: 3, OpenTimeout: time.Minute},
		Budget:  rebound.AdaptiveBudget,
	})
	if err != nil {
		panic(err)
	}
	calls := 0
	err = r.Do(context.Background(), func(ctx context.Context) error {
		calls++
		return errors.New("queue unavailable")
	})
	fmt.Println(calls, errors.Is(err, breaker.ErrCircuitOpen))
	// Output: 3 true
}

// Everything at once, in the order a request meets it.
func Example_guards() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "100")
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	rt, err := rebound.NewTransport(nil, rebound.Config{
		Policy:                 rebound.Policy{Attempts: 4},
		Budget:                 rebound.AdaptiveBudget,
		Breaker:                &breaker.Settings{FailureRate: 0.5, OpenTimeout: 10 * time.Second},
		Hedge:                  &hedge.Settings{Percentile: 0.95},
		Pace:                   &ratelimit.Settings{},
		AttemptTimeoutFraction: 0.25,
		IdempotencyKey:         rebound.NewIdempotencyKey,
	})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 ok
}
