package reliability_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
)

// The caller's context ends just as a 503 comes back, so the policy may not
// retry it. That is a call that failed because the context ended, not one
// the policy was content with: the caller gets the 503 (the RoundTripper
// contract), the attempt log and the EventGiveUp event say why the loop
// stopped, the Transport counts a failed call, and the Fallback, which is
// there for failed calls, is asked.
func TestContextEndingAtAResponseIsAGiveUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		cancel() // the caller leaves while the server answers
		return answer(r, http.StatusServiceUnavailable, nil), nil
	})
	var gaveUp, fellBack int
	rt, err := rebound.NewTransport(next, rebound.Config{
		Policy: rebound.Policy{Attempts: 3, Backoff: quick},
		OnEvent: func(ctx context.Context, e rebound.Event) {
			logEvents(ctx, e)
			gaveUp += map[bool]int{true: 1}[e.Kind == rebound.EventGiveUp]
		},
		Fallback: func(req *http.Request, resp *http.Response, err error) (*http.Response, error) {
			fellBack++
			return resp, err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	log := new(callLog)
	req, _ := http.NewRequestWithContext(withLog(ctx, log), "GET", "http://example.test/", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatalf("RoundTrip: %v; want the 503 back", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || len(log.Attempts()) != 1 {
		t.Fatalf("got %d after %d attempts, want the 503 after 1", resp.StatusCode, len(log.Attempts()))
	}
	if !errors.Is(log.GaveUp(), context.Canceled) || gaveUp != 1 {
		t.Errorf("the log says the call gave up with %v, and %d EventGiveUp events; want context.Canceled and 1", log.GaveUp(), gaveUp)
	}
	if st := rt.Stats(); st.Succeeded != 0 || st.Failed != 1 {
		t.Errorf("stats %+v; want the call counted as failed", st)
	}
	if fellBack != 1 {
		t.Errorf("Fallback called %d times, want 1", fellBack)
	}
}

// On a real server that asks for a long wait: cancelling the call during
// the wait ends it at once, with an error that says so, and no attempt
// starts after the cancellation.
func TestCancelEndsTheWaitAtOnce(t *testing.T) {
	checkLeaks(t)
	var calls atomic.Int64
	srv := newHTTPServer(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	inner := pool()
	t.Cleanup(inner.CloseIdleConnections)
	waiting := make(chan struct{})
	rt, _ := rebound.NewTransport(inner, rebound.Config{
		Policy: rebound.Policy{Attempts: -1, MaxRetryAfter: time.Minute},
		OnEvent: func(_ context.Context, e rebound.Event) {
			if e.Kind == rebound.EventWait {
				close(waiting) // the loop is about to wait 30 s
			}
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cancelled := make(chan time.Time, 1)
	go func() {
		<-waiting
		cancelled <- time.Now()
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.url, nil)
	resp, err := rt.RoundTrip(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got %d, want the cancellation", resp.StatusCode)
	}
	if after := time.Since(<-cancelled); after > slack {
		t.Errorf("the call ended %v after the cancellation", after)
	}
	var re *rebound.RetryError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &re) || re.Attempts != 1 {
		t.Errorf("error %v; want a RetryError after 1 attempt that wraps context.Canceled", err)
	}
	if calls.Load() != 1 {
		t.Errorf("the server saw %d requests, want 1", calls.Load())
	}
}
