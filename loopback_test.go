package rebound

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rebound-go/rebound/backoff"
)

// fastBackoff keeps loopback tests quick: 1 ms doubling to 10 ms.
var fastBackoff = backoff.Exponential{Initial: time.Millisecond, Max: 10 * time.Millisecond, Jitter: backoff.Equal}

// loopbackServer counts new TCP connections and requests.
type loopbackServer struct {
	*httptest.Server
	conns    atomic.Int64
	requests atomic.Int64
}

func newLoopbackServer(t testing.TB, h http.HandlerFunc) *loopbackServer {
	s := &loopbackServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h(w, r)
	}))
	hook := onConnState
	s.Config.ConnState = func(c net.Conn, st http.ConnState) {
		if hook != nil {
			hook(c, st)
		}
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

var onConnState func(net.Conn, http.ConnState)

// pooledTransport is the same *http.Transport settings for every client
// under test: enough idle connections for every caller and, when maxConns
// is set, no more connections at once than that. Without the cap net/http
// itself dials a few spare connections when many callers start together (a
// connection freed while another caller's dial is under way goes to that
// caller, and the dial's connection joins the pool); with it, every new
// connection past the cap means one was thrown away.
func pooledTransport(maxConns int) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	tr.MaxConnsPerHost = maxConns
	return tr
}

// opaqueReader hides the concrete type, so http.NewRequest sets no GetBody.
type opaqueReader struct{ r io.Reader }

