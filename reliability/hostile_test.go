package reliability_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
)

// quick is the backoff of the hostile-server tests: short enough not to
// matter next to the bounds they check.
var quick = backoff.Exponential{Initial: time.Millisecond, Max: 20 * time.Millisecond, Jitter: backoff.Equal}

// A 503 whose body is 1 GiB, then a 200: rebound reads no more of the
// error body than Config.MaxDrain, closes that connection, and the call
// succeeds on a new one. The server writes until its connection fails and
// counts what it managed to write: what the client read plus what the
// kernel buffers on both ends. A drain cap of 1 MiB shows that the count
// follows the cap.
func TestHugeErrorBodyIsNotRead(t *testing.T) {
	const gib = 1 << 30
	tests := []struct {
		name     string
		chunked  bool
		maxDrain int64 // Config.MaxDrain
		atLeast  int64 // what the server must have written
		bound    int64 // what it may have written
	}{
		{"content-length", false, 0, 0, 1 << 20},
		{"chunked", true, 0, 0, 1 << 20},
		{"no drain", false, -1, 0, 1 << 20},
		{"drain 1 MiB", false, 1 << 20, 1 << 20, 2 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			var (
				calls   atomic.Int64
				written atomic.Int64
				done    = make(chan struct{})
			)
			srv := newHTTPServer(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) > 1 {
					io.WriteString(w, "ok")
					return
				}
				defer close(done)
				if !tt.chunked {
					w.Header().Set("Content-Length", strconv.Itoa(gib))
				}
				w.WriteHeader(http.StatusServiceUnavailable)
				chunk := make([]byte, 32<<10)
				for written.Load() < gib {
					n, err := w.Write(chunk)
					written.Add(int64(n))
					if err != nil {
						return
					}
				}
			}), func(s *http.Server) {
				// Kernel buffers on loopback grow to several MiB (up to
				// tcp_wmem's maximum, 4 MiB here, on the sending side
				// alone); a fixed send buffer keeps the count close to
				// what the client took in.
				s.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
					c.(*net.TCPConn).SetWriteBuffer(64 << 10)
					return ctx
				}
			})
			inner := pool()
			t.Cleanup(inner.CloseIdleConnections)
			rt, err := rebound.NewTransport(inner, rebound.Config{MaxDrain: tt.maxDrain, Policy: rebound.Policy{Attempts: 2, Backoff: quick}})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := (&http.Client{Transport: rt}).Get(srv.url)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != "ok" || err != nil {
				t.Fatalf("got %d %q (%v), want 200 ok", resp.StatusCode, body, err)
			}
			select {
			case <-done:
			case <-time.After(settle):
				t.Fatalf("the server is still writing the 1 GiB body after %v: %d bytes so far", settle, written.Load())
			}
			t.Logf("the server wrote %d KiB of the 1 GiB error body before its connection failed", written.Load()>>10)
			if w := written.Load(); w < tt.atLeast || w > tt.bound {
				t.Errorf("the server wrote %d bytes; want %d to %d", w, tt.atLeast, tt.bound)
			}
			if srv.conns.Load() != 2 {
				t.Errorf("%d connections; want 2: the one with the unread body closed, a new one for the retry", srv.conns.Load())
			}
		})
	}
}

