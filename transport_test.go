package rebound

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/backoff"
)

var (
	dialRefused = &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	resetByPeer = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
)

// tick is the constant backoff of the table tests: 100 ms, no jitter.
var tick = backoff.Constant{Interval: 100 * time.Millisecond}

func TestTransportRules(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		header    http.Header
		policy    Policy
		steps     []step
		wantCalls int
		wantCode  int    // 0: expect an error
		wantErr   string // substring of the error
		wantIs    error  // errors.Is target
	}{
		{name: "no retry on 2xx", steps: []step{status(200)}, wantCalls: 1, wantCode: 200},
		{name: "retries on 429", steps: []step{status(429), status(429), status(200)}, wantCalls: 3, wantCode: 200},
		{name: "stops after the attempt limit, last response intact", policy: Policy{Attempts: 4}, steps: []step{status(503)}, wantCalls: 4, wantCode: 503},
		{name: "default limit is 3", steps: []step{status(500)}, wantCalls: 3, wantCode: 500},
		{name: "one attempt", policy: Policy{Attempts: 1}, steps: []step{status(503)}, wantCalls: 1, wantCode: 503},
		{name: "5xx retried for GET", steps: []step{status(502), status(504), status(200)}, wantCalls: 3, wantCode: 200},
		{name: "5xx retried for PUT", method: "PUT", steps: []step{status(503), status(200)}, wantCalls: 2, wantCode: 200},
		{name: "5xx retried for DELETE", method: "DELETE", steps: []step{status(500), status(200)}, wantCalls: 2, wantCode: 200},
		{name: "5xx not retried for POST", method: "POST", steps: []step{status(503), status(200)}, wantCalls: 1, wantCode: 503},
		{name: "5xx not retried for PATCH", method: "PATCH", steps: []step{status(500), status(200)}, wantCalls: 1, wantCode: 500},
		{name: "5xx retried for POST with Idempotency-Key", method: "POST", header: http.Header{"Idempotency-Key": {"k1"}}, steps: []step{status(503), status(200)}, wantCalls: 2, wantCode: 200},
		{name: "5xx retried for POST when the policy opts in", method: "POST", policy: Policy{RetryNonIdempotent: true}, steps: []step{status(503), status(200)}, wantCalls: 2, wantCode: 200},
		{name: "429 retried for POST", method: "POST", steps: []step{status(429), status(200)}, wantCalls: 2, wantCode: 200},
		{name: "501 never", steps: []step{status(501), status(200)}, wantCalls: 1, wantCode: 501},
		{name: "400 never", steps: []step{status(400), status(200)}, wantCalls: 1, wantCode: 400},
		{name: "404 not by default", steps: []step{status(404), status(200)}, wantCalls: 1, wantCode: 404},
		{name: "404 on demand (replication lag)", policy: Policy{RetryStatuses: []int{404}}, steps: []step{status(404), status(200)}, wantCalls: 2, wantCode: 200},
		{name: "404 on demand still not for POST", method: "POST", policy: Policy{RetryStatuses: []int{404}}, steps: []step{status(404), status(200)}, wantCalls: 1, wantCode: 404},
		{name: "dial error retried for POST", method: "POST", steps: []step{{err: dialRefused}, status(200)}, wantCalls: 2, wantCode: 200},
		{name: "reset retried for GET", steps: []step{{err: resetByPeer}, status(200)}, wantCalls: 2, wantCode: 200},
		{name: "reset not retried for POST", method: "POST", steps: []step{{err: resetByPeer}, status(200)}, wantCalls: 1, wantIs: syscall.ECONNRESET},
		{name: "timeout retried for GET", steps: []step{{err: timeoutErr{}}, status(200)}, wantCalls: 2, wantCode: 200},
		{name: "EOF retried for HEAD", method: "HEAD", steps: []step{{err: io.ErrUnexpectedEOF}, status(200)}, wantCalls: 2, wantCode: 200},
		{name: "certificate error never", steps: []step{{err: x509.UnknownAuthorityError{}}, status(200)}, wantCalls: 1, wantErr: "unknown authority"},
		{name: "unknown error never", steps: []step{{err: errAny}, status(200)}, wantCalls: 1, wantIs: errAny},
		{name: "DNS not found never", steps: []step{{err: &net.DNSError{Err: "no such host", IsNotFound: true}}, status(200)}, wantCalls: 1, wantErr: "no such host"},
		{name: "exhausted by error", steps: []step{{err: resetByPeer}}, wantCalls: 3, wantErr: "max retry attempts (3) reached: read tcp: connection reset by peer", wantIs: ErrAttemptsExhausted},
		{name: "non-retryable error after retries", steps: []step{status(503), {err: errAny}}, wantCalls: 2, wantErr: "rebound: attempt 2 failed: some failure", wantIs: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeTransport{steps: tt.steps}
				p := tt.policy
				p.Backoff = tick
				rt, err := NewTransport(f, Config{Policy: p})
				if err != nil {
					t.Fatal(err)
				}
				method := tt.method
				if method == "" {
					method = "GET"
				}
				req, _ := http.NewRequest(method, "http://example.test/x", strings.NewReader("payload"))
				for k, v := range tt.header {
					req.Header[k] = v
				}
				start := time.Now()
				resp, err := rt.RoundTrip(req)
				if got := f.callCount(); got != tt.wantCalls {
					t.Errorf("calls = %d, want %d", got, tt.wantCalls)
				}
				if want := time.Duration(tt.wantCalls-1) * 100 * time.Millisecond; time.Since(start) != want {
					t.Errorf("took %v, want %v of backoff", time.Since(start), want)
				}
				for i, b := range f.bodies {
					if s := tt.steps[min(i, len(tt.steps)-1)]; s.err == dialRefused {
						continue // a refused dial sends nothing
					}
					if method != "HEAD" && b != "payload" {
						t.Errorf("attempt %d carried body %q", i+1, b)
					}
				}
				if tt.wantCode != 0 {
					if err != nil || resp == nil || resp.StatusCode != tt.wantCode {
						t.Fatalf("got %v, %v; want status %d", resp, err, tt.wantCode)
					}
					f.checkDiscarded(t, true)
					if body, _ := io.ReadAll(resp.Body); string(body) != http.StatusText(tt.wantCode) {
						t.Errorf("final body %q was not intact", body)
					}
					resp.Body.Close()
					return
				}
				if err == nil {
					t.Fatalf("got status %d, want an error", resp.StatusCode)
				}
				if resp != nil {
					t.Errorf("got a response with the error")
				}
				if tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q, want it to contain %q", err, tt.wantErr)
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Errorf("errors.Is(%v, %v) = false", err, tt.wantIs)
				}
				f.checkDiscarded(t, false)
			})
		})
	}
}

