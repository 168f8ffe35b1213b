package rebound

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rebound-go/rebound/breaker"
)

// Hosts starts the count of attempts in flight: before it, nobody pays
// for the count; after it, an attempt waiting on the server counts until
// its answer comes.
func TestInFlightCountedFromFirstHosts(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		started <- struct{}{}
		<-release
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("ok")), Request: r}, nil
	})
	tr, err := NewTransport(rt, Config{Breaker: &breaker.Settings{}})
	if err != nil {
		t.Fatal(err)
	}
	call := func() chan error {
		done := make(chan error, 1)
		go func() {
			req, _ := http.NewRequest("GET", "http://a.test/", nil)
			resp, err := tr.RoundTrip(req)
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
		<-started
		return done
	}
	done := call()
	if h := tr.Hosts(); len(h) != 1 || h[0].InFlight != 0 {
		t.Fatalf("Hosts() = %+v; want a.test with nothing counted: the attempt began before the count", h)
	}
	release <- struct{}{}
	<-done
	done = call()
	if h := tr.Hosts(); len(h) != 1 || h[0].InFlight != 1 {
		t.Fatalf("Hosts() = %+v; want a.test with 1 attempt in flight", h)
	}
	release <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if h := tr.Hosts(); h[0].InFlight != 0 {
		t.Fatalf("InFlight %d after the answer, want 0", h[0].InFlight)
	}
}
