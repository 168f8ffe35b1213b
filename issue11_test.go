package rebound_test

// One test for each input of the issue "One path for every attempt: a
// refusal is not an answer", each asserting the behaviour after the fix.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/hedge"
	"github.com/rebound-go/rebound/internal/leaktest"
	"github.com/rebound-go/rebound/ratelimit"
	"github.com/rebound-go/rebound/throttle"
)

func TestIssue11_01_HedgeBreaker(t *testing.T) {
	slow := 40 * time.Millisecond
	tests := []struct {
		name    string
		cfg     rebound.Config
		latency time.Duration // of a healthy answer
		calls   int
	}{
		{"breaker, fixed hedge delay", rebound.Config{
			Breaker: &breaker.Settings{ConsecutiveFailures: 1, OpenTimeout: 20 * time.Millisecond},
			Hedge:   &hedge.Settings{Delay: 10 * time.Millisecond}}, slow, 10},
		{"breaker, parallel hedges", rebound.Config{
			Breaker: &breaker.Settings{ConsecutiveFailures: 1, OpenTimeout: 20 * time.Millisecond},
			Hedge:   &hedge.Settings{}}, time.Millisecond, 50},
		// The first copy is on its way to a 200 when the hedge is throttled.
		{"throttle, fixed hedge delay", rebound.Config{
			Throttle: &throttle.Settings{K: 1, Rand: mxLateZero(5 * time.Millisecond)},
			Hedge:    &hedge.Settings{Delay: 10 * time.Millisecond}}, slow, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var down atomic.Bool
				down.Store(true)
				var bodies mxBodies
				tt.cfg.Policy = rebound.Policy{Attempts: 1}
				tr := mxTransport(t, mxRT(func(r *http.Request) (*http.Response, error) {
					if down.Load() {
						return bodies.respond(r, 500, "down"), nil
					}
					if err := mxSleep(r.Context(), tt.latency); err != nil {
						return nil, err
					}
					return bodies.respond(r, 200, "ok"), nil
				}), tt.cfg)
				if code, _, _ := mxGet(tr, t.Context(), "/"); code != 500 {
					t.Fatalf("the first call got %d, want the 500", code)
				}
				down.Store(false)
				time.Sleep(25 * time.Millisecond) // the open period passes (fake time)
				for i := range tt.calls {
					if code, _, err := mxGet(tr, t.Context(), "/"); code != 200 {
						t.Fatalf("call %d after the recovery: %d %v, want 200", i+1, code, err)
					}
				}
				synctest.Wait()
				if n := bodies.open(); n != 0 {
					t.Errorf("%d responses left open", n)
				}
			})
		})
	}
}

// mxLateZero is a throttle's Rand that lets everything through until d
// has passed (in fake time), and then refuses whatever it may.
func mxLateZero(d time.Duration) func() float64 {
	start := time.Now()
	return func() float64 {
		if time.Since(start) >= d {
			return 0
		}
		return 0.999
	}
}

func TestIssue11_02_CallerBodyClosed(t *testing.T) {
	paceHeaders := []string{"X-Ratelimit-Limit", "10", "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", "2"}
	tests := []struct {
		name    string
		cfg     rebound.Config
		noRetry bool // the call runs under WithRetrier(ctx, NoRetry), its body without GetBody
		cancel  time.Duration
	}{
		{name: "breaker open, GetBody", cfg: rebound.Config{Breaker: &breaker.Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second}}},
		{name: "breaker open, NoRetry", cfg: rebound.Config{Breaker: &breaker.Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second}}, noRetry: true},
		{name: "throttle refuses, GetBody", cfg: rebound.Config{Throttle: &throttle.Settings{K: 1, Rand: func() float64 { return 0 }}}},
		{name: "throttle refuses, NoRetry", cfg: rebound.Config{Throttle: &throttle.Settings{K: 1, Rand: func() float64 { return 0 }}}, noRetry: true},
		{name: "context ends while pacing", cfg: rebound.Config{Pace: &ratelimit.Settings{MaxWait: time.Second}}, cancel: 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var bodies mxBodies
				var sent atomic.Int32
				tr := mxTransport(t, mxRT(func(r *http.Request) (*http.Response, error) {
					if sent.Add(1) == 1 && tt.cancel == 0 {
						return bodies.respond(r, 500, "down"), nil
					}
					return bodies.respond(r, 200, "ok", paceHeaders...), nil
				}), tt.cfg)
				if code, _, _ := mxGet(tr, t.Context(), "/"); code == 0 {
					t.Fatal("the first call got no answer")
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if tt.cancel > 0 {
					time.AfterFunc(tt.cancel, cancel)
				}
				var body io.Reader = bytes.NewReader([]byte("payload"))
				if tt.noRetry {
					ctx = rebound.WithRetrier(ctx, rebound.NoRetry)
					body = mxOpaque{body}
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPut, "http://fake.test/", body)
				counted := &mxReqBody{r: req.Body}
				req.Body = counted
				resp, err := tr.RoundTrip(req)
				if resp != nil {
					resp.Body.Close()
				}
				if err == nil || sent.Load() != 1 {
					t.Fatalf("the PUT was sent (%d sends, err %v); it should have been refused", sent.Load(), err)
				}
				synctest.Wait()
				if n := counted.closes.Load(); n != 1 {
					t.Errorf("the caller's body was closed %d times, want 1 (err %v)", n, err)
				}
			})
		})
	}
}

