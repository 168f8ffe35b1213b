package lab

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// attemptsKey carries a call's attempt counter in its context.
type attemptsKey struct{}

// withAttemptCounter returns a context whose requests, sent through an
// attemptNumbers transport, are numbered 1, 2, 3… in AttemptHeader.
func withAttemptCounter(ctx context.Context) context.Context {
	return context.WithValue(ctx, attemptsKey{}, new(atomic.Int32))
}

// attemptNumbers is a RoundTripper for under a retrying one: it marks
// each attempt of a call with the attempt's number, counted in the
// call's context, so the fault server can tell attempts apart. Attempts
// sent at once (hedges) get distinct numbers.
type attemptNumbers struct{ next http.RoundTripper }

func (t attemptNumbers) RoundTrip(req *http.Request) (*http.Response, error) {
	n, ok := req.Context().Value(attemptsKey{}).(*atomic.Int32)
	if !ok {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context()) // a RoundTripper must not change its request
	r.Header.Set(AttemptHeader, strconv.Itoa(int(n.Add(1))))
	return t.next.RoundTrip(r)
}

// CloseIdleConnections forwards to the wrapped transport.
func (t attemptNumbers) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// sendOnce is a RoundTripper for under every client of the lab: it turns
// off net/http's own resend of a request that failed on a reused
// connection before any answer. In the lab a fault belongs to an attempt
// (the schedule is keyed on it), so a resend would meet the same reset
// again, on each idle connection in turn, closing them all: the server
// would count the client's idle pool, not its attempts. With it, every
// attempt a client makes is one request to the server.
//
// net/http resends only a request it can replay (Request.isReplayable):
// one whose Body is nil or has GetBody. sendOnce gives each request an
// empty Body without GetBody, which net/http reads before sending a GET
// and then sends as no body at all.
type sendOnce struct{ next http.RoundTripper }

func (t sendOnce) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context()) // a RoundTripper must not change its request
	r.Body, r.GetBody, r.ContentLength = io.NopCloser(strings.NewReader("")), nil, 0
	return t.next.RoundTrip(r)
}

// CloseIdleConnections forwards to the wrapped transport.
func (t sendOnce) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
