package faults_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// TestTransportKinds runs every kind through the RoundTripper wrapper
// in front of a real transport and a loopback httptest.Server.
func TestTransportKinds(t *testing.T) {
	for _, tc := range kindCases {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			next := &hello{}
			srv := httptest.NewServer(next)
			defer srv.Close()
			base := &http.Transport{}
			defer base.CloseIdleConnections()
			in := mustNew(t, tc.s)
			client := &http.Client{Transport: in.Transport(base)}
			o := fetch(t, client, srv.URL, tc.timeout)
			o.stats, o.served, o.client = in.Stats(), next.served(), true
			tc.check(t, o)
		})
	}
}

func TestTransportResetError(t *testing.T) {
	in := mustNew(t, one(faults.Fault{Kind: faults.Reset}))
	body := &closeRecorder{Reader: strings.NewReader("payload")}
	req, _ := http.NewRequest(http.MethodPost, "http://example.invalid/", body)
	resp, err := in.Transport(failingTransport{}).RoundTrip(req)
	if resp != nil {
		t.Fatalf("got a response with a reset")
	}
	var opErr *net.OpError
	if !errors.Is(err, syscall.ECONNRESET) || !errors.As(err, &opErr) {
		t.Errorf("err = %v, want a *net.OpError wrapping ECONNRESET", err)
	}
	if !body.closed {
		t.Error("the request body was not closed")
	}
}

func TestTransportStatusResponse(t *testing.T) {
	in := mustNew(t, one(faults.Fault{Status: 429, RetryAfter: time.Second}))
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequest(method, "http://example.invalid/", nil)
		resp, err := in.Transport(failingTransport{}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		want := "429 Too Many Requests (injected by faults)\n"
		if method == http.MethodHead {
			want = ""
		}
		if resp.StatusCode != 429 || resp.Status != "429 Too Many Requests" || resp.Request != req ||
			resp.Header.Get("Retry-After") != "1" || string(body) != want || resp.ProtoMajor != 1 {
			t.Errorf("%s: response %+v, body %q", method, resp, body)
		}
	}
}

func TestTransportForwardsCloseIdleConnections(t *testing.T) {
	next := &idleCloser{}
	rt := new(faults.Injector).Transport(next)
	(&http.Client{Transport: rt}).CloseIdleConnections()
	if !next.closed {
		t.Error("CloseIdleConnections was not forwarded")
	}
}

func TestTransportNilIsDefault(t *testing.T) {
	checkLeaks(t)
	srv := httptest.NewServer(&hello{})
	defer srv.Close()
	defer http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	_, body, err := get(t.Context(), &http.Client{Transport: new(faults.Injector).Transport(nil)}, srv.URL)
	if err != nil || body != helloBody {
		t.Errorf("got %q, %v", body, err)
	}
}

func TestTransportPassesErrorsThrough(t *testing.T) {
	in := mustNew(t, one(faults.Fault{Kind: faults.Truncate, Bytes: 1}))
	req, _ := http.NewRequest(http.MethodGet, "http://example.invalid/", nil)
	if _, err := in.Transport(failingTransport{}).RoundTrip(req); !errors.Is(err, errRefused) {
		t.Errorf("err = %v, want the next transport's", err)
	}
	if st := in.Stats(); st.Forwarded != 1 || st.Truncated != 0 {
		t.Errorf("a fault that found nothing to cut was counted: %+v", st)
	}
}

// TestTransportTiming checks the schedule of delays, hangs and trickles
// exactly, in a synctest bubble over an in-memory next transport.
func TestTransportTiming(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name    string
		s       faults.Scenario
		timeout time.Duration
		want    time.Duration
		wantErr error
	}{
		{"fixed latency", faults.Scenario{Latency: []faults.Latency{{Rate: 1, Min: 7 * ms}}}, 0, 7 * ms, nil},
		{"latency rules add", faults.Scenario{Latency: []faults.Latency{{Rate: 1, Min: 7 * ms}, {Rate: 1, Min: 5 * ms}}}, 0, 12 * ms, nil},
		{"latency past the deadline", faults.Scenario{Latency: []faults.Latency{{Rate: 1, Min: time.Second}}}, 30 * ms, 30 * ms, context.DeadlineExceeded},
		{"hang", one(faults.Fault{Kind: faults.Hang}), 250 * ms, 250 * ms, context.DeadlineExceeded},
		{"trickle", one(faults.Fault{Kind: faults.Trickle, Bytes: 4, Interval: 10 * ms}), 0, 40 * ms, nil}, // 13 bytes: 4 pieces
		{"trickle past the deadline", one(faults.Fault{Kind: faults.Trickle, Bytes: 1, Interval: 10 * ms}), 55 * ms, 55 * ms, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				in := mustNew(t, tc.s)
				client := &http.Client{Transport: in.Transport(memTransport{}), Timeout: tc.timeout}
				start := time.Now()
				_, body, err := get(t.Context(), client, "http://mem.test/")
				if elapsed := time.Since(start); elapsed != tc.want {
					t.Errorf("took %v, want %v", elapsed, tc.want)
				}
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("err = %v, want %v", err, tc.wantErr)
				}
				if tc.wantErr == nil && body != helloBody {
					t.Errorf("body = %q", body)
				}
			})
		})
	}
}

func TestTransportUniformLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := faults.Scenario{Seed: 3, Latency: []faults.Latency{{Rate: 1, Min: 10 * time.Millisecond, Max: 20 * time.Millisecond}}}
		in := mustNew(t, s)
		client := &http.Client{Transport: in.Transport(memTransport{})}
		for key := range uint64(50) {
			start := time.Now()
			if _, _, err := get(t.Context(), client, "http://mem.test/"); err != nil {
				t.Fatal(err)
			}
			if got, want := time.Since(start), s.Plan(key, 0).Delay; got != want {
				t.Fatalf("request %d took %v, want %v as planned", key, got, want)
			}
		}
	})
}

func TestTransportOutageWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustNew(t, faults.Scenario{Outages: []faults.Outage{{Start: time.Second, End: 3 * time.Second}}})
		client := &http.Client{Transport: in.Transport(memTransport{})}
		var got []int
		for range 5 {
			resp, _, err := get(t.Context(), client, "http://mem.test/")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, resp.StatusCode)
			time.Sleep(time.Second) // fake time: walks the clock through the window
		}
		want := []int{200, 503, 503, 200, 200} // at 0s, 1s, 2s, 3s, 4s
		if !equalInts(got, want) {
			t.Errorf("statuses %v, want %v", got, want)
		}
		if st := in.Stats(); st.InOutage != 2 || st.Statuses != 2 {
			t.Errorf("Stats = %+v, want 2 requests in the outage", st)
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// memTransport answers every request with helloBody, in memory.
type memTransport struct{}

func (memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode:    200,
		Status:        "200 OK",
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"text/plain"}},
		Body:          io.NopCloser(strings.NewReader(helloBody)),
		ContentLength: int64(len(helloBody)),
		Request:       req,
	}, nil
}

var errRefused = errors.New("connection refused (test)")

// failingTransport fails every request, as a dial that is refused does.
type failingTransport struct{}

func (failingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return nil, errRefused
}

type idleCloser struct {
	failingTransport
	closed bool
}

func (c *idleCloser) CloseIdleConnections() { c.closed = true }

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error {
	c.closed = true
	return nil
}
