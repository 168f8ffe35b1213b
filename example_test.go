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
)

// flaky answers 503 twice, then 200.
func flaky() *httptest.Server {
	var n atomic.Int32
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "hello")
	}))
}

// Wrap any RoundTripper (oauth2, otelhttp, your own) in a retry Transport.
func ExampleNewTransport() {
	srv := flaky()
	defer srv.Close()

	rt, err := rebound.NewTransport(http.DefaultTransport, rebound.Config{
		Policy: rebound.Policy{
			Attempts: 4,
			Backoff:  backoff.Exponential{Initial: 10 * time.Millisecond, Max: time.Second, Jitter: backoff.Full},
		},
	})
	if err != nil {
		panic(err)
	}
	client := &http.Client{Transport: rt}

	resp, err := client.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body), "after", rt.Stats().Retries, "retries")
	// Output: 200 hello after 2 retries
}

// Watch each call through Config.OnEvent: every attempt, what came back
// and every wait with its source. The server says "Retry-After: 0"; a
// server's wait is a floor, so the backoff holds. The hook gets the
// call's context, so a log of one call can travel in it.
func ExampleConfig_onEvent() {
	srv := flaky()
	defer srv.Close()

	rt, err := rebound.NewTransport(nil, rebound.Config{
		OnEvent: func(_ context.Context, e rebound.Event) {
			switch e.Kind {
			case rebound.EventAttemptDone:
				fmt.Println("attempt", e.Attempt, "→", e.Status)
			case rebound.EventWait:
				fmt.Println("wait:", e.Source)
			}
		},
	})
	if err != nil {
		panic(err)
	}
	resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	// Output:
	// attempt 1 → 503
	// wait: backoff
	// attempt 2 → 503
	// wait: backoff
	// attempt 3 → 200
}

// Retry for any operation: mark errors permanent to stop at once.
func ExampleRetry() {
	errNotFound := errors.New("not found")
	calls := 0
	err := rebound.Retry(context.Background(), &rebound.Policy{Attempts: 5, Backoff: backoff.Constant{Interval: time.Millisecond}},
		func(ctx context.Context) error {
			calls++
			if calls < 3 {
				return errors.New("connection refused")
			}
			return rebound.Permanent(errNotFound)
		})
	fmt.Println(calls, err, errors.Is(err, errNotFound))
	// Output: 3 rebound: attempt 3 failed: not found true
}

// A per-request policy through the context overrides the Transport's.
func ExampleWithRetrier() {
	srv := flaky()
	defer srv.Close()

	rt, err := rebound.NewTransport(nil, rebound.Config{Policy: rebound.Policy{Attempts: 4}})
	if err != nil {
		panic(err)
	}
	ctx := rebound.WithRetrier(context.Background(), rebound.NoRetry)
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output: 503
}

// What exhaustion looks like to a caller of the generic loop.
func ExampleRetryError() {
	err := rebound.Retry(context.Background(), &rebound.Policy{Attempts: 3, Backoff: backoff.Constant{}},
		func(context.Context) error { return errors.New("server unavailable") })
	var re *rebound.RetryError
	fmt.Println(err)
	fmt.Println(errors.As(err, &re), re.Attempts, errors.Is(err, rebound.ErrAttemptsExhausted))
	// Output:
	// max retry attempts (3) reached: server unavailable
	// true 3 true
}