func TestIssue11_03_SameAnswerOnBothPaths(t *testing.T) {
	for _, withEvents := range []bool{false, true} {
		t.Run(fmt.Sprintf("OnEvent=%v", withEvents), func(t *testing.T) {
			var bodies mxBodies
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			cfg := rebound.Config{}
			if withEvents {
				cfg.OnEvent = func(context.Context, rebound.Event) {}
			}
			tr := mxTransport(t, mxRT(func(r *http.Request) (*http.Response, error) {
				cancel() // the context ends just as the answer comes
				return bodies.respond(r, 503, "busy"), nil
			}), cfg)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://fake.test/", nil)
			resp, err := tr.RoundTrip(req)
			if err != nil || resp == nil || resp.StatusCode != 503 {
				t.Fatalf("got %v, %v; want the 503 the transport gave", resp, err)
			}
			resp.Body.Close()
			if n := bodies.open(); n != 0 {
				t.Errorf("%d responses left open", n)
			}
		})
	}
}

func TestIssue11_04_BodyNotReadTwiceAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		payload := bytes.Repeat([]byte("0123456789abcdef"), 2<<20/16) // 2 MiB
		want := sha256.Sum256(payload)
		var (
			mu    sync.Mutex
			reads []string // per attempt: what its transport read of the body
			wg    sync.WaitGroup
			bods  mxBodies
		)
		tr := mxTransport(t, mxRT(func(r *http.Request) (*http.Response, error) {
			body := r.Body
			wg.Go(func() { // goes on sending the body after the answer, as HTTP/2 does
				h := sha256.New()
				buf := make([]byte, 64<<10)
				n := 0
				for {
					time.Sleep(time.Millisecond)
					m, err := body.Read(buf)
					h.Write(buf[:m])
					n += m
					if err != nil {
						break
					}
				}
				body.Close()
				mu.Lock()
				reads = append(reads, fmt.Sprintf("%d bytes, complete %v", n, n == len(payload) && bytes.Equal(h.Sum(nil), want[:])))
				mu.Unlock()
			})
			rb := &mxRespBody{ReadCloser: io.NopCloser(strings.NewReader("busy"))}
			bods.mu.Lock()
			bods.list = append(bods.list, rb)
			bods.mu.Unlock()
			return &http.Response{StatusCode: 503, Header: http.Header{}, Body: rb, Request: r}, nil
		}), rebound.Config{Policy: mxPolicy()})
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, "http://fake.test/", mxOpaque{bytes.NewReader(payload)})
		counted := &mxReqBody{r: req.Body}
		req.Body = counted
		resp, err := tr.RoundTrip(req)
		if err != nil || resp.StatusCode != 503 {
			t.Fatalf("got %v, %v; want the 503", resp, err)
		}
		resp.Body.Close()
		wg.Wait()
		for i, r := range reads {
			if !strings.HasSuffix(r, "complete true") {
				t.Errorf("attempt %d sent %s: not the caller's body", i+1, r)
			}
		}
		if n := counted.closes.Load(); n != 1 {
			t.Errorf("the caller's body was closed %d times, want 1", n)
		}
		if n := bods.open(); n != 0 {
			t.Errorf("%d responses left open", n)
		}
	})
}