// A server that sends a status line and some headers, then nothing: the
// attempt timeout ends each attempt, a GET is retried and a POST is not,
// and the call ends on time with an error that says it timed out.
func TestHeadersThatNeverFinish(t *testing.T) {
	checkLeaks(t)
	srv := newRawServer(t, func(c net.Conn) {
		if !readRequestHead(c) {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Almost: ")
		io.Copy(io.Discard, c) // until the client gives up
	})
	inner := pool()
	t.Cleanup(inner.CloseIdleConnections)
	const attemptTimeout = 200 * time.Millisecond
	rt, err := rebound.NewTransport(inner, rebound.Config{
		AttemptTimeout: attemptTimeout,
		Policy:         rebound.Policy{Attempts: 3, Backoff: quick},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		method   string
		attempts int
	}{{"GET", 3}, {"POST", 1}} {
		before := srv.conns.Load()
		req, _ := http.NewRequest(tt.method, srv.url(), strings.NewReader("payload"))
		start := time.Now()
		resp, err := rt.RoundTrip(req)
		elapsed := time.Since(start)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s: got %d, want an error", tt.method, resp.StatusCode)
		}
		if got := srv.conns.Load() - before; got != int64(tt.attempts) {
			t.Errorf("%s: %d attempts, want %d", tt.method, got, tt.attempts)
		}
		if !timedOut(err) {
			t.Errorf("%s: error %v does not say it timed out", tt.method, err)
		}
		var re *rebound.RetryError
		if tt.attempts > 1 && (!errors.As(err, &re) || re.Attempts != tt.attempts || !errors.Is(err, rebound.ErrAttemptsExhausted)) {
			t.Errorf("%s: error %v, want a *RetryError after %d attempts", tt.method, err, tt.attempts)
		}
		if bound := time.Duration(tt.attempts)*attemptTimeout + slack; elapsed > bound {
			t.Errorf("%s: the call took %v, want under %v", tt.method, elapsed, bound)
		}
	}
}

// A body that trickles out one byte a second: on the response handed to the
// caller, the attempt timeout makes the caller's read fail, and there is no
// second attempt; on a 503 about to be retried, it cuts the drain short and
// the retry happens.
func TestBodyTricklesOneByteASecond(t *testing.T) {
	const attemptTimeout = 300 * time.Millisecond
	t.Run("final response", func(t *testing.T) {
		checkLeaks(t)
		var calls atomic.Int64
		srv := newHTTPServer(t, "127.0.0.1:0", trickle(&calls, func(n int64) int { return http.StatusOK }))
		inner := pool()
		t.Cleanup(inner.CloseIdleConnections)
		rt, _ := rebound.NewTransport(inner, rebound.Config{AttemptTimeout: attemptTimeout, Policy: rebound.Policy{Backoff: quick}})
		start := time.Now()
		resp, err := rt.RoundTrip(mustRequest(t, "GET", srv.url, nil))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		elapsed := time.Since(start)
		if err == nil || !timedOut(err) {
			t.Errorf("read %q, error %v; want the read to fail on the attempt timeout", body, err)
		}
		if calls.Load() != 1 {
			t.Errorf("%d requests; want 1, the response was handed over", calls.Load())
		}
		if elapsed > attemptTimeout+slack {
			t.Errorf("the read ended after %v, want under %v", elapsed, attemptTimeout+slack)
		}
	})
	t.Run("discarded response", func(t *testing.T) {
		checkLeaks(t)
		var calls atomic.Int64
		srv := trickled503Once(t, &calls)
		inner := pool()
		t.Cleanup(inner.CloseIdleConnections)
		rt, _ := rebound.NewTransport(inner, rebound.Config{AttemptTimeout: attemptTimeout, Policy: rebound.Policy{Backoff: quick}})
		start := time.Now()
		resp, err := rt.RoundTrip(mustRequest(t, "GET", srv.url, nil))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		elapsed := time.Since(start)
		if resp.StatusCode != 200 || calls.Load() != 2 {
			t.Errorf("got %d after %d requests; want 200 after 2", resp.StatusCode, calls.Load())
		}
		// The second answer trickles too, but the caller does not read it.
		if elapsed > attemptTimeout+slack {
			t.Errorf("the call took %v, want under %v", elapsed, attemptTimeout+slack)
		}
	})
}

// trickle answers with the status code status(n) for the nth request and a
// 100-byte body sent one byte a second, until the client goes away.
// trickled503Once serves a 503 whose body trickles to the first request,
// and 200s after it.
func trickled503Once(t *testing.T, calls *atomic.Int64) *httpServer {
	return newHTTPServer(t, "127.0.0.1:0", trickle(calls, func(n int64) int {
		if n == 1 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}))
}

func trickle(calls *atomic.Int64, status func(n int64) int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(status(calls.Add(1)))
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		rc := http.NewResponseController(w)
		for range 100 {
			if _, err := w.Write([]byte{'.'}); err != nil || rc.Flush() != nil {
				return
			}
			select {
			case <-tick.C:
			case <-r.Context().Done():
				return
			}
		}
	}
}

// The final response's body is cut by a TCP reset half-way: the caller sees
// the error when it reads, and rebound does not try again, since the
// response was handed over (the server counts 1 request).
func TestResetInFinalBody(t *testing.T) {
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			checkLeaks(t)
			var calls atomic.Int64
			srv := newHTTPServer(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Length", "10000")
				w.WriteHeader(http.StatusOK)
				io.WriteString(w, strings.Repeat("x", 1000))
				http.NewResponseController(w).Flush()
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					panic(err)
				}
				conn.(*net.TCPConn).SetLinger(0) // close with a reset
				conn.Close()
			}))
			inner := pool()
			t.Cleanup(inner.CloseIdleConnections)
			rt, err := rebound.NewTransport(inner, rebound.Config{Policy: rebound.Policy{Attempts: 5, Backoff: quick}})
			if err != nil {
				t.Fatal(err)
			}
			c := &http.Client{Transport: rt}
			req := mustRequest(t, method, srv.url, strings.NewReader("payload"))
			req.Header.Set("Idempotency-Key", "k1") // retryable, were it not handed over
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil || !(errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF)) {
				t.Errorf("read %d bytes, error %v; want a reset or an unexpected EOF", n, err)
			}
			if calls.Load() != 1 {
				t.Errorf("%d requests, want 1", calls.Load())
			}
		})
	}
}

