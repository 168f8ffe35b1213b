package reliability_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The bounds every real-time wait in this suite respects: polling for
// cleanup gives up after settle, and an assertion of elapsed time allows
// slack on top of what the policy promises (the machine is shared and the
// race detector slows everything down).
const (
	settle = 10 * time.Second
	slack  = 2 * time.Second
)

// resources is what a test may leave behind.
type resources struct {
	goroutines int
	fds        int // -1 where /proc/self/fd is not available
}

// measure counts what is running and open now.
func measure() resources {
	warmNetpoll.Do(func() {
		// The runtime opens its network poller's descriptors on first
		// use and keeps them; open them before any baseline is taken.
		if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
			ln.Close()
		}
	})
	return resources{goroutines: runtime.NumGoroutine(), fds: openFDs()}
}

var warmNetpoll sync.Once

// openFDs counts the open file descriptors of the process, or -1.
func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries) - 1 // the directory being read
}

// waitBack polls until the goroutines and file descriptors are back to at
// most those of base, for up to settle, and returns how many are left over
// with the stacks of the goroutines that are.
func waitBack(base resources) (goroutines, fds int, stacks string) {
	deadline := time.Now().Add(settle)
	for {
		now := measure()
		goroutines = max(now.goroutines-base.goroutines, 0)
		fds = 0
		if base.fds >= 0 {
			fds = max(now.fds-base.fds, 0)
		}
		if goroutines == 0 && fds == 0 || time.Now().After(deadline) {
			break
		}
		pause(20 * time.Millisecond)
	}
	if goroutines > 0 {
		buf := make([]byte, 1<<20)
		stacks = interesting(string(buf[:runtime.Stack(buf, true)]))
	}
	return goroutines, fds, stacks
}

// pause waits d while polling for cleanup; it never proves a schedule.
func pause(d time.Duration) {
	t := time.NewTimer(d)
	<-t.C
}

// interesting drops from a goroutine dump those of the test framework.
func interesting(all string) string {
	var out []string
	for _, g := range strings.Split(all, "\n\n") {
		if strings.Contains(g, "testing.(*T).Run(") || strings.Contains(g, "testing.(*F).Fuzz(") ||
			strings.Contains(g, "testing.(*M).") || strings.Contains(g, "reliability_test.waitBack") {
			continue
		}
		out = append(out, g)
	}
	return strings.Join(out, "\n\n")
}

// checkLeaks records the goroutines and file descriptors now and fails the
// test if, once it is over and closeIdle has run, more remain. Register it
// before the servers of the test, so that it runs after their Close.
func checkLeaks(t *testing.T, closeIdle ...func()) {
	t.Helper()
	base := measure()
	t.Cleanup(func() {
		for _, f := range closeIdle {
			f()
		}
		g, fds, stacks := waitBack(base)
		if g > 0 || fds > 0 {
			t.Errorf("left behind: %d goroutines, %d file descriptors\n%s", g, fds, stacks)
		}
	})
}

// pool returns an *http.Transport of its own, so that a test can close
// every connection it opened.
func pool() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 0 // no limit: the pool keeps what every caller opened
	tr.MaxIdleConnsPerHost = 1024
	return tr
}

// opaqueReader hides the concrete type of a reader, so that
// http.NewRequest sets no GetBody and rebound has to buffer the body.
type opaqueReader struct{ r io.Reader }

func (o opaqueReader) Read(p []byte) (int, error) { return o.r.Read(p) }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// rawServer accepts TCP connections on 127.0.0.1 and hands each to serve,
// for servers that break HTTP in ways net/http will not. It counts the
// connections, closes every one at the end of the test and waits for serve
// to return.
type rawServer struct {
	ln    net.Listener
	addr  string
	conns atomic.Int64
	wg    sync.WaitGroup
	mu    sync.Mutex
	open  []net.Conn
}

func newRawServer(t *testing.T, serve func(c net.Conn)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, addr: ln.Addr().String()}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			s.mu.Lock()
			s.open = append(s.open, c)
			s.mu.Unlock()
			s.wg.Go(func() {
				defer c.Close()
				serve(c)
			})
		}
	})
	t.Cleanup(s.close)
	return s
}

func (s *rawServer) url() string { return "http://" + s.addr + "/" }

func (s *rawServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// readRequestHead reads from c up to the blank line that ends a request's
// header, and reports whether it got there. Request bodies are not used by
// the raw servers.
func readRequestHead(c net.Conn) bool {
	var seen []byte
	buf := make([]byte, 1024)
	for !strings.Contains(string(seen), "\r\n\r\n") {
		n, err := c.Read(buf)
		if err != nil {
			return false
		}
		seen = append(seen, buf[:n]...)
	}
	return true
}

// httpServer is an httptest.Server on a chosen loopback address that counts
// the connections it accepts.
type httpServer struct {
	*httptest.Server
	url   string
	conns atomic.Int64
}

// newHTTPServer serves h on addr ("127.0.0.1:0" for any port) until the
// end of the test; its Close waits for every handler to return. configure,
// when given, adjusts the http.Server before it starts.
func newHTTPServer(t *testing.T, addr string, h http.Handler, configure ...func(*http.Server)) *httpServer {
	t.Helper()
	s := &httpServer{Server: httptest.NewUnstartedServer(h)}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s.Listener.Close()
	s.Listener = ln
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	for _, f := range configure {
		f(s.Config)
	}
	s.Start()
	s.url = s.URL
	t.Cleanup(s.Close)
	return s
}

func urlQuery(s string) string { return url.QueryEscape(s) }