func TestIssue11_05_BreakerOpensDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var bodies mxBodies
		var sent atomic.Int32
		tr := mxTransport(t, mxRT(func(r *http.Request) (*http.Response, error) {
			sent.Add(1)
			return bodies.respond(r, 503, "unavailable"), nil
		}), rebound.Config{
			Policy:  rebound.Policy{Attempts: 3, Backoff: backoff.Constant{Interval: 10 * time.Millisecond}},
			Breaker: &breaker.Settings{ConsecutiveFailures: 2, OpenTimeout: time.Second},
		})
		type answer struct {
			code int
			body string
			err  error
		}
		x := make(chan answer, 1)
		go func() {
			code, body, err := mxGet(tr, t.Context(), "/x")
			x <- answer{code, body, err}
		}()
		time.Sleep(5 * time.Millisecond) // x waits out its backoff; y opens the breaker
		if code, _, err := mxGet(tr, t.Context(), "/y"); code != 503 {
			t.Fatalf("y: %d %v, want its 503", code, err)
		}
		got := <-x
		if got.err != nil || got.code != 503 || got.body != "unavailable" {
			t.Errorf("x got %d %q %v; want its 503, unread, as Config.Breaker promises", got.code, got.body, got.err)
		}
		if n := sent.Load(); n != 2 {
			t.Errorf("%d attempts sent, want 2: x's retry meets the open breaker", n)
		}
		if n := bodies.open(); n != 0 {
			t.Errorf("%d responses left open", n)
		}
	})
}

// mxProbeBreaker is the breaker of input 6: it opens on one failure for
// 20 ms, a period that does not grow.
func mxProbeBreaker() *breaker.Settings {
	return &breaker.Settings{ConsecutiveFailures: 1, OpenTimeout: 20 * time.Millisecond, MaxOpenTimeout: 20 * time.Millisecond}
}

// mxModalTransport makes one call through a Transport whose wrapped
// RoundTripper fails, panics or answers well as mode says.
func mxModalTransport(t *testing.T, mode *atomic.Value) func() error {
	var bodies mxBodies
	tr := mxTransport(t, mxRT(func(r *http.Request) (*http.Response, error) {
		switch mode.Load() {
		case "fail":
			return bodies.respond(r, 500, "down"), nil
		case "panic":
			panic("the wrapped RoundTripper panics")
		}
		return bodies.respond(r, 200, "ok"), nil
	}), rebound.Config{Policy: rebound.Policy{Attempts: 1}, Breaker: mxProbeBreaker()})
	return func() error {
		code, _, err := mxGet(tr, t.Context(), "/")
		if err == nil && code != 200 {
			err = fmt.Errorf("status %d", code)
		}
		return err
	}
}

// mxModalRunner makes one call through a Runner whose operation fails,
// panics or succeeds as mode says.
func mxModalRunner(t *testing.T, mode *atomic.Value) func() error {
	r, err := rebound.NewRunner(rebound.Config{Policy: rebound.Policy{Attempts: 1}, Breaker: mxProbeBreaker()})
	if err != nil {
		t.Fatal(err)
	}
	return func() error {
		return r.Do(t.Context(), func(context.Context) error {
			switch mode.Load() {
			case "fail":
				return errors.New("down")
			case "panic":
				panic("the operation panics")
			}
			return nil
		})
	}
}

func TestIssue11_06_PanicReturnsTheProbe(t *testing.T) {
	tests := []struct {
		name string
		make func(t *testing.T, mode *atomic.Value) func() error
	}{
		{"Transport", mxModalTransport},
		{"Runner", mxModalRunner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var mode atomic.Value
				mode.Store("fail")
				call := tt.make(t, &mode)
				if call() == nil {
					t.Fatal("the failing call succeeded")
				}
				time.Sleep(25 * time.Millisecond) // half-open
				mode.Store("panic")
				func() {
					defer func() { _ = recover() }()
					_ = call()
				}()
				mode.Store("ok")
				var err error
				for range 5 { // a panicking probe may count as a failure: one more open period
					time.Sleep(25 * time.Millisecond)
					if err = call(); err == nil {
						break
					}
				}
				if err != nil {
					t.Fatalf("the breaker still refuses after the panic: %v", err)
				}
			})
		})
	}
}

// mxUpgraded is the body of a 101 response: a connection both ways.
type mxUpgraded struct {
	io.Reader
	wrote bytes.Buffer
}

func (u *mxUpgraded) Write(p []byte) (int, error) { return u.wrote.Write(p) }
func (u *mxUpgraded) Close() error                { return nil }

