package reliability_test

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rebound-go/rebound"
)

// Config.MaxBufferedBody set as high as it goes ("buffer anything") must
// still send the body, byte for byte, on every attempt.
func TestLargestBufferCapKeepsTheBody(t *testing.T) {
	for _, limit := range []int64{math.MaxInt64, math.MaxInt64 - 1, 1 << 40} {
		var got []string
		next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			r.Body.Close()
			got = append(got, string(b))
			status := http.StatusServiceUnavailable
			if len(got) > 1 {
				status = http.StatusOK
			}
			return answer(r, status, nil), nil
		})
		rt, err := rebound.NewTransport(next, rebound.Config{MaxBufferedBody: limit, Policy: rebound.Policy{Backoff: quick}})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", "http://example.test/", opaqueReader{bytes.NewReader([]byte("payload"))})
		req.Header.Set("Idempotency-Key", "k")
		if !noPanic(t, func() {
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}) {
			continue
		}
		if len(got) != 2 || got[0] != "payload" || got[1] != "payload" {
			t.Errorf("MaxBufferedBody %d: the server got bodies %q, want \"payload\" twice", limit, got)
		}
	}
}

// A request whose declared ContentLength is absurd (a reverse proxy passes
// on what its own client declared) gets an error or is sent, but never
// makes the Transport panic.
func TestDeclaredLengthCannotPanic(t *testing.T) {
	for _, n := range []int64{math.MaxInt64, math.MaxInt64 - 1, 1 << 62, -1, -1 << 62} {
		rt, err := rebound.NewTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			io.Copy(io.Discard, r.Body)
			return answer(r, http.StatusOK, nil), nil
		}), rebound.Config{})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("PUT", "http://example.test/", opaqueReader{strings.NewReader("hello")})
		req.ContentLength = n
		noPanic(t, func() {
			if resp, err := rt.RoundTrip(req); err == nil {
				resp.Body.Close()
			}
		})
	}
}

// The same through a real reverse proxy built on rebound, whose client
// declares Content-Length: 9223372036854775807: the proxy answers (with an
// error status if it must) and does not panic.
func TestReverseProxyWithAbsurdContentLength(t *testing.T) {
	checkLeaks(t)
	backend := newHTTPServer(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "backend")
	}))
	inner := pool()
	t.Cleanup(inner.CloseIdleConnections)
	rt, err := rebound.NewTransport(inner, rebound.Config{})
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(backend.url)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = rt
	var panics atomic.Value
	front := newHTTPServer(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				panics.Store(p)
				w.WriteHeader(http.StatusInternalServerError)
			}
		}()
		proxy.ServeHTTP(w, r)
	}))
	c, err := net.Dial("tcp", front.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "PUT /x HTTP/1.1\r\nHost: front\r\nContent-Length: 9223372036854775807\r\n\r\nhello")
	// The client stops sending: the body ends 9 EB short of its claim, which
	// the Transport must report as an error, not a panic (a plain
	// http.Transport would wait for the rest, as the backend would).
	c.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer from the proxy: %v", err)
	}
	resp.Body.Close()
	if p := panics.Load(); p != nil {
		t.Errorf("the proxy's Transport panicked: %v", p)
	}
}

// noPanic runs f and reports a panic as a test failure, so that one bug
// does not stop the rest of the suite.
func noPanic(t *testing.T, f func()) (ok bool) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Errorf("panic: %v", p)
			ok = false
		}
	}()
	f()
	return true
}