func TestRetryErrorAs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTransport{steps: []step{{err: resetByPeer}}}
		rt, _ := NewTransport(f, Config{Policy: Policy{Attempts: 2, Backoff: tick}})
		c := &http.Client{Transport: rt}
		_, err := c.Get("http://example.test/")
		var re *RetryError
		if !errors.As(err, &re) || re.Attempts != 2 {
			t.Fatalf("errors.As(%v) = %v, attempts %+v", err, re, re)
		}
		var op *net.OpError
		if !errors.As(err, &op) || op.Op != "read" {
			t.Fatalf("cause not visible through the error: %v", err)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name     string
		first    func(now time.Time) step
		max      time.Duration
		wantGap  time.Duration // between attempt 1 and 2; <0: no second attempt
		wantWhy  string
		wantStop error
	}{
		{name: "delta seconds: a floor, the backoff on top", first: func(time.Time) step { return retryAfter(503, "2") }, wantGap: 2*time.Second + 100*time.Millisecond, wantWhy: "retry-after"},
		{name: "HTTP-date", first: func(now time.Time) step { return retryAfter(429, now.Add(3*time.Second).UTC().Format(http.TimeFormat)) }, wantGap: 3*time.Second + 100*time.Millisecond, wantWhy: "retry-after"},
		{name: "date in the past: the backoff still holds", first: func(now time.Time) step { return retryAfter(429, now.Add(-time.Hour).UTC().Format(http.TimeFormat)) }, wantGap: 100 * time.Millisecond, wantWhy: "backoff"},
		{name: "zero: the backoff still holds", first: func(time.Time) step { return retryAfter(503, "0") }, wantGap: 100 * time.Millisecond, wantWhy: "backoff"},
		{name: "garbage falls back to backoff", first: func(time.Time) step { return retryAfter(503, "soon") }, wantGap: 100 * time.Millisecond, wantWhy: "backoff"},
		{name: "ignored on 500", first: func(time.Time) step { return retryAfter(500, "7") }, wantGap: 100 * time.Millisecond, wantWhy: "backoff"},
		{name: "over the cap: last response at once", first: func(time.Time) step { return retryAfter(503, "5") }, max: time.Second, wantGap: -1, wantStop: ErrRetryAfterTooLong},
		{name: "hostile: forever", first: func(time.Time) step { return retryAfter(503, "99999999999999999999") }, wantGap: -1, wantStop: ErrRetryAfterTooLong},
		{name: "ignored when the policy says so", first: func(time.Time) step { return retryAfter(503, "99999") }, max: -1, wantGap: 100 * time.Millisecond, wantWhy: "backoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeTransport{steps: []step{tt.first(time.Now()), status(200)}}
				rt, _ := NewTransport(f, Config{Policy: Policy{Backoff: tick, MaxRetryAfter: tt.max}, OnEvent: logEvents})
				log := new(attemptLog)
				req, _ := http.NewRequestWithContext(withLog(context.Background(), log), "GET", "http://example.test/", nil)
				start := time.Now()
				resp, err := rt.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if tt.wantGap < 0 {
					if f.callCount() != 1 || resp.StatusCode != 503 || time.Since(start) != 0 {
						t.Fatalf("calls %d, status %d after %v; want the 503 at once", f.callCount(), resp.StatusCode, time.Since(start))
					}
					if !errors.Is(log.GaveUp(), tt.wantStop) {
						t.Fatalf("log gave up with %v, want %v", log.GaveUp(), tt.wantStop)
					}
					return
				}
				if gap := f.times[1].Sub(f.times[0]); gap != tt.wantGap {
					t.Fatalf("waited %v, want %v", gap, tt.wantGap)
				}
				if a := log.Attempts(); !strings.Contains(a[0].WaitWhy, tt.wantWhy) {
					t.Fatalf("wait reason %q, want %q", a[0].WaitWhy, tt.wantWhy)
				}
			})
		})
	}
}

