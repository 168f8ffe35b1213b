package reliability_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
)

// A server may ask for any wait in Retry-After. Whatever it sends, rebound
// waits exactly what it asked when that is within Policy.MaxRetryAfter and
// the context's deadline, falls back to its own backoff when the value is
// not one RFC 9110 allows, and otherwise hands the last response back at
// once. Timing is exact: the test runs in a synctest bubble over an
// in-memory RoundTripper.
func TestRetryAfterHostileValues(t *testing.T) {
	const (
		limit   = 2 * time.Second       // Policy.MaxRetryAfter
		backoff = 10 * time.Millisecond // the policy's own wait
	)
	date := func(d time.Duration) func(now time.Time) string {
		return func(now time.Time) string { return now.Add(d).UTC().Format(http.TimeFormat) }
	}
	fixed := func(v string) func(time.Time) string { return func(time.Time) string { return v } }
	tests := []struct {
		name     string
		status   int
		method   string
		value    func(now time.Time) string // "" sends no Retry-After
		maxAfter time.Duration              // Policy.MaxRetryAfter; 0: limit
		deadline time.Duration              // of the caller's context; 0: none
		wait     time.Duration              // the wait before the second attempt
		attempts int
		reason   error // what the attempt log says, for a call that gave up
	}{
		{name: "seconds", value: fixed("1"), wait: time.Second + backoff, attempts: 2},
		{name: "at the cap", value: fixed("2"), wait: limit + backoff, attempts: 2},
		{name: "padded", value: fixed(" 1 "), wait: time.Second + backoff, attempts: 2},
		{name: "zero: the backoff is a floor", value: fixed("0"), wait: backoff, attempts: 2},
		{name: "over the cap", value: fixed("3"), attempts: 1, reason: rebound.ErrRetryAfterTooLong},
		{name: "huge", value: fixed("99999999999999999999999999"), attempts: 1, reason: rebound.ErrRetryAfterTooLong},
		{name: "just below overflow", value: fixed("9223372036"), attempts: 1, reason: rebound.ErrRetryAfterTooLong},
		{name: "negative", value: fixed("-5"), wait: backoff, attempts: 2},
		{name: "fractional", value: fixed("1.5"), wait: backoff, attempts: 2},
		{name: "fraction below one", value: fixed("0.5"), wait: backoff, attempts: 2},
		{name: "two values", value: fixed("1, 2"), wait: backoff, attempts: 2},
		{name: "garbage", value: fixed("soon™"), wait: backoff, attempts: 2},
		{name: "empty", value: fixed(" "), wait: backoff, attempts: 2},
		{name: "date", value: date(time.Second), wait: time.Second + backoff, attempts: 2},
		{name: "date in the past", value: date(-time.Hour), wait: backoff, attempts: 2},
		{name: "date long past", value: fixed("Mon, 01 Jan 0001 00:00:00 GMT"), wait: backoff, attempts: 2},
		{name: "date far ahead", value: date(10 * 365 * 24 * time.Hour), attempts: 1, reason: rebound.ErrRetryAfterTooLong},
		{name: "date in year 9999", value: fixed("Fri, 31 Dec 9999 23:59:59 GMT"), attempts: 1, reason: rebound.ErrRetryAfterTooLong},
		{name: "malformed date", value: fixed("Mon, 99 Foo 2000 25:61:61 GMT"), wait: backoff, attempts: 2},
		{name: "429 on a POST", status: 429, method: "POST", value: fixed("1"), wait: time.Second + backoff, attempts: 2},
		{name: "huge on a 429", status: 429, value: fixed("31536000"), attempts: 1, reason: rebound.ErrRetryAfterTooLong},
		{name: "default cap", value: fixed("31"), maxAfter: -2, attempts: 1, reason: rebound.ErrRetryAfterTooLong},
		{name: "default cap honoured", value: fixed("30"), maxAfter: -2, wait: 30*time.Second + backoff, attempts: 2},
		{name: "ignored by the policy", value: fixed("3600"), maxAfter: -1, wait: backoff, attempts: 2},
		{name: "past the deadline", value: fixed("1"), deadline: 500 * time.Millisecond, attempts: 1, reason: rebound.ErrWaitPastDeadline},
		{name: "within the deadline", value: fixed("1"), deadline: 1500 * time.Millisecond, wait: time.Second + backoff, attempts: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				status := tt.status
				if status == 0 {
					status = http.StatusServiceUnavailable
				}
				start := time.Now()
				var calls atomic.Int32
				var second time.Duration // when the second attempt came
				next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
					if calls.Add(1) > 1 {
						second = time.Since(start)
						return answer(r, http.StatusOK, nil), nil
					}
					h := http.Header{}
					if tt.value != nil {
						h.Set("Retry-After", tt.value(start))
					}
					return answer(r, status, h), nil
				})
				maxAfter := limit
				switch tt.maxAfter {
				case -1:
					maxAfter = -1 // Retry-After ignored
				case -2:
					maxAfter = 0 // DefaultMaxRetryAfter
				}
				rt, err := rebound.NewTransport(next, rebound.Config{Policy: rebound.Policy{
					Attempts: 2, Backoff: backoffConstant(backoff), MaxRetryAfter: maxAfter,
				}, OnEvent: logEvents})
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				if tt.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.deadline)
					defer cancel()
				}
				log := new(callLog)
				method := tt.method
				if method == "" {
					method = http.MethodGet
				}
				req, _ := http.NewRequestWithContext(withLog(ctx, log), method, "http://hostile.test/", strings.NewReader("body"))
				resp, err := rt.RoundTrip(req)
				if err != nil {
					t.Fatalf("RoundTrip: %v", err)
				}
				resp.Body.Close()
				elapsed := time.Since(start)

				if got := int(calls.Load()); got != tt.attempts {
					t.Fatalf("%d attempts, want %d\n%s", got, tt.attempts, log)
				}
				if tt.attempts == 1 {
					if elapsed != 0 || resp.StatusCode != status {
						t.Errorf("gave up after %v with %d; want at once with %d", elapsed, resp.StatusCode, status)
					}
					if !errors.Is(log.GaveUp(), tt.reason) {
						t.Errorf("log says %v, want %v\n%s", log.GaveUp(), tt.reason, log)
					}
					return
				}
				if second != tt.wait || resp.StatusCode != http.StatusOK {
					t.Errorf("second attempt after %v ending in %d; want after %v ending in 200\n%s", second, resp.StatusCode, tt.wait, log)
				}
			})
		})
	}
}