func TestIssue11_07_SwitchingProtocolsKeepsWriter(t *testing.T) {
	tests := []struct {
		name string
		cfg  rebound.Config
	}{
		{"attempt timeout", rebound.Config{AttemptTimeout: time.Second}},
		{"hedge", rebound.Config{Hedge: &hedge.Settings{Delay: 10 * time.Millisecond}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				conn := &mxUpgraded{Reader: strings.NewReader("")}
				tr := mxTransport(t, mxRT(func(r *http.Request) (*http.Response, error) {
					return &http.Response{StatusCode: http.StatusSwitchingProtocols, Request: r,
						Header: http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}, Body: conn}, nil
				}), tt.cfg)
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://fake.test/ws", nil)
				req.Header.Set("Upgrade", "websocket")
				req.Header.Set("Connection", "Upgrade")
				resp, err := tr.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				rw, ok := resp.Body.(io.ReadWriteCloser) // what httputil.ReverseProxy asserts
				if !ok {
					t.Fatalf("the 101's body %T is not an io.ReadWriteCloser", resp.Body)
				}
				if _, err := rw.Write([]byte("ping")); err != nil || conn.wrote.String() != "ping" {
					t.Fatalf("a write through the body reached %q, %v", conn.wrote.String(), err)
				}
			})
		})
	}
}

func TestIssue11_08_BulkheadHoldsTheSlotUntilClose(t *testing.T) {
	var bodies mxBodies
	var sent atomic.Int32
	tr := mxTransport(t, mxRT(func(r *http.Request) (*http.Response, error) {
		sent.Add(1)
		return bodies.respond(r, 200, "a long stream"), nil
	}), rebound.Config{Bulkhead: &bulkhead.Settings{MaxConcurrent: 1}})
	get := func() (*http.Response, error) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://fake.test/", nil)
		return tr.RoundTrip(req)
	}
	first, err := get()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		resp, err := get()
		if resp != nil {
			resp.Body.Close()
		}
		if !errors.Is(err, bulkhead.ErrFull) {
			t.Fatalf("call %d while the first body streams: %v, want bulkhead.ErrFull", i+2, err)
		}
	}
	if n := sent.Load(); n != 1 {
		t.Fatalf("%d calls sent while one slot was held", n)
	}
	first.Body.Close()
	resp, err := get()
	if err != nil {
		t.Fatalf("after the first body was closed: %v", err)
	}
	resp.Body.Close()
	if n := bodies.open(); n != 0 {
		t.Errorf("%d responses left open", n)
	}
}

func TestIssue11_09_WinnerDoesNotWaitForLoser(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var bodies mxBodies
		var n atomic.Int32
		tr := mxTransport(t, mxRT(func(r *http.Request) (*http.Response, error) {
			if n.Add(1) == 1 {
				time.Sleep(500 * time.Millisecond) // ignores cancellation
				return bodies.respond(r, 200, "slow"), nil
			}
			time.Sleep(5 * time.Millisecond)
			return bodies.respond(r, 200, "fast"), nil
		}), rebound.Config{Hedge: &hedge.Settings{Delay: 5 * time.Millisecond}})
		start := time.Now()
		code, body, err := mxGet(tr, t.Context(), "/")
		if took := time.Since(start); err != nil || body != "fast" || took > 20*time.Millisecond {
			t.Fatalf("got %d %q %v after %v; want the winner's answer at 10 ms", code, body, err, took)
		}
		time.Sleep(time.Second) // the loser ends
		synctest.Wait()
		if n := bodies.open(); n != 0 {
			t.Errorf("the loser's answer was never closed")
		}
	})
}

func TestIssue11_10_RetryOneAttemptReturnsOpError(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"plain error", errors.New("boom")},
		{"timeout", context.DeadlineExceeded},
		{"wrapped", fmt.Errorf("op: %w", io.ErrUnexpectedEOF)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := rebound.Retry(t.Context(), &rebound.Policy{Attempts: 1}, func(context.Context) error { return tt.err })
			var re *rebound.RetryError
			if err != tt.err || errors.As(err, &re) {
				t.Fatalf("Retry returned %#v, want op's error as it is", err)
			}
		})
	}
}