func TestDeadlineRule(t *testing.T) {
	t.Run("status: last response at once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := &fakeTransport{steps: []step{status(503)}}
			rt, _ := NewTransport(f, Config{Policy: Policy{Attempts: 10, Backoff: tick}, OnEvent: logEvents})
			ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
			defer cancel()
			log := new(attemptLog)
			req, _ := http.NewRequestWithContext(withLog(ctx, log), "GET", "http://example.test/", nil)
			start := time.Now()
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			// Attempts at 0, 100 and 200 ms; a wait to 300 ms would pass 250 ms.
			if f.callCount() != 3 || time.Since(start) != 200*time.Millisecond {
				t.Fatalf("calls %d, returned after %v", f.callCount(), time.Since(start))
			}
			if !errors.Is(log.GaveUp(), ErrWaitPastDeadline) {
				t.Fatalf("gave up with %v", log.GaveUp())
			}
		})
	})
	t.Run("error: RetryError says why", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := &fakeTransport{steps: []step{{err: resetByPeer}}}
			rt, _ := NewTransport(f, Config{Policy: Policy{Attempts: 10, Backoff: backoff.Constant{Interval: time.Second}}})
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://example.test/", nil)
			start := time.Now()
			_, err := rt.RoundTrip(req)
			if !errors.Is(err, ErrWaitPastDeadline) || !errors.Is(err, syscall.ECONNRESET) || time.Since(start) != 0 {
				t.Fatalf("err %v after %v", err, time.Since(start))
			}
		})
	})
}

