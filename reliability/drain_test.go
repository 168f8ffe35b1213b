package reliability_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/hedge"
)

// A discarded response is drained so that its connection can be reused,
// but the drain is rebound's own read, hidden from the caller: it must be
// bounded in time as well as in bytes, or a server that trickles its error
// bodies parks the caller in a read it never asked for, past the moment
// the loop judged that the next attempt fits in the deadline. Neither
// case sets AttemptTimeout (with one, the attempt's context cuts the drain
// short: see TestBodyTricklesOneByteASecond).
func TestDrainIsBoundedInTime(t *testing.T) {
	const (
		deadline = 6 * time.Second // the caller's
		bound    = 3 * time.Second // for a call the server answers at once
	)
	t.Run("before a retry", func(t *testing.T) {
		checkLeaks(t)
		var calls atomic.Int64
		srv := trickled503Once(t, &calls)
		inner := pool()
		t.Cleanup(inner.CloseIdleConnections)
		rt, _ := rebound.NewTransport(inner, rebound.Config{Policy: rebound.Policy{Backoff: quick}})
		resp, elapsed, err := timedGet(rt, srv.url, deadline)
		if err != nil || resp.StatusCode != 200 || elapsed > bound {
			t.Errorf("after %v: %v; want the retry's 200 within %v (the 503's 100-byte body trickles at 1 byte/s)",
				elapsed.Round(time.Millisecond), statusOrError(resp, err), bound)
		}
	})
	t.Run("hedge that lost", func(t *testing.T) {
		checkLeaks(t)
		var calls atomic.Int64
		second := make(chan struct{}) // the hedge has reached the server
		failed := make(chan struct{}) // the first copy's 503 has reached rebound
		srv := newHTTPServer(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch calls.Add(1) {
			case 1: // the first copy fails once the hedge is out, with a trickling body
				select {
				case <-second:
				case <-r.Context().Done():
					return
				}
				trickle(new(atomic.Int64), func(int64) int { return http.StatusServiceUnavailable })(w, r)
			case 2: // the hedge wins, once the first copy's 503 is in
				close(second)
				select {
				case <-failed:
				case <-r.Context().Done():
					return
				}
				io.WriteString(w, "ok")
			default:
				io.WriteString(w, "ok")
			}
		}))
		inner := pool()
		t.Cleanup(inner.CloseIdleConnections)
		var once sync.Once
		watch := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := inner.RoundTrip(r)
			if err == nil && resp.StatusCode == http.StatusServiceUnavailable {
				once.Do(func() { close(failed) })
			}
			return resp, err
		})
		rt, err := rebound.NewTransport(watch, rebound.Config{
			Policy: rebound.Policy{Backoff: quick},
			Hedge:  &hedge.Settings{Delay: 20 * time.Millisecond},
		})
		if err != nil {
			t.Fatal(err)
		}
		resp, elapsed, err := timedGet(rt, srv.url, deadline)
		if err != nil || resp.StatusCode != 200 || elapsed > bound {
			t.Errorf("after %v: %v; want the hedge's 200 within %v (the losing 503's body trickles at 1 byte/s)",
				elapsed.Round(time.Millisecond), statusOrError(resp, err), bound)
		}
	})
}

// timedGet makes one GET through rt under a context with the deadline,
// closes the body, and says how long the call took.
func timedGet(rt http.RoundTripper, url string, deadline time.Duration) (*http.Response, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	start := time.Now()
	resp, err := rt.RoundTrip(req)
	elapsed := time.Since(start)
	if err == nil {
		resp.Body.Close()
	}
	return resp, elapsed, err
}

func statusOrError(resp *http.Response, err error) any {
	if err != nil {
		return err
	}
	return resp.Status
}
