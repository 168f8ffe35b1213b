package rebound

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
)

// tokens is a RateLimiter that lets n requests through, then refuses.
type tokens struct{ left, waits atomic.Int64 }

var errNoToken = errors.New("no token")

func (l *tokens) Wait(ctx context.Context) error {
	l.waits.Add(1)
	if l.left.Add(-1) < 0 {
		return errNoToken
	}
	return ctx.Err()
}

// Every attempt, retries included, asks the rate limit; a refusal is not
// sent and the caller gets the last answer the server gave.
func TestRateLimitHoldsEveryAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim := new(tokens)
		lim.left.Store(2)
		f := &fakeTransport{steps: []step{status(503)}}
		rt, err := NewTransport(f, Config{Policy: Policy{Attempts: 5, Backoff: tick}, RateLimit: lim, OnEvent: logEvents})
		if err != nil {
			t.Fatal(err)
		}
		log := new(attemptLog)
		resp, err := rt.RoundTrip(mustRequest("GET", "http://example.test/").WithContext(withLog(context.Background(), log)))
		if err != nil || resp.StatusCode != 503 {
			t.Fatalf("%v %v: want the last 503 back", resp, err)
		}
		resp.Body.Close()
		if f.callCount() != 2 || lim.waits.Load() != 3 || !errors.Is(log.GaveUp(), errNoToken) {
			t.Fatalf("server saw %d, limiter asked %d times, gave up with %v; want 2, 3, the limiter's refusal", f.callCount(), lim.waits.Load(), log.GaveUp())
		}
		// With nothing in hand, the refusal comes back wrapped.
		_, err = rt.RoundTrip(mustRequest("GET", "http://example.test/"))
		var re *RetryError
		if !errors.As(err, &re) || re.Attempts != 0 || !errors.Is(err, errNoToken) {
			t.Fatalf("err %v: want a *RetryError of 0 attempts wrapping the refusal", err)
		}
	})
}