// Policy{Attempts: -1} (no limit) against a server that never recovers: the
// caller's deadline ends the loop, on time, whatever the failure.
func TestUnlimitedAttemptsEndWithTheContext(t *testing.T) {
	const deadline = 300 * time.Millisecond
	refused := func(t *testing.T) string { // a port nobody listens on
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "http://" + addr + "/"
	}
	tests := []struct {
		name   string
		method string
		url    func(t *testing.T, calls *atomic.Int64) string
		once   bool // one attempt takes the whole deadline
	}{
		{"503", "GET", func(t *testing.T, calls *atomic.Int64) string {
			return newHTTPServer(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.WriteHeader(http.StatusServiceUnavailable)
			})).url
		}, false},
		{"reset", "GET", func(t *testing.T, calls *atomic.Int64) string {
			return newRawServer(t, func(c net.Conn) {
				calls.Add(1)
				readRequestHead(c)
				c.(*net.TCPConn).SetLinger(0)
			}).url()
		}, false},
		{"hang", "GET", func(t *testing.T, calls *atomic.Int64) string {
			return newRawServer(t, func(c net.Conn) {
				calls.Add(1)
				io.Copy(io.Discard, c)
			}).url()
		}, true},
		{"429 with Retry-After 0", "POST", func(t *testing.T, calls *atomic.Int64) string {
			return newHTTPServer(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
			})).url
		}, false},
		{"connection refused", "POST", func(t *testing.T, calls *atomic.Int64) string { return refused(t) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			var calls atomic.Int64
			url := tt.url(t, &calls)
			inner := pool()
			t.Cleanup(inner.CloseIdleConnections)
			rt, _ := rebound.NewTransport(inner, rebound.Config{Policy: rebound.Policy{Attempts: -1, Backoff: quick}, OnEvent: logEvents})
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			log := new(callLog)
			req, _ := http.NewRequestWithContext(withLog(ctx, log), tt.method, url, strings.NewReader("payload"))
			start := time.Now()
			resp, err := rt.RoundTrip(req)
			elapsed := time.Since(start)
			if err == nil {
				resp.Body.Close()
			}
			attempts := len(log.Attempts())
			t.Logf("%d attempts in %v (server saw %d), then: %v", attempts, elapsed.Round(time.Millisecond), calls.Load(), firstOf(err, log.GaveUp()))
			if elapsed > deadline+slack {
				t.Errorf("the call took %v with a deadline of %v", elapsed, deadline)
			}
			switch {
			case err == nil && !errors.Is(log.GaveUp(), rebound.ErrWaitPastDeadline) && !errors.Is(log.GaveUp(), context.DeadlineExceeded):
				t.Errorf("got %d, and the log says %v; want the last response with the reason the loop stopped", resp.StatusCode, log.GaveUp())
			case err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, rebound.ErrWaitPastDeadline):
				t.Errorf("error %v; want it to say the deadline ended the loop", err)
			}
			if attempts < 2 && !tt.once {
				t.Errorf("%d attempts; an unlimited policy should have retried", attempts)
			}
		})
	}
}