func (o opaqueReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestPostBodyIntegrityOnLoopback(t *testing.T) {
	checkGoroutines(t) // first, so that it runs after the servers close
	var mismatches atomic.Int64
	attempts := sync.Map{} // request id → attempts seen
	srv := newLoopbackServer(t, func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		if _, err := io.Copy(h, r.Body); err != nil {
			mismatches.Add(1)
			return
		}
		if hex.EncodeToString(h.Sum(nil)) != r.Header.Get("X-Sha256") {
			mismatches.Add(1)
		}
		n, _ := attempts.LoadOrStore(r.Header.Get("X-Req"), new(atomic.Int64))
		if n.(*atomic.Int64).Add(1) <= 2 { // the first two attempts fail
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	inner := pooledTransport(0)
	t.Cleanup(inner.CloseIdleConnections)
	rt, err := NewTransport(inner, Config{Policy: Policy{Backoff: fastBackoff}, MaxBufferedBody: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: rt}
	for _, size := range []int{1 << 10, 8 << 20} {
		payload := bytes.Repeat([]byte("rebound!"), size/8)
		sum := sha256.Sum256(payload)
		for _, kind := range []string{"bytes.Reader", "no GetBody"} {
			t.Run(fmt.Sprintf("%d bytes, %s", size, kind), func(t *testing.T) {
				var body io.Reader = bytes.NewReader(payload)
				if kind == "no GetBody" {
					body = opaqueReader{bytes.NewReader(payload)}
				}
				req, _ := http.NewRequest("POST", srv.URL, body)
				req.Header.Set("X-Sha256", hex.EncodeToString(sum[:]))
				req.Header.Set("X-Req", fmt.Sprint(size, kind))
				req.Header.Set("Idempotency-Key", fmt.Sprint(size, kind))
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("status %d after retries", resp.StatusCode)
				}
				if n, _ := attempts.Load(fmt.Sprint(size, kind)); n.(*atomic.Int64).Load() != 3 {
					t.Fatalf("server saw %d attempts, want 3", n.(*atomic.Int64).Load())
				}
			})
		}
	}
	// Past the buffer cap a body without GetBody is streamed once, intact, and not retried.
	t.Run("past the cap", func(t *testing.T) {
		small, _ := NewTransport(inner, Config{Policy: Policy{Backoff: fastBackoff}, MaxBufferedBody: 1 << 20, OnEvent: logEvents})
		payload := bytes.Repeat([]byte("x"), 2<<20)
		sum := sha256.Sum256(payload)
		req, _ := http.NewRequest("POST", srv.URL, opaqueReader{bytes.NewReader(payload)})
		req.Header.Set("X-Sha256", hex.EncodeToString(sum[:]))
		req.Header.Set("X-Req", "past the cap")
		req.Header.Set("Idempotency-Key", "k")
		log := new(attemptLog)
		resp, err := small.RoundTrip(req.WithContext(withLog(req.Context(), log)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 || len(log.Attempts()) != 1 {
			t.Fatalf("status %d after %d attempts; want the 503 after one", resp.StatusCode, len(log.Attempts()))
		}
	})
	if m := mismatches.Load(); m != 0 {
		t.Fatalf("%d bodies arrived damaged", m)
	}
}

// failing reports whether attempt a of request id fails: a deterministic
// percent of all attempts, independent from one attempt to the next.
func failing(id string, attempt string, percent uint32) bool {
	sum := sha256.Sum256([]byte(id + "/" + attempt))
	return binary.BigEndian.Uint32(sum[:4])%100 < percent
}

func TestConnectionsReusedUnderFailures(t *testing.T) {
	tests := []struct {
		name      string
		maxDrain  int64
		wantReuse bool
	}{
		{"drained", 0, true},
		{"closed without draining (control: the test can fail)", -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conns, ok, total := runThirtyPercent(t, tt.maxDrain)
			if tt.wantReuse && conns > 32 {
				t.Errorf("server saw %d new connections for 32 callers", conns)
			}
			if !tt.wantReuse && conns <= 32 {
				t.Errorf("closing undrained bodies cost no connections (%d): the measurement is blind", conns)
			}
			if ok < total*98/100 {
				t.Errorf("only %d of %d succeeded", ok, total)
			}
		})
	}
}

// runThirtyPercent sends 32×40 GETs through a rebound Transport (4
// attempts) to a server that answers 503 with an error page on a
// deterministic 30 % of attempts.
func runThirtyPercent(t *testing.T, maxDrain int64) (conns, ok, total int64) {
	checkGoroutines(t) // first, so that it runs after the servers close
	const callers, perCaller = 32, 40
	var seen sync.Map
	srv := newLoopbackServer(t, func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		n, _ := seen.LoadOrStore(id, new(atomic.Int64))
		attempt := n.(*atomic.Int64).Add(1)
		if failing(id, strconv.FormatInt(attempt, 10), 30) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "<html>"+string(bytes.Repeat([]byte("busy "), 200))+"</html>") // an error page to drain
			return
		}
		io.WriteString(w, "ok")
	})
	inner := pooledTransport(callers)
	t.Cleanup(inner.CloseIdleConnections)
	rt, _ := NewTransport(inner, Config{Policy: Policy{Attempts: 4, Backoff: fastBackoff}, MaxDrain: maxDrain})
	client := &http.Client{Transport: rt}
	var okN atomic.Int64
	var wg sync.WaitGroup
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perCaller {
				resp, err := client.Get(fmt.Sprintf("%s/?id=%d-%d", srv.URL, c, i))
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					okN.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	total = callers * perCaller
	t.Logf("%d requests: %d ok; server saw %d attempts (%.2f per request) on %d connections",
		total, okN.Load(), srv.requests.Load(), float64(srv.requests.Load())/float64(total), srv.conns.Load())
	return srv.conns.Load(), okN.Load(), total
}

func TestRealErrorsClassified(t *testing.T) {
	inner := pooledTransport(0)
	checkGoroutines(t, inner.CloseIdleConnections)
	// A port nobody listens on: connection refused, retried even for POST.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()
	tests := []struct {
		name, method, url string
		wantAttempts      int
	}{
		{"connection refused, POST", "POST", refused, 3},
		{"unsupported scheme", "GET", "ftp://127.0.0.1/x", 1},
		{"no host", "GET", "http:///x", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, _ := NewTransport(inner, Config{Policy: Policy{Backoff: fastBackoff}, OnEvent: logEvents})
			log := new(attemptLog)
			req, _ := http.NewRequestWithContext(withLog(t.Context(), log), tt.method, tt.url, bytes.NewReader([]byte("b")))
			_, err := rt.RoundTrip(req)
			if err == nil {
				t.Fatal("want an error")
			}
			if n := len(log.Attempts()); n != tt.wantAttempts {
				t.Fatalf("%d attempts (%v), want %d", n, err, tt.wantAttempts)
			}
		})
	}
}

// A server that resets connections mid-way through the final response's
// body: the caller sees the error, and rebound makes no further attempt
// once a response was handed over.
func TestResetInFinalBodyIsTheCallersToSee(t *testing.T) {
	checkGoroutines(t) // first, so that it runs after the servers close
	srv := newLoopbackServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			c.Close()
		}
	})
	inner := pooledTransport(0)
	t.Cleanup(inner.CloseIdleConnections)
	rt, _ := NewTransport(inner, Config{Policy: Policy{Backoff: fastBackoff}})
	resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || srv.requests.Load() != 1 {
		t.Fatalf("read error %v after %d requests; want an error after 1", err, srv.requests.Load())
	}
}
