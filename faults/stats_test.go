package faults_test

import (
	"context"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// busy mixes every kind of fault with short real durations.
var busy = faults.Scenario{
	Seed: 99,
	Faults: []faults.Fault{
		{Kind: faults.Status, Rate: 0.2, Status: 503},
		{Kind: faults.Status, Rate: 0.1, Status: 429, RetryAfter: time.Second},
		{Kind: faults.Reset, Rate: 0.1},
		{Kind: faults.Truncate, Rate: 0.1, Bytes: 2},
		{Kind: faults.Trickle, Rate: 0.05, Bytes: 4, Interval: time.Millisecond},
		{Kind: faults.Hang, Rate: 0.02},
	},
	Latency: []faults.Latency{{Rate: 0.5, Max: time.Millisecond}},
}

// clientView is what a client saw of many requests.
type clientView struct {
	mu       sync.Mutex
	requests int64
	codes    map[int]int64
	failed   int64 // no response at all: resets and hangs
	cut      int64 // a response whose body ended early
	dialed   int64 // connections opened
}

// do sends one POST (which net/http never retries on its own) and notes
// what came back; the client gives up after patience.
func (v *clientView) do(ctx context.Context, client *http.Client, url string, patience time.Duration) {
	trace := &httptrace.ClientTrace{ConnectDone: func(_, _ string, err error) {
		if err == nil {
			v.mu.Lock()
			v.dialed++
			v.mu.Unlock()
		}
	}}
	ctx, cancel := context.WithTimeout(httptrace.WithClientTrace(ctx, trace), patience)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("payload"))
	req.GetBody = nil
	resp, err := client.Do(req)
	var readErr error
	if err == nil {
		_, readErr = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.requests++
	switch {
	case err != nil:
		v.failed++
	case errors.Is(readErr, io.ErrUnexpectedEOF):
		v.cut++
		fallthrough
	default:
		if v.codes == nil {
			v.codes = map[int]int64{}
		}
		v.codes[resp.StatusCode]++
	}
}

// compare checks the server's counters against the client's view.
func (v *clientView) compare(t *testing.T, st faults.Stats, countDials bool) {
	t.Helper()
	if st.Requests != v.requests || st.Resets+st.Hangs != v.failed || st.Truncated != v.cut ||
		!maps.Equal(st.Responses, v.codes) || (countDials && st.Connections != v.dialed) {
		t.Errorf("server %+v\nclient: %d requests, %d failed, %d cut, %v, %d connections",
			st, v.requests, v.failed, v.cut, v.codes, v.dialed)
	}
	if st.Statuses != v.codes[503]+v.codes[429] || st.Forwarded != st.Requests-st.Statuses-st.Resets-st.Hangs {
		t.Errorf("server counters disagree with one another: %+v", st)
	}
	if st.Resets == 0 || st.Truncated == 0 || st.Hangs == 0 || st.Trickled == 0 || st.Delayed == 0 {
		t.Errorf("some fault never struck: %+v", st)
	}
}

// TestCountersMatch sends requests one after another over real loopback
// connections and compares both sides' counts.
func TestCountersMatch(t *testing.T) {
	checkLeaks(t)
	srv, client := loopback(t, busy, &hello{})
	var v clientView
	for i := range 300 {
		patience := 10 * time.Second // real time: only an upper bound for failure
		if p := busy.Plan(uint64(i), 0); p.Fault != nil && p.Fault.Kind == faults.Hang {
			patience = 20 * time.Millisecond
		}
		v.do(t.Context(), client, srv.URL, patience)
	}
	client.CloseIdleConnections()
	srv.Close() // every handler has returned: the counts are final
	v.compare(t, srv.Stats(), true)
}

// TestCountersMatchConcurrent does the same from many goroutines, over
// in-memory connections in a synctest bubble.
func TestCountersMatchConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, client := inMemory(t, busy, &hello{})
		var v clientView
		tr := client.Transport.(*http.Transport)
		dial := tr.DialContext // httptrace sees only net.Dialer's dials; count these here
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err == nil {
				v.mu.Lock()
				v.dialed++
				v.mu.Unlock()
			}
			return c, err
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 50 {
					v.do(t.Context(), client, srv.URL, 20*time.Millisecond)
				}
			})
		}
		wg.Wait()
		client.CloseIdleConnections()
		srv.Close()
		v.compare(t, srv.Stats(), true)
	})
}

// TestCountersMatchTransport compares the client-side injector's counts
// with what its caller saw.
func TestCountersMatchTransport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustNew(t, busy)
		client := &http.Client{Transport: in.Transport(memTransport{})}
		var v clientView
		for range 300 {
			v.do(t.Context(), client, "http://mem.test/", 20*time.Millisecond)
		}
		v.compare(t, in.Stats(), false)
	})
}