func TestContextEndsTheLoop(t *testing.T) {
	t.Run("unlimited attempts until cancel after N calls", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f := &fakeTransport{steps: []step{status(503)}, onCall: func(n int) {
				if n == 7 {
					cancel()
				}
			}}
			rt, _ := NewTransport(f, Config{Policy: Policy{Attempts: -1, Backoff: tick}})
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://example.test/", nil)
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if f.callCount() != 7 {
				t.Fatalf("calls = %d, want 7", f.callCount())
			}
		})
	})
	t.Run("cancel during a wait returns at once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			f := &fakeTransport{steps: []step{status(503)}}
			rt, _ := NewTransport(f, Config{Policy: Policy{Attempts: -1, Backoff: backoff.Constant{Interval: time.Hour}}})
			go func() {
				time.Sleep(50 * time.Millisecond) // fake time: cancel 50 ms into the hour
				cancel()
			}()
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://example.test/", nil)
			start := time.Now()
			_, err := rt.RoundTrip(req)
			if time.Since(start) != 50*time.Millisecond {
				t.Fatalf("returned after %v", time.Since(start))
			}
			var se *StatusError
			if !errors.Is(err, context.Canceled) || !errors.As(err, &se) || se.StatusCode != 503 {
				t.Fatalf("err = %v", err)
			}
			f.checkDiscarded(t, false)
		})
	})
	t.Run("cancelled before the first attempt", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			f := &fakeTransport{steps: []step{status(200)}}
			rt, _ := NewTransport(f, Config{})
			body := &closeTracker{Reader: strings.NewReader("x")}
			req, _ := http.NewRequestWithContext(ctx, "POST", "http://example.test/", body)
			_, err := rt.RoundTrip(req)
			if !errors.Is(err, context.Canceled) || f.callCount() != 0 || !body.closed {
				t.Fatalf("err %v, calls %d, body closed %v", err, f.callCount(), body.closed)
			}
		})
	})
}

type closeTracker struct {
	io.Reader
	closed bool
}

func (c *closeTracker) Close() error { c.closed = true; return nil }

func TestContextRetrierOverrides(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTransport{steps: []step{status(503)}}
		rt, _ := NewTransport(f, Config{Policy: Policy{Attempts: 5, Backoff: tick}})
		req, _ := http.NewRequestWithContext(WithRetrier(context.Background(), NoRetry), "GET", "http://example.test/", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil || resp.StatusCode != 503 || f.callCount() != 1 {
			t.Fatalf("NoRetry from context: %v %v calls %d", resp, err, f.callCount())
		}
		resp.Body.Close()
		if o := optionsFrom(req.Context()); o == nil || o.retrier != NoRetry {
			t.Fatalf("the context carries %+v, want NoRetry", o)
		}
		req2, _ := http.NewRequestWithContext(WithRetrier(context.Background(), &Policy{Attempts: 2, Backoff: tick}), "GET", "http://example.test/", nil)
		resp, _ = rt.RoundTrip(req2)
		resp.Body.Close()
		if f.callCount() != 3 {
			t.Fatalf("context policy of 2 attempts made %d calls", f.callCount()-1)
		}
	})
}

// everyOther is a Retrier of the user's own: it retries anything up to 4
// attempts, waiting 10 ms per attempt made so far.
type everyOther struct{}

func (everyOther) MaxAttempts() int { return 4 }
func (everyOther) ShouldRetry(_ context.Context, o Outcome) bool {
	return o.Err != nil || o.Response.StatusCode != 200
}
func (everyOther) Delay(o Outcome) (time.Duration, error) {
	return time.Duration(o.Attempt) * 10 * time.Millisecond, nil
}

func TestCustomRetrier(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTransport{steps: []step{status(404), status(418), status(404), status(200)}}
		rt, _ := NewTransport(f, Config{Retrier: everyOther{}})
		req, _ := http.NewRequest("POST", "http://example.test/", strings.NewReader("b"))
		start := time.Now()
		resp, err := rt.RoundTrip(req)
		if err != nil || resp.StatusCode != 200 || f.callCount() != 4 || time.Since(start) != 60*time.Millisecond {
			t.Fatalf("%v %v calls %d after %v", resp, err, f.callCount(), time.Since(start))
		}
		resp.Body.Close()
	})
}

