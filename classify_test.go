package rebound

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/backoff"
)

func (k errKind) String() string {
	return [...]string{never: "never", notSent: "notSent", maybeSent: "maybeSent"}[k]
}

// h2StreamError mirrors net/http's HTTP/2 StreamError, which fills it
// through its As method.
type h2StreamError struct {
	StreamID uint32
	Code     uint32
	Cause    error
}

func (e h2StreamError) Error() string { return fmt.Sprintf("stream %d: code %d", e.StreamID, e.Code) }

func opErr(op string, err error) error { return &net.OpError{Op: op, Net: "tcp", Err: err} }

func sysErr(errno syscall.Errno) error { return &os.SyscallError{Syscall: "connect", Err: errno} }

// TestClassify covers the errors of the standard library and their
// wrappings, built by hand; the tests below get the same ones from real
// servers.
func TestClassify(t *testing.T) {
	_, parseErr := url.Parse("http://[::1/")
	tests := []struct {
		name string
		err  error
		want errKind
	}{
		{"nil", nil, never},
		{"unknown error", errors.New("some failure"), never},
		{"unknown CA", x509.UnknownAuthorityError{}, never},
		{"wrong host name", x509.HostnameError{}, never},
		{"expired", x509.CertificateInvalidError{Reason: x509.Expired}, never},
		{"verification", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, never},
		{"HTTP answer to TLS", tls.RecordHeaderError{}, never},
		{"TLS alert", tls.AlertError(40), never},
		{"bad port", opErr("dial", &net.AddrError{Err: "invalid port", Addr: "99999"}), never},
		{"missing port", opErr("dial", &net.AddrError{Err: "missing port in address", Addr: "x"}), never},
		{"parse error", parseErr, never},
		{"parse error inside Client's", &url.Error{Op: "Get", URL: "x", Err: parseErr}, never},
		{"unknown host", opErr("dial", &net.DNSError{Err: "no such host", IsNotFound: true}), never},
		{"cancelled", context.Canceled, never},
		{"cancelled dial", opErr("dial", context.Canceled), never},
		{"cancelled next to a reset", errors.Join(syscall.ECONNRESET, context.Canceled), never},
		{"proxy wants credentials", opErr("proxyconnect", &StatusError{StatusCode: 407}), never},
		{"proxy forbids", opErr("proxyconnect", &StatusError{StatusCode: 403}), never},
		{"proxy's certificate", opErr("proxyconnect", x509.UnknownAuthorityError{}), never},

		{"dial refused", opErr("dial", sysErr(syscall.ECONNREFUSED)), notSent},
		{"refused, bare", syscall.ECONNREFUSED, notSent},
		{"dial unreachable", opErr("dial", sysErr(syscall.EHOSTUNREACH)), notSent},
		{"dial timeout", opErr("dial", os.ErrDeadlineExceeded), notSent},
		{"dial past the context deadline", opErr("dial", context.DeadlineExceeded), notSent},
		{"DNS failure", opErr("dial", &net.DNSError{Err: "server misbehaving", IsTemporary: true}), notSent},
		{"DNS timeout", &net.DNSError{Err: "timeout", IsTimeout: true}, notSent},
		{"proxy down", opErr("proxyconnect", opErr("dial", sysErr(syscall.ECONNREFUSED))), notSent},
		{"proxy refused CONNECT", opErr("proxyconnect", &StatusError{StatusCode: 503}), notSent},
		{"proxy rate-limited CONNECT", opErr("proxyconnect", &StatusError{StatusCode: 429}), notSent},
		{"proxy reset", opErr("proxyconnect", sysErr(syscall.ECONNRESET)), notSent},
		{"refused, wrapped by Client", &url.Error{Op: "Post", URL: "x", Err: opErr("dial", syscall.ECONNREFUSED)}, notSent},

		{"reset", opErr("read", sysErr(syscall.ECONNRESET)), maybeSent},
		{"broken pipe", opErr("write", sysErr(syscall.EPIPE)), maybeSent},
		{"aborted", opErr("read", sysErr(syscall.ECONNABORTED)), maybeSent},
		{"EOF", io.EOF, maybeSent},
		{"unexpected EOF, wrapped", fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), maybeSent},
		{"read timeout", opErr("read", os.ErrDeadlineExceeded), maybeSent},
		{"TCP timeout", opErr("read", sysErr(syscall.ETIMEDOUT)), maybeSent},
		{"deadline", context.DeadlineExceeded, maybeSent},
		{"closed connection", opErr("read", net.ErrClosed), maybeSent},
		{"closed in-process pipe", opErr("write", io.ErrClosedPipe), maybeSent},
		{"EOF wrapped by Client", &url.Error{Op: "Get", URL: "x", Err: io.EOF}, maybeSent},
		{"refused and reset: the riskier", errors.Join(opErr("dial", syscall.ECONNREFUSED), opErr("read", syscall.ECONNRESET)), maybeSent},
		{"reset and refused: the same", errors.Join(opErr("read", syscall.ECONNRESET), opErr("dial", syscall.ECONNREFUSED)), maybeSent},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("%s: classify(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

// abortFirst answers 200, but aborts the first request it gets as a
// handler does with panic(http.ErrAbortHandler): a stream reset
// (INTERNAL_ERROR) over HTTP/2, a closed connection (EOF) over HTTP/1.1.
type abortFirst struct{ requests atomic.Int32 }

func (a *abortFirst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	if a.requests.Add(1) == 1 {
		panic(http.ErrAbortHandler)
	}
}

// TestClassifyAbortedHandler: a handler that aborts has seen the request,
// so the error is maybeSent over either protocol: a GET is retried and a
// POST is not.
func TestClassifyAbortedHandler(t *testing.T) {
	checkGoroutines(t)
	for _, proto := range []struct {
		name string
		h2   bool
	}{{"HTTP/2", true}, {"HTTP/1.1", false}} {
		h2 := proto.h2
		for _, method := range []string{"GET", "POST"} {
			t.Run(proto.name+" "+method, func(t *testing.T) {
				h := new(abortFirst)
				srv := httptest.NewUnstartedServer(h)
				srv.EnableHTTP2 = h2
				srv.StartTLS()
				defer srv.Close()
				inner := srv.Client().Transport.(*http.Transport)
				defer inner.CloseIdleConnections()

				req, _ := http.NewRequest(method, srv.URL, strings.NewReader("body"))
				_, err := inner.RoundTrip(req)
				var se h2StreamError
				if h2 && (!errors.As(err, &se) || se.Code != 0x2) {
					t.Fatalf("net/http alone: %v (%T), want a stream error INTERNAL_ERROR", err, err)
				}
				if !h2 && !errors.Is(err, io.EOF) {
					t.Fatalf("net/http alone: %v (%T), want EOF", err, err)
				}
				if got := classify(err); got != maybeSent {
					t.Fatalf("classify(%v) = %v, want maybeSent", err, got)
				}

				h.requests.Store(0)
				rt, _ := NewTransport(inner, Config{Policy: Policy{Backoff: backoff.Constant{}}})
				req, _ = http.NewRequest(method, srv.URL, strings.NewReader("body"))
				resp, err := rt.RoundTrip(req)
				wantRetry := method == "GET"
				if wantRetry && (err != nil || resp.StatusCode != 200) || !wantRetry && err == nil {
					t.Fatalf("through rebound: %v, %v; want retried: %v", resp, err, wantRetry)
				}
				if resp != nil {
					resp.Body.Close()
				}
				want := int32(1)
				if wantRetry {
					want = 2
				}
				if h.requests.Load() != want {
					t.Fatalf("server saw %d requests, want %d", h.requests.Load(), want)
				}
			})
		}
	}
}

// refusingProxy is an HTTP proxy on loopback that answers the first
// refusals CONNECTs with status and tunnels the ones after.
type refusingProxy struct {
	*httptest.Server
	status, refusals int32
	connects         atomic.Int32
	mu               sync.Mutex
	conns            []net.Conn
	wg               sync.WaitGroup
}

func newRefusingProxy(t *testing.T, status, refusals int32) *refusingProxy {
	p := &refusingProxy{status: status, refusals: refusals}
	p.Server = httptest.NewServer(p)
	t.Cleanup(p.close)
	return p
}

func (p *refusingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
		return
	}
	if p.connects.Add(1) <= p.refusals {
		w.WriteHeader(int(p.status))
		return
	}
	dst, err := net.Dial("tcp", r.Host)
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	src, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		dst.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, src, dst)
	p.mu.Unlock()
	io.WriteString(src, "HTTP/1.1 200 Connection established\r\n\r\n")
	p.wg.Add(2)
	go func() { defer p.wg.Done(); io.Copy(dst, src); dst.Close() }()
	go func() { defer p.wg.Done(); io.Copy(src, dst); src.Close() }()
}

