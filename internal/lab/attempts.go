package lab

import (
	"context"
	"net/http"
	"strconv"
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