func TestBodyReplay(t *testing.T) {
	big := strings.Repeat("z", 100)
	tests := []struct {
		name      string
		body      func() io.Reader
		maxBuffer int64
		steps     []step
		wantCalls int
		wantIs    error
	}{
		{name: "GetBody", body: func() io.Reader { return strings.NewReader(big) }, steps: []step{status(503), status(503), status(200)}, wantCalls: 3},
		{name: "no GetBody, buffered", body: func() io.Reader { return io.NopCloser(strings.NewReader(big)) }, steps: []step{status(503), status(503), status(200)}, wantCalls: 3},
		{name: "no GetBody, over the cap, nothing sent yet", body: func() io.Reader { return io.NopCloser(strings.NewReader(big)) }, maxBuffer: 10, steps: []step{{err: dialRefused}, status(200)}, wantCalls: 2},
		{name: "no GetBody, over the cap, bytes left", body: func() io.Reader { return io.NopCloser(strings.NewReader(big)) }, maxBuffer: 10, steps: []step{{err: resetByPeer}, status(200)}, wantCalls: 1, wantIs: ErrBodyNotReplayable},
		{name: "never buffer", body: func() io.Reader { return io.NopCloser(strings.NewReader(big)) }, maxBuffer: -1, steps: []step{{err: resetByPeer}, status(200)}, wantCalls: 1, wantIs: ErrBodyNotReplayable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeTransport{steps: tt.steps}
				rt, _ := NewTransport(f, Config{Policy: Policy{Backoff: tick}, MaxBufferedBody: tt.maxBuffer})
				src := &closeTracker{Reader: tt.body()}
				req, _ := http.NewRequest("PUT", "http://example.test/", tt.body())
				req.Body = src
				if _, ok := tt.body().(*strings.Reader); ok {
					req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(big)), nil }
				}
				orig := *req
				resp, err := rt.RoundTrip(req)
				if f.callCount() != tt.wantCalls {
					t.Fatalf("calls = %d, want %d", f.callCount(), tt.wantCalls)
				}
				if tt.wantIs != nil {
					if !errors.Is(err, tt.wantIs) {
						t.Fatalf("err = %v, want %v", err, tt.wantIs)
					}
				} else if err != nil {
					t.Fatal(err)
				} else {
					resp.Body.Close()
				}
				for i, b := range f.bodies {
					if i < len(f.bodies)-1 && tt.steps[i].err == dialRefused {
						continue // the fake read nothing on a refused dial
					}
					if b != big {
						t.Errorf("attempt %d carried %d bytes, want %d", i+1, len(b), len(big))
					}
				}
				if !src.closed {
					t.Error("the caller's body was not closed")
				}
				if req.Body != orig.Body || req.ContentLength != orig.ContentLength || req.URL != orig.URL {
					t.Error("the caller's request was changed")
				}
			})
		})
	}
}

func TestReadUpTo(t *testing.T) {
	for _, tt := range []struct {
		size, limit, hint int64
		wantLen, maxCap   int64
	}{
		{0, 100, -1, 0, 100},
		{50, 100, -1, 50, 100},
		{100, 101, -1, 100, 101},
		{5000, 1001, -1, 1001, 1001}, // over the cap: the cap, never twice it
		{300, 1000, 300, 300, 301},
		{1 << 20, 1<<20 + 1, -1, 1 << 20, 1<<20 + 1},
	} {
		buf, err := readUpTo(io.LimitReader(strings.NewReader(strings.Repeat("x", int(tt.size))), tt.size), tt.limit, tt.hint)
		if err != nil || int64(len(buf)) != tt.wantLen || int64(cap(buf)) > tt.maxCap {
			t.Errorf("%+v: len %d cap %d err %v", tt, len(buf), cap(buf), err)
		}
	}
}
