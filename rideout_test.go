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
)

// Calls that meet an open breaker with ride-out on wait for the host to
// come back, and none of them reaches the server while it is open.
func TestRideOutWaitsForTheHost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTransport{steps: []step{status(500), status(200)}}
		var events sync.Map // kind+source → count
		rt, err := NewTransport(f, Config{Policy: Policy{Attempts: 1},
			Breaker: &breaker.Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second, MaxOpenTimeout: time.Second,
				MaxWaiting: 8, MaxWait: 5 * time.Second, RampUp: 400 * time.Millisecond},
			OnEvent: func(_ context.Context, e Event) {
				if e.Kind == EventWait && e.Source == "breaker" {
					n, _ := events.LoadOrStore("wait", new(int))
					*n.(*int)++ // one goroutine at a time: the calls wait in turn below
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := get(t, rt, context.Background()) // the 500 opens the breaker
		resp.Body.Close()
		opened := time.Now()
		var wg sync.WaitGroup
		statuses := make([]int, 4)
		for i := range statuses {
			wg.Go(func() {
				resp, err := get(t, rt, context.Background())
				if err != nil {
					t.Errorf("call %d: %v", i, err)
					return
				}
				statuses[i] = resp.StatusCode
				resp.Body.Close()
			})
			synctest.Wait() // each call parks before the next starts
		}
		wg.Wait()
		for i, s := range statuses {
			if s != 200 {
				t.Errorf("call %d: status %d, want 200 after riding out the outage", i, s)
			}
		}
		for i, at := range f.times[1:] {
			if at.Sub(opened) < time.Second {
				t.Errorf("attempt %d reached the server %v after the breaker opened, inside its open period", i+2, at.Sub(opened))
			}
		}
		if n, _ := events.Load("wait"); n == nil || *n.(*int) != 4 {
			t.Errorf("breaker waits reported: %v, want 4", n)
		}
	})
}

// A wait ends at once when the caller gives up, and the attempt was never
// sent: the caller's body is closed, the server saw nothing.
func TestRideOutCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTransport{steps: []step{status(500), status(200)}}
		rt, _ := NewTransport(f, Config{Policy: Policy{Attempts: 1},
			Breaker: &breaker.Settings{ConsecutiveFailures: 1, OpenTimeout: time.Minute, MaxWaiting: 8, MaxWait: time.Hour}})
		resp, _ := get(t, rt, context.Background())
		resp.Body.Close()
		ctx, cancel := context.WithCancel(context.Background())
		body := &closeTracker{Reader: strings.NewReader("payload")}
		req, _ := http.NewRequestWithContext(ctx, "PUT", "http://example.test/", body)
		done := make(chan error)
		go func() {
			_, err := rt.RoundTrip(req)
			done <- err
		}()
		synctest.Wait()
		start := time.Now()
		cancel()
		err := <-done
		if time.Since(start) != 0 || !errors.Is(err, breaker.ErrCircuitOpen) || !errors.Is(err, context.Canceled) {
			t.Fatalf("after %v: %v; want at once, not sent (ErrCircuitOpen and the context's error)", time.Since(start), err)
		}
		var re *RetryError
		if !errors.As(err, &re) || re.Attempts != 0 {
			t.Fatalf("err %#v: want a *RetryError of 0 attempts", err)
		}
		if f.callCount() != 1 || !body.closed {
			t.Fatalf("server saw %d calls, body closed %v; want 1 and closed", f.callCount(), body.closed)
		}
	})
}

// A body with GetBody sent while the breaker is open is closed, on the
// fast first attempt as in the loop.
func TestRefusedBodyClosed(t *testing.T) {
	for _, observed := range []bool{false, true} {
		f := &fakeTransport{steps: []step{status(500)}}
		cfg := Config{Policy: Policy{Attempts: 1}, Breaker: &breaker.Settings{ConsecutiveFailures: 1, OpenTimeout: time.Hour}}
		if observed {
			cfg.OnEvent = func(context.Context, Event) {}
		}
		rt, _ := NewTransport(f, cfg)
		resp, _ := get(t, rt, context.Background())
		resp.Body.Close()
		body := &closeTracker{Reader: strings.NewReader("payload")}
		req, _ := http.NewRequest("PUT", "http://example.test/", body)
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("payload")), nil }
		if _, err := rt.RoundTrip(req); !errors.Is(err, breaker.ErrCircuitOpen) || !body.closed {
			t.Errorf("observed %v: err %v, body closed %v; want ErrCircuitOpen and the body closed", observed, err, body.closed)
		}
	}
}
