package faults

import (
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Transport returns an http.RoundTripper that meets each request with
// the injector's scenario and sends the rest through next (nil means
// http.DefaultTransport).
//
// Client side, a Status fault returns a made-up response without a
// round trip; a Reset returns an error that errors.Is reports as
// syscall.ECONNRESET; a Truncate ends the body with io.ErrUnexpectedEOF
// after Fault.Bytes bytes; a Hang waits for the request's context and
// returns its error; a Trickle hands out the body at most Fault.Bytes per
// Read, each Read that returns data waiting Fault.Interval. The transport honours the RoundTripper contract: it
// closes the request body when it does not send it and never changes the
// request. It forwards CloseIdleConnections to next.
func (in *Injector) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{in: in, next: next}
}

type transport struct {
	in   *Injector
	next http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := &t.in.c
	ctx := req.Context()
	delay, f, outage := t.in.begin(req.Header)
	if delay > 0 {
		c.delayed.Add(1)
		if err := sleep(ctx, delay); err != nil {
			closeBody(req)
			return nil, err
		}
	}
	if f == nil {
		return t.send(req)
	}
	switch f.Kind {
	case Reset:
		t.lose(req, f.Forward)
		c.applied(f, outage)
		return nil, resetError()
	case Hang:
		t.lose(req, f.Forward)
		c.applied(f, outage)
		<-ctx.Done()
		return nil, ctx.Err()
	case Truncate, Trickle:
		resp, err := t.send(req)
		if err != nil {
			return nil, err
		}
		c.applied(f, outage)
		if f.Kind == Truncate {
			resp.Body = &cutBody{body: resp.Body, left: f.Bytes}
		} else {
			resp.Body = &trickleBody{body: resp.Body, ctx: ctx, piece: max(f.Bytes, 1), every: f.Interval}
		}
		return resp, nil
	default: // Status
		t.lose(req, f.Forward)
		c.applied(f, outage)
		c.response(f.code())
		return statusResponse(req, f), nil
	}
}

// CloseIdleConnections closes the idle connections of the wrapped
// transport, if it has any.
func (t *transport) CloseIdleConnections() {
	if ci, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// send passes the request on and counts the response.
func (t *transport) send(req *http.Request) (*http.Response, error) {
	t.in.c.forwarded.Add(1)
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	t.in.c.response(resp.StatusCode)
	return resp, nil
}

// lose either passes the request on and throws the answer away (when
// forward asks for it) or closes the request body unsent.
func (t *transport) lose(req *http.Request, forward bool) {
	if !forward {
		closeBody(req)
		return
	}
	t.in.c.forwarded.Add(1)
	if resp, err := t.next.RoundTrip(req); err == nil {
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		_ = resp.Body.Close()
	}
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// statusResponse makes up the response of a Status fault.
func statusResponse(req *http.Request, f *Fault) *http.Response {
	code := f.code()
	body := statusBody(code)
	hdr := http.Header{
		"Content-Type":   {"text/plain; charset=utf-8"},
		"Content-Length": {strconv.Itoa(len(body))},
	}
	if f.RetryAfter > 0 {
		hdr["Retry-After"] = []string{retryAfter(f)}
	}
	var rc io.ReadCloser = io.NopCloser(strings.NewReader(body))
	if req.Method == http.MethodHead {
		rc = http.NoBody
	}
	return &http.Response{
		Status:        strconv.Itoa(code) + " " + http.StatusText(code),
		StatusCode:    code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        hdr,
		Body:          rc,
		ContentLength: int64(len(body)),
		Request:       req,
	}
}