func TestIssue11_11_NilURLAndZeroTransport(t *testing.T) {
	guards := []struct {
		name string
		cfg  rebound.Config
	}{
		{"no guard", rebound.Config{}},
		{"budget", rebound.Config{Budget: rebound.AdaptiveBudget}},
		{"breaker", rebound.Config{Breaker: &breaker.Settings{}}},
		{"throttle", rebound.Config{Throttle: &throttle.Settings{}}},
		{"bulkhead", rebound.Config{Bulkhead: &bulkhead.Settings{}}},
		{"pacing", rebound.Config{Pace: &ratelimit.Settings{}}},
		{"adaptive hedge", rebound.Config{Hedge: &hedge.Settings{Percentile: 0.9}}},
	}
	for _, g := range guards {
		t.Run("nil URL/"+g.name, func(t *testing.T) {
			tr := mxTransport(t, mxRT(func(r *http.Request) (*http.Response, error) {
				return nil, errors.New("the request reached the transport")
			}), g.cfg)
			body := &mxReqBody{r: strings.NewReader("x")}
			req := &http.Request{Method: http.MethodPost, Header: http.Header{}, Body: body}
			var resp *http.Response
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("RoundTrip panicked: %v", p)
					}
				}()
				resp, err = tr.RoundTrip(req.WithContext(t.Context()))
			}()
			if resp != nil || err == nil {
				t.Fatalf("got %v, %v; want an error as net/http gives", resp, err)
			}
			if n := body.closes.Load(); n != 1 {
				t.Errorf("the body was closed %d times, want 1", n)
			}
		})
	}
	t.Run("zero Transport", func(t *testing.T) {
		leaktest.Check(t, "rebound-go/rebound.")
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello") }))
		t.Cleanup(srv.Close)
		t.Cleanup(http.DefaultTransport.(*http.Transport).CloseIdleConnections)
		var tr rebound.Transport
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if b, _ := io.ReadAll(resp.Body); string(b) != "hello" {
			t.Fatalf("read %q", b)
		}
	})
}

func TestIssue11_12_ConfigIsCopied(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func() rebound.Config
		change func(*rebound.Config) // after NewTransport
		check  func(t *testing.T, rt http.RoundTripper, sent *atomic.Int32)
	}{
		{"hedge copies raised", func() rebound.Config { return rebound.Config{Hedge: &hedge.Settings{}} },
			func(c *rebound.Config) { c.Hedge.Copies = 100 },
			func(t *testing.T, rt http.RoundTripper, sent *atomic.Int32) {
				if code, _, err := mxGet(rt, t.Context(), "/"); code != 200 || sent.Load() != 2 {
					t.Fatalf("%d %v after %d copies; want 200 from the 2 copies configured", code, err, sent.Load())
				}
			}},
		{"bulkhead raised", func() rebound.Config { return rebound.Config{Bulkhead: &bulkhead.Settings{MaxConcurrent: 1}} },
			func(c *rebound.Config) { c.Bulkhead.MaxConcurrent = 10 },
			func(t *testing.T, rt http.RoundTripper, _ *atomic.Int32) {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://fake.test/", nil)
				held, err := rt.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				defer held.Body.Close()
				if _, _, err := mxGet(rt, t.Context(), "/"); !errors.Is(err, bulkhead.ErrFull) {
					t.Fatalf("second call: %v, want bulkhead.ErrFull from the cap of 1", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var sent atomic.Int32
				var bodies mxBodies
				cfg := tt.cfg()
				tr := mxTransport(t, mxRT(func(r *http.Request) (*http.Response, error) {
					sent.Add(1)
					if err := mxSleep(r.Context(), time.Millisecond); err != nil {
						return nil, err
					}
					return bodies.respond(r, 200, "ok"), nil
				}), cfg)
				tt.change(&cfg)
				tt.check(t, tr, &sent)
			})
		})
	}
}

func TestIssue11_13_AdaptiveHedgeCountsLosers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int64
		var bodies mxBodies
		tr := mxTransport(t, mxRT(func(r *http.Request) (*http.Response, error) {
			// Seven answers in ten take 10 ms, three spread over 100–400 ms:
			// the 90th percentile is 300 ms, and a delay there hedges the
			// slowest tenth of the calls.
			i := n.Add(1)
			d := 10 * time.Millisecond
			if i%10 == 0 || i%10 == 3 || i%10 == 6 {
				d = time.Duration(100+(i*37)%300) * time.Millisecond
			}
			if err := mxSleep(r.Context(), d); err != nil {
				return nil, err
			}
			return bodies.respond(r, 200, "ok"), nil
		}), rebound.Config{Hedge: &hedge.Settings{Percentile: 0.9, MinSamples: 20, Delay: time.Second, MaxDelay: time.Second}})
		const warm, calls = 200, 300
		var before rebound.Stats
		for i := range warm + calls {
			if i == warm {
				before = tr.Stats()
			}
			if code, _, err := mxGet(tr, t.Context(), "/"); code != 200 {
				t.Fatalf("call %d: %d %v", i, code, err)
			}
		}
		// Learnt from the winners alone, the delay loses every slow answer
		// it hedges (the fast hedge wins), drifts down to 10 ms and hedges
		// all three slow calls in ten. Counting each cancelled loser at what
		// it cost so far keeps it near 300 ms.
		rate := float64(tr.Stats().Hedges-before.Hedges) / calls
		t.Logf("hedges per call after the warm-up: %.2f", rate)
		if rate > 0.15 {
			t.Errorf("%.2f hedges per call: the delay drifted below the 90th percentile", rate)
		}
		synctest.Wait()
		if n := bodies.open(); n != 0 {
			t.Errorf("%d responses left open", n)
		}
	})
}

