package rebound

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/hedge"
)

// memTransport answers every request at once from memory, so a benchmark
// over it measures the client stack alone.
type memTransport struct{}

func (memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("0123456789abcdef0123456789abcdef")), ContentLength: 32, Request: req}, nil
}

// The happy path: raw and rebound side by side in one run, over memory and
// over loopback, plain, with the recommended guards (budget and breaker)
// and hedged (a delay the first copy always beats). Compare ns/op and
// allocs/op of each with raw.
func BenchmarkHappyPath(b *testing.B) {
	payload := bytes.Repeat([]byte("p"), 1024)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "0123456789abcdef0123456789abcdef")
	}))
	defer srv.Close()
	loop := pooledTransport(0)
	defer loop.CloseIdleConnections()
	wrap := func(next http.RoundTripper, cfg Config) http.RoundTripper {
		rt, err := NewTransport(next, cfg)
		if err != nil {
			b.Fatal(err)
		}
		return rt
	}
	guarded := Config{Budget: AdaptiveBudget, Breaker: &breaker.Settings{}}
	hedged := Config{Hedge: &hedge.Settings{Delay: time.Second}}
	for _, inner := range []struct {
		name string
		rt   http.RoundTripper
		url  string
	}{{"mem", memTransport{}, "http://example.test/"}, {"loopback", loop, srv.URL}} {
		for _, client := range []struct {
			name string
			rt   http.RoundTripper
		}{{"raw", inner.rt}, {"rebound", wrap(inner.rt, Config{})},
			{"rebound+budget+breaker", wrap(inner.rt, guarded)}, {"rebound+hedge", wrap(inner.rt, hedged)}} {
			c := &http.Client{Transport: client.rt}
			b.Run(inner.name+"/GET/"+client.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					resp, err := c.Get(inner.url)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
			b.Run(inner.name+"/POST/"+client.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					resp, err := c.Post(inner.url, "application/octet-stream", bytes.NewReader(payload))
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
	}
}

// The transport alone, without http.Client around it.
func BenchmarkRoundTripMem(b *testing.B) {
	rt, _ := NewTransport(memTransport{}, Config{})
	req, _ := http.NewRequest("GET", "http://example.test/", nil)
	b.ReportAllocs()
	for b.Loop() {
		resp, _ := rt.RoundTrip(req)
		resp.Body.Close()
	}
}

func TestHappyPathAddsNoAllocation(t *testing.T) {
	for _, cfg := range []Config{{}, {Budget: AdaptiveBudget, Breaker: &breaker.Settings{}}} {
		rt, _ := NewTransport(memTransport{}, cfg)
		happyPathAllocs(t, rt)
	}
}

func happyPathAllocs(t *testing.T, rt http.RoundTripper) {
	for _, method := range []string{"GET", "POST"} {
		payload := []byte("payload")
		measure := func(r http.RoundTripper) float64 {
			return testing.AllocsPerRun(200, func() {
				var body io.Reader
				if method == "POST" {
					body = bytes.NewReader(payload)
				}
				req, _ := http.NewRequest(method, "http://example.test/", body)
				resp, _ := r.RoundTrip(req)
				resp.Body.Close()
			})
		}
		raw, reb := measure(memTransport{}), measure(rt)
		if reb > raw {
			t.Errorf("%s: rebound %v allocs per call, raw %v", method, reb, raw)
		}
	}
}

// fixedRT answers with one prepared response, at no cost.
type fixedRT struct{ resp *http.Response }

func (f fixedRT) RoundTrip(*http.Request) (*http.Response, error) { return f.resp, nil }

// rebound's own cost on the success path: a RoundTrip over an inner one
// that costs nothing, beside that inner one called directly.
func BenchmarkOwnCost(b *testing.B) {
	resp := &http.Response{StatusCode: 200, Body: http.NoBody}
	rt, _ := NewTransport(fixedRT{resp}, Config{})
	req, _ := http.NewRequest("GET", "http://example.test/", nil)
	b.Run("raw", func(b *testing.B) {
		var r http.RoundTripper = fixedRT{resp}
		for b.Loop() {
			r.RoundTrip(req)
		}
	})
	b.Run("rebound", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rt.RoundTrip(req)
		}
	})
}
