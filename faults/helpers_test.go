package faults_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/rebound-go/rebound/internal/leaktest"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/rebound-go/rebound/faults"
)

func TestMain(m *testing.M) { leaktest.Main(m, "rebound/faults.") }

// checkLeaks fails t if goroutines of servers or connections outlive it.
// Call it first, so it runs after every other cleanup.
func checkLeaks(t *testing.T) {
	t.Cleanup(func() {
		if leaked := leaktest.Leaked("rebound/faults."); leaked != "" {
			t.Errorf("goroutines left:\n%s", leaked)
		}
	})
}

const helloBody = "hello, world\n"

// hello answers every request with helloBody and counts the requests
// it served.
type hello struct {
	mu    sync.Mutex
	calls int
}

func (h *hello) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.calls++
	h.mu.Unlock()
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", fmt.Sprint(len(helloBody)))
	_, _ = io.WriteString(w, helloBody)
}

func (h *hello) served() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls
}

func mustNew(t testing.TB, s faults.Scenario) *faults.Injector {
	t.Helper()
	in, err := faults.New(s)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// server is a Server and its Injector, whose Stats it reports.
type server struct {
	*faults.Server
	in *faults.Injector
}

func (s server) Stats() faults.Stats { return s.in.Stats() }

// loopback starts a Server for s in front of next on a real loopback
// port and returns it with a client of its own.
func loopback(t *testing.T, s faults.Scenario, next http.Handler) (server, *http.Client) {
	t.Helper()
	in := mustNew(t, s)
	srv, err := faults.NewServer(nil, in, next)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	return server{srv, in}, &http.Client{Transport: tr}
}

// memListener is an in-memory net.Listener whose connections are
// net.Pipe pairs, so a real http.Server and http.Transport can run in a
// synctest bubble.
type memListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newMemListener() *memListener {
	return &memListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr{} }

func (l *memListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, errors.New("memListener: closed")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type memAddr struct{}

func (memAddr) Network() string { return "mem" }
func (memAddr) String() string  { return "mem.test:80" }

// inMemory starts a Server for s in front of next on an in-memory
// listener; call it inside a synctest bubble.
func inMemory(t *testing.T, s faults.Scenario, next http.Handler) (server, *http.Client) {
	t.Helper()
	ln := newMemListener()
	in := mustNew(t, s)
	srv, err := faults.NewServer(ln, in, next)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{DialContext: ln.dial}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	return server{srv, in}, &http.Client{Transport: tr}
}

// get fetches url with c and reads the whole body.
func get(ctx context.Context, c *http.Client, url string, header ...string) (*http.Response, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}