func (p *refusingProxy) close() {
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	p.Server.Close()
}

// TestClassifyProxyRefused: GET https through a proxy that refuses CONNECT.
// net/http returns the refusal as bare text; with proxyConnectCheck it is
// typed, and a 503 is retried for every method, as nothing reached the
// origin, while a 407 is not retried.
func TestClassifyProxyRefused(t *testing.T) {
	checkGoroutines(t)
	var originRequests atomic.Int32
	origin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		originRequests.Add(1)
	}))
	defer origin.Close()
	viaProxy := func(p *refusingProxy) *http.Transport {
		tr := origin.Client().Transport.(*http.Transport).Clone()
		u, _ := url.Parse(p.URL)
		tr.Proxy = http.ProxyURL(u)
		return tr
	}

	t.Run("net/http alone", func(t *testing.T) {
		tr := viaProxy(newRefusingProxy(t, 503, 1))
		defer tr.CloseIdleConnections()
		req, _ := http.NewRequest("GET", origin.URL, nil)
		_, err := tr.RoundTrip(req)
		var op *net.OpError
		if err == nil || errors.As(err, &op) || classify(err) != never {
			t.Fatalf("got %v (%T): if net/http now types a refused CONNECT, classify should read that", err, err)
		}
	})
	for _, tt := range []struct {
		name      string
		status    int32
		want      errKind
		wantCalls int32
	}{
		{"503 retried for POST", 503, notSent, 2},
		{"407 not retried", 407, never, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			originRequests.Store(0)
			p := newRefusingProxy(t, tt.status, 1)
			tr := withProxyCheck(viaProxy(p)).(*http.Transport)
			defer tr.CloseIdleConnections()
			req, _ := http.NewRequest("POST", origin.URL, strings.NewReader("body"))
			_, err := tr.RoundTrip(req)
			var op *net.OpError
			if !errors.As(err, &op) || op.Op != "proxyconnect" || classify(err) != tt.want {
				t.Fatalf("with the check: %v (%T), classified %v; want a proxyconnect error, %v", err, err, classify(err), tt.want)
			}

			p.connects.Store(0)
			rt, _ := NewTransport(tr, Config{Policy: Policy{Backoff: backoff.Constant{}}})
			req, _ = http.NewRequest("POST", origin.URL, strings.NewReader("body"))
			resp, err := rt.RoundTrip(req)
			if resp != nil {
				resp.Body.Close()
			}
			if (err == nil) != (tt.want == notSent) || p.connects.Load() != tt.wantCalls {
				t.Fatalf("through rebound: %v, %d CONNECTs; want %d", err, p.connects.Load(), tt.wantCalls)
			}
			if want := tt.wantCalls - 1; originRequests.Load() != want {
				t.Fatalf("origin saw %d requests, want %d", originRequests.Load(), want)
			}
		})
	}
}

