package rebound

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// cutServer answers its first request with a 200 whose body stops half
// way (HTTP/1.1: the connection closes; HTTP/2: the stream is reset),
// and every later one whole.
func cutServer(t *testing.T, h2 bool) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", "100")
		if n.Add(1) == 1 {
			io.WriteString(w, strings.Repeat("a", 50))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, strings.Repeat("b", 100))
	}))
	srv.EnableHTTP2 = h2
	if h2 {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestBufferResponseRetriesABodyCutShort(t *testing.T) {
	checkGoroutines(t)
	for _, h2 := range []bool{false, true} {
		name := "HTTP/1.1"
		if h2 {
			name = "HTTP/2"
		}
		t.Run(name, func(t *testing.T) {
			for _, buffer := range []int64{0, 1 << 10} {
				srv, n := cutServer(t, h2)
				tr := srv.Client().Transport.(*http.Transport)
				defer tr.CloseIdleConnections()
				rt, err := NewTransport(tr, Config{Policy: Policy{Backoff: fastBackoff}, BufferResponse: buffer})
				if err != nil {
					t.Fatal(err)
				}
				resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case buffer == 0 && (err == nil || n.Load() != 1):
					t.Errorf("without BufferResponse: %d requests, read error %v; want the cut body to reach the caller", n.Load(), err)
				case buffer > 0 && (err != nil || !bytes.Equal(body, bytes.Repeat([]byte("b"), 100)) || n.Load() != 2):
					t.Errorf("with BufferResponse: %d requests, %q, %v; want a retry and the whole body", n.Load(), body, err)
				}
			}
		})
	}
}

func TestBufferResponseStreamsALongBody(t *testing.T) {
	long := strings.Repeat("x", 5000)
	f := &fakeTransport{steps: []step{{status: 200, body: long}}}
	rt, _ := NewTransport(f, Config{BufferResponse: 100})
	resp, err := rt.RoundTrip(mustRequest("GET", "http://example.test/"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != long || !f.open[0].closed.Load() {
		t.Fatalf("read %d bytes, body closed %v; want all 5000 and closed", len(body), f.open[0].closed.Load())
	}
	if _, err := NewTransport(nil, Config{BufferResponse: -1}); err == nil || !strings.Contains(err.Error(), "BufferResponse -1") {
		t.Fatalf("negative BufferResponse: %v", err)
	}
}