func firstOf(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// A redirect from 127.0.0.1 to localhost is a redirect to another host:
// net/http drops Authorization and Cookie on the way, and an http.Client
// over a rebound Transport keeps that, retries of the redirected request
// included.
func TestRedirectToAnotherHostDropsCredentials(t *testing.T) {
	checkLeaks(t)
	type seen struct{ auth, cookie string }
	var (
		mu    sync.Mutex
		there []seen
	)
	target := newHTTPServer(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		there = append(there, seen{r.Header.Get("Authorization"), r.Header.Get("Cookie")})
		n := len(there)
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // so the redirected request is retried
			return
		}
		io.WriteString(w, "target")
	}))
	_, port, _ := net.SplitHostPort(target.Listener.Addr().String())
	var hereAuth atomic.Value
	origin := newHTTPServer(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hereAuth.Store(r.Header.Get("Authorization"))
		http.Redirect(w, r, "http://localhost:"+port+"/target", http.StatusFound)
	}))
	inner := pool()
	t.Cleanup(inner.CloseIdleConnections)
	rt, err := rebound.NewTransport(inner, rebound.Config{Policy: rebound.Policy{Backoff: quick}})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: rt}
	req := mustRequest(t, "GET", origin.url+"/start", nil)
	req.Header.Set("Authorization", "Bearer s3cr3t")
	req.Header.Set("Cookie", "session=c00kie")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "target" {
		t.Fatalf("got %d %q, want the target's answer", resp.StatusCode, body)
	}
	if hereAuth.Load() != "Bearer s3cr3t" {
		t.Errorf("the origin got Authorization %q; want the caller's", hereAuth.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(there) != 2 {
		t.Errorf("the target saw %d requests, want 2 (a 503, then the retry)", len(there))
	}
	for i, s := range there {
		if s.auth != "" || s.cookie != "" {
			t.Errorf("request %d to the other host carried Authorization %q, Cookie %q", i+1, s.auth, s.cookie)
		}
	}
}

// One Transport, used by many goroutines at once, directly and through an
// http.Client, while some requests carry a policy of their own in their
// context (WithRetrier), and some a log of their events: each call makes
// exactly the attempts of its own policy. Run it with -race.
func TestConcurrentPolicyOverride(t *testing.T) {
	checkLeaks(t)
	var attempts sync.Map // request id → *atomic.Int32
	srv := newHTTPServer(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := attempts.LoadOrStore(r.Header.Get("X-Request-Id"), new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		io.Copy(io.Discard, r.Body)
		if strings.HasPrefix(r.URL.Path, "/fail") {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	}))
	inner := pool()
	t.Cleanup(inner.CloseIdleConnections)
	cfg := rebound.Config{Policy: rebound.Policy{Attempts: 3, Backoff: quick}, OnEvent: logEvents}
	rt, err := rebound.NewTransport(inner, cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: rt}
	policies := []struct {
		r    rebound.Retrier // nil: the Transport's own
		want int             // attempts against /fail
	}{
		{nil, 3},
		{rebound.NoRetry, 1},
		{&rebound.Policy{Attempts: 2, Backoff: quick}, 2},
		{&rebound.Policy{Attempts: 5, Backoff: backoff.Constant{}}, 5},
		{fixedAttempts(4), 4},
	}
	const goroutines, calls = 64, 12
	want := make([]int, goroutines*calls)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				id := g*calls + i
				p := policies[(g+i)%len(policies)]
				fail := id%3 != 0
				ctx := context.Background()
				if p.r != nil {
					ctx = rebound.WithRetrier(ctx, p.r)
				}
				if id%2 == 0 {
					ctx = withLog(ctx, new(callLog))
				}
				path, expect := "/ok", 1
				if fail {
					path, expect = "/fail", p.want
				}
				want[id] = expect
				req, _ := http.NewRequestWithContext(ctx, "PUT", srv.url+path, strings.NewReader("v"))
				req.Header.Set("X-Request-Id", strconv.Itoa(id))
				var resp *http.Response
				var err error
				if id%4 < 2 {
					resp, err = rt.RoundTrip(req)
				} else {
					resp, err = client.Do(req)
				}
				if err != nil {
					t.Error(err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if fail != (resp.StatusCode == 503) {
					t.Errorf("request %d: %d", id, resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	for id, w := range want {
		n, ok := attempts.Load(strconv.Itoa(id))
		if !ok {
			t.Errorf("request %d never arrived", id)
			continue
		}
		if got := int(n.(*atomic.Int32).Load()); got != w {
			t.Errorf("request %d: %d attempts, want %d", id, got, w)
		}
	}
	if st := rt.Stats(); st.Requests != goroutines*calls {
		t.Errorf("stats count %d calls, want %d", st.Requests, goroutines*calls)
	}
}

// fixedAttempts is a Retrier of the caller's own: n attempts, no wait.
type fixedAttempts int

func (f fixedAttempts) MaxAttempts() int { return int(f) }
func (f fixedAttempts) ShouldRetry(ctx context.Context, o rebound.Outcome) bool {
	return ctx.Err() == nil && (o.Err != nil || o.Response.StatusCode >= 500)
}
func (f fixedAttempts) Delay(rebound.Outcome) (time.Duration, error) { return 0, nil }

// timedOut reports whether err says that a deadline ran out.
func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

func mustRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