// countingTransport counts the attempts that reach it.
type countingTransport struct {
	next  http.RoundTripper
	calls atomic.Int32
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.calls.Add(1)
	return c.next.RoundTrip(req)
}

// TestClassifyMalformedAddress: an address that cannot be dialled or a URL
// that cannot be parsed is never retried, for any method.
func TestClassifyMalformedAddress(t *testing.T) {
	inner := &http.Transport{}
	checkGoroutines(t, inner.CloseIdleConnections)
	for _, tt := range []struct{ method, url string }{
		{"GET", "http://127.0.0.1:99999/"},  // invalid port, from the dialer
		{"POST", "http://127.0.0.1:99999/"}, // the same, for any method
		{"PUT", "http://[::1]:65536/"},
		{"GET", "http://127.0.0.1:x/"}, // parse errors: no attempt at all
		{"GET", "http://[::1/"},
		{"GET", "http://127.0.0.1%zz/"},
	} {
		t.Run(tt.method+" "+tt.url, func(t *testing.T) {
			count := &countingTransport{next: inner}
			rt, _ := NewTransport(count, Config{Policy: Policy{Attempts: 5, Backoff: backoff.Constant{}}})
			req, err := http.NewRequest(tt.method, tt.url, strings.NewReader("b"))
			if err == nil {
				_, err = rt.RoundTrip(req)
			}
			if err == nil || classify(err) != never || count.calls.Load() > 1 {
				t.Fatalf("%v (%T), classified %v, after %d attempts; want never, at most 1 attempt",
					err, err, classify(err), count.calls.Load())
			}
		})
	}
}