// A real server on loopback that asks for absurd waits: the call comes
// back at once with the server's answer, long before anything the server
// asked for, or before the caller's deadline.
func TestRetryAfterHostileLoopback(t *testing.T) {
	checkLeaks(t)
	var calls atomic.Int64
	srv := newHTTPServer(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", r.URL.Query().Get("after"))
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "come back later\n")
	}))
	inner := pool()
	t.Cleanup(inner.CloseIdleConnections)
	rt, err := rebound.NewTransport(inner, rebound.Config{Policy: rebound.Policy{
		Attempts: -1, Backoff: backoffConstant(time.Millisecond), MaxRetryAfter: 5 * time.Second,
	}, OnEvent: logEvents})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		after    string
		deadline time.Duration
		reason   error
	}{
		{after: "99999999999999999999", reason: rebound.ErrRetryAfterTooLong},
		{after: "86400", reason: rebound.ErrRetryAfterTooLong},
		{after: "Fri, 31 Dec 9999 23:59:59 GMT", reason: rebound.ErrRetryAfterTooLong},
		{after: "3", deadline: 300 * time.Millisecond, reason: rebound.ErrWaitPastDeadline},
	} {
		calls.Store(0)
		ctx := context.Background()
		var cancel context.CancelFunc = func() {}
		if tt.deadline > 0 {
			ctx, cancel = context.WithTimeout(ctx, tt.deadline)
		}
		log := new(callLog)
		req, _ := http.NewRequestWithContext(withLog(ctx, log), "GET", srv.url+"/?after="+urlQuery(tt.after), nil)
		start := time.Now()
		resp, err := rt.RoundTrip(req)
		elapsed := time.Since(start)
		cancel()
		if err != nil {
			t.Fatalf("Retry-After %q: %v", tt.after, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 503 || err != nil || string(body) != "come back later\n" {
			t.Errorf("Retry-After %q: got %d %q (%v); want the server's 503, intact", tt.after, resp.StatusCode, body, err)
		}
		if calls.Load() != 1 || !errors.Is(log.GaveUp(), tt.reason) {
			t.Errorf("Retry-After %q: %d calls, gave up with %v; want 1 call and %v", tt.after, calls.Load(), log.GaveUp(), tt.reason)
		}
		if elapsed > slack {
			t.Errorf("Retry-After %q: the call took %v", tt.after, elapsed)
		}
	}
}

// answer makes an in-memory response.
func answer(r *http.Request, status int, h http.Header) *http.Response {
	if h == nil {
		h = http.Header{}
	}
	body := http.StatusText(status)
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: h, Request: r,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), ProtoMajor: 1, ProtoMinor: 1}
}

func backoffConstant(d time.Duration) backoff.Strategy { return backoff.Constant{Interval: d} }