func TestIssue11_14_RetryAfterOutageSpendsBudget(t *testing.T) {
	tests := []struct {
		status   int
		min, max float64 // attempts per call
	}{
		{503, 1, 1.20}, // an outage: the budget holds retries to its floor, Retry-After or not
		{429, 3, 3},    // a quota: retries at the server's time spare the budget
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var bodies mxBodies
				var sent atomic.Int64
				tr := mxTransport(t, mxRT(func(r *http.Request) (*http.Response, error) {
					sent.Add(1)
					return bodies.respond(r, tt.status, "later", "Retry-After", "1"), nil
				}), rebound.Config{Budget: rebound.AdaptiveBudget})
				const callers = 50
				var wg sync.WaitGroup
				for i := range callers {
					wg.Go(func() {
						if code, _, err := mxGet(tr, t.Context(), "/"+strconv.Itoa(i)); code != tt.status {
							t.Errorf("call %d: %d %v, want the last %d", i, code, err, tt.status)
						}
					})
				}
				wg.Wait()
				per := float64(sent.Load()) / callers
				t.Logf("%d: %.2f attempts per call", tt.status, per)
				if per < tt.min || per > tt.max {
					t.Errorf("%.2f attempts per call, want %.2f to %.2f", per, tt.min, tt.max)
				}
			})
		})
	}
}

func TestIssue11_15_HostsForgotten(t *testing.T) {
	var bodies mxBodies
	tr := mxTransport(t, mxRT(func(r *http.Request) (*http.Response, error) {
		return bodies.respond(r, 200, "ok"), nil
	}), rebound.Config{Budget: rebound.AdaptiveBudget, Breaker: &breaker.Settings{}, Throttle: &throttle.Settings{}})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const hosts = 20000
	for i := range hosts {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, fmt.Sprintf("http://h%d.example/", i), nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept := len(tr.Hosts())
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d hosts called, %d kept, heap grew %.1f MiB", hosts, kept, float64(grew)/(1<<20))
	// The bound is generous: the issue measured 64 MiB kept for 20 000 hosts.
	if kept > hosts/10 || grew > 16<<20 {
		t.Errorf("%d hosts kept, heap grew %.1f MiB: hosts are not forgotten", kept, float64(grew)/(1<<20))
	}
	runtime.KeepAlive(tr)
}

func TestIssue11_16_FullDuplexBody(t *testing.T) {
	leaktest.Check(t, "rebound-go/rebound.")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.EnableFullDuplex()
		w.WriteHeader(http.StatusOK)
		_ = rc.Flush() // the headers go before the body is read
		_, _ = io.Copy(w, r.Body)
	}))
	t.Cleanup(srv.Close)
	client := srv.Client().Transport.(*http.Transport)
	t.Cleanup(client.CloseIdleConnections)
	tr := mxTransport(t, client, rebound.Config{})

	pr, pw := io.Pipe()
	headers := make(chan struct{})
	gaveUp := make(chan bool, 1)
	go func() { // the producer writes once the answer has begun
		select {
		case <-headers:
			_, _ = pw.Write([]byte("hello"))
			pw.Close()
			gaveUp <- false
		case <-time.After(5 * time.Second): // an upper bound for the failure only
			pw.CloseWithError(errors.New("the producer gave up waiting for the headers"))
			gaveUp <- true
		}
	}()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, pr)
	resp, err := tr.RoundTrip(req)
	close(headers)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if <-gaveUp || err != nil || string(b) != "hello" {
		t.Fatalf("the headers came only after the producer gave up (read %q, %v)", b, err)
	}
}