// TestRetryErrorTimeout: a *RetryError is a timeout when its reason or
// last error is one, as url.Error.Timeout sees it.
func TestRetryErrorTimeout(t *testing.T) {
	tests := []struct {
		name string
		err  *RetryError
		want bool
	}{
		{"nil", nil, false},
		{"deadline as the reason", &RetryError{Attempts: 2, Reason: context.DeadlineExceeded, Err: &StatusError{StatusCode: 503}}, true},
		{"deadline as the last error", &RetryError{Attempts: 2, Err: context.DeadlineExceeded}, true},
		{"wrapped deadline", &RetryError{Attempts: 2, Err: fmt.Errorf("attempt: %w", context.DeadlineExceeded)}, true},
		{"i/o timeout", &RetryError{Attempts: 3, Reason: ErrAttemptsExhausted, Err: opErr("read", os.ErrDeadlineExceeded)}, true},
		{"header timeout (a Timeout method)", &RetryError{Attempts: 3, Reason: ErrAttemptsExhausted, Err: headerTimeout{}}, true},
		{"next wait past the deadline", &RetryError{Attempts: 2, Reason: ErrWaitPastDeadline, Err: &StatusError{StatusCode: 503}}, true},
		{"exhausted on resets", &RetryError{Attempts: 3, Reason: ErrAttemptsExhausted, Err: opErr("read", syscall.ECONNRESET)}, false},
		{"cancelled", &RetryError{Attempts: 2, Reason: context.Canceled, Err: io.EOF}, false},
		{"not retryable", &RetryError{Attempts: 2, Err: errors.New("x")}, false},
	}
	for _, tt := range tests {
		if got := tt.err.Timeout(); got != tt.want {
			t.Errorf("%s: Timeout() = %v, want %v", tt.name, got, tt.want)
		}
		if tt.err == nil {
			continue
		}
		if got := (&url.Error{Op: "Get", URL: "x", Err: tt.err}).Timeout(); got != tt.want {
			t.Errorf("%s: url.Error.Timeout() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// headerTimeout is like net/http's "timeout awaiting response headers".
type headerTimeout struct{}

func (headerTimeout) Error() string { return "timeout awaiting response headers" }
func (headerTimeout) Timeout() bool { return true }

// TestRetryErrorTimeoutThroughClient: a deadline that passes while the
// second attempt waits for headers makes url.Error.Timeout true through
// rebound as through net/http alone. HTTP/2 on a pipe, in fake time.
func TestRetryErrorTimeoutThroughClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &h2Script{replies: []h2Reply{h2Status(0x8e), h2Hang}} // 500, then nothing
		inner := s.transport()
		defer closeIdle(inner)
		rt, _ := NewTransport(inner, Config{Policy: Policy{Backoff: backoff.Constant{}}})
		for _, c := range []*http.Client{{Transport: inner}, {Transport: rt}} {
			s.reset()
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://h2.test/", nil)
			resp, err := c.Do(req)
			if resp != nil { // net/http alone: the 500
				resp.Body.Close()
				req, _ = http.NewRequestWithContext(ctx, "GET", "http://h2.test/", nil)
				_, err = c.Do(req)
			}
			cancel()
			var ue *url.Error
			if !errors.As(err, &ue) || !ue.Timeout() {
				t.Fatalf("%T: %v; want a url.Error that is a timeout", c.Transport, err)
			}
			var re *RetryError
			if c.Transport == rt && (!errors.As(err, &re) || re.Attempts != 2) {
				t.Fatalf("through rebound: %v; want a *RetryError after 2 attempts", err)
			}
		}
	})
}
