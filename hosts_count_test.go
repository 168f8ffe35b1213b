package rebound

import (
	"fmt"
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

// A sweep that forgets a host between find and remember leaves no trace
// in the last-host cache: the next call to that host gets the guards the
// table holds, not the forgotten ones.
func TestLastHostNeverKeepsForgottenGuards(t *testing.T) {
	tr, err := NewTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	}), Config{Breaker: &breaker.Settings{}, MaxHosts: 4})
	if err != nil {
		t.Fatal(err)
	}
	h := tr.hosts
	hot := h.find("hot.test")
	hot.used.Store(false)
	for i := range 4 { // the fourth passes MaxHosts: the sweep forgets hot.test, the one not called since
		h.find(fmt.Sprintf("h%d.test", i))
	}
	if _, ok := h.hosts.Load("hot.test"); ok {
		t.Fatal("the sweeps kept hot.test; the test needs it forgotten")
	}
	h.remember("hot.test", hot) // the store that comes after the sweep
	if g := h.last.Load(); g == hot {
		t.Fatal("the last-host cache keeps guards the table forgot")
	}
	req, _ := http.NewRequest("GET", "http://hot.test/", nil)
	if g := h.get(req); g == hot {
		t.Fatal("a call to hot.test got the forgotten guards")
	}
}
