package rebound

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// drainTime bounds the drain of a discarded response in time, as MaxDrain
// bounds it in bytes: a body that trickles is not worth its connection.
const drainTime = 100 * time.Millisecond

// discard drains up to limit bytes of a response the caller will never
// see, for at most drainTime, so its connection can go back to the pool,
// then closes it. A longer or slower body is cut off: closing it costs one
// connection, reading it could cost more. The cut closes the body while
// the drain reads it, which net/http's bodies allow; a body of another
// RoundTripper must allow it too.
func discard(resp *http.Response, limit int64) {
	if limit > 0 {
		cut := time.AfterFunc(drainTime, func() { resp.Body.Close() })
		io.CopyN(io.Discard, resp.Body, limit)
		cut.Stop()
	}
	resp.Body.Close()
}

// bufferBody reads up to limit bytes of resp's body inside the attempt,
// so that a body cut short is the attempt's error, retried like any
// other, rather than the caller's. A body that ends within the limit is
// closed and served from memory; a longer one is served from memory, then
// from the connection. On an error the body is closed.
func bufferBody(resp *http.Response, limit int64) error {
	buf, err := readUpTo(resp.Body, oneMore(limit), resp.ContentLength)
	if err != nil {
		resp.Body.Close()
		return fmt.Errorf("rebound: reading the response body: %w", err)
	}
	if int64(len(buf)) <= limit {
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(buf))
		return nil
	}
	resp.Body = &prefixedBody{Reader: io.MultiReader(bytes.NewReader(buf), resp.Body), Closer: resp.Body}
	return nil
}

// prefixedBody is a response body whose first bytes were read ahead.
type prefixedBody struct {
	io.Reader
	io.Closer
}

// hold makes a response safe to keep through the wait before a retry, in
// case the retry is refused and the response is the call's answer after
// all: its body is read into memory (up to limit bytes, for at most
// drainTime) so that its connection goes back to the pool meanwhile, and
// the caller would still read it whole. A longer body keeps its
// connection, the part read served first. A body too slow to read in
// time is cut, as discard cuts it: hold then returns nil, and the
// response is gone.
func hold(resp *http.Response, limit int64) *http.Response {
	if limit <= 0 {
		return resp
	}
	var cut atomic.Bool
	body := resp.Body
	timer := time.AfterFunc(drainTime, func() { cut.Store(true); body.Close() })
	buf, err := readUpTo(body, oneMore(limit), resp.ContentLength)
	timer.Stop()
	switch {
	case cut.Load() || err != nil:
		resp.Body.Close()
		return nil
	case int64(len(buf)) <= limit:
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(buf))
	default:
		resp.Body = &prefixedBody{Reader: io.MultiReader(bytes.NewReader(buf), resp.Body), Closer: resp.Body}
	}
	return resp
}
