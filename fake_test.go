package rebound

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// step is one scripted answer of a fakeTransport: a status (with headers
// and body) or an error.
type step struct {
	status int
	header http.Header
	body   string
	err    error
}

func status(code int) step { return step{status: code, body: http.StatusText(code)} }

func retryAfter(code int, v string) step {
	return step{status: code, header: http.Header{"Retry-After": {v}}}
}

// fakeTransport answers from a script and records what it was sent. After
// the script ends it repeats the last step.
type fakeTransport struct {
	mu     sync.Mutex
	steps  []step
	calls  int
	times  []time.Time // when each attempt arrived
	bodies []string    // request body each attempt carried
	open   []*trackedRespBody
	onCall func(n int) // called before answering attempt n (from 1)
}

func (f *fakeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body string
	f.mu.Lock()
	next := f.steps[min(f.calls+1, len(f.steps))-1]
	f.mu.Unlock()
	if req.Body != nil && next.err == dialRefused {
		req.Body.Close() // a refused dial sends nothing
	} else if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = string(b)
	}
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.times = append(f.times, time.Now())
	f.bodies = append(f.bodies, body)
	s := f.steps[min(n, len(f.steps))-1]
	onCall := f.onCall
	f.mu.Unlock()
	if onCall != nil {
		onCall(n)
	}
	if s.err != nil {
		return nil, s.err
	}
	rb := &trackedRespBody{r: strings.NewReader(s.body)}
	f.mu.Lock()
	f.open = append(f.open, rb)
	f.mu.Unlock()
	h := s.header
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{StatusCode: s.status, Header: h, Body: rb, Request: req, ContentLength: int64(len(s.body))}, nil
}

func (f *fakeTransport) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// checkDiscarded fails unless every response but the last was read to the
// end and closed: the connection hygiene rebound promises.
func (f *fakeTransport) checkDiscarded(t *testing.T, lastHandedOver bool) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, b := range f.open {
		if lastHandedOver && i == len(f.open)-1 {
			if b.closed.Load() || b.read.Load() > 0 {
				t.Errorf("response %d was handed to the caller already read or closed", i+1)
			}
			continue
		}
		if !b.closed.Load() {
			t.Errorf("discarded response %d was not closed", i+1)
		}
		if !b.eof.Load() {
			t.Errorf("discarded response %d was not drained", i+1)
		}
	}
}

type trackedRespBody struct {
	r      io.Reader
	read   atomic.Int64
	eof    atomic.Bool
	closed atomic.Bool
}

func (b *trackedRespBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read.Add(int64(n))
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}

func (b *trackedRespBody) Close() error { b.closed.Store(true); return nil }

// timeoutErr is a network timeout as net reports one.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var errAny = errors.New("some failure")

// fixedRand pins jitter so schedules are exact.
func fixedRand(u float64) func() float64 { return func() float64 { return u } }

func itoa(i int) string { return strconv.Itoa(i) }

var _ = context.Background
