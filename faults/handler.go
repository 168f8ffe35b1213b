package faults

import (
	"io"
	"maps"
	"net/http"
	"strconv"
)

// Handler returns an http.Handler that meets each request with the
// injector's scenario and serves the rest with next (nil means
// http.DefaultServeMux, as for http.Server).
//
// Server side, a Status fault writes a short text/plain answer; a Reset
// hijacks the connection and closes it with SO_LINGER 0, so the client
// reads a TCP reset; a Truncate serves next into a buffer, declares the
// full Content-Length, sends Fault.Bytes of the body and closes the
// connection; a Hang reads the request body and waits for the request's
// context, which ends when the client goes away or the server closes; a
// Trickle sends next's header at once and its body Fault.Bytes at a
// time, waiting Fault.Interval before each piece. The ResponseWriter
// next gets unwraps for http.ResponseController and also implements
// http.Flusher and http.Hijacker.
func (in *Injector) Handler(next http.Handler) http.Handler {
	if next == nil {
		next = http.DefaultServeMux
	}
	return &handler{in: in, next: next}
}

type handler struct {
	in   *Injector
	next http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &h.in.c
	delay, f, outage := h.in.begin(r.Header)
	if delay > 0 {
		c.delayed.Add(1)
		if sleep(r.Context(), delay) != nil {
			return // the client is gone, or the server is closing
		}
	}
	if f == nil {
		sw := &statusWriter{ResponseWriter: w, c: c}
		h.serve(sw, r)
		sw.done()
		return
	}
	c.applied(f, outage)
	switch f.Kind {
	case Status:
		h.lose(r, f.Forward)
		c.response(f.code())
		writeStatus(w, f)
	case Reset:
		h.lose(r, f.Forward)
		abort(w, true)
	case Hang:
		h.lose(r, f.Forward)
		_, _ = io.Copy(io.Discard, r.Body) // so the server notices when the client leaves
		<-r.Context().Done()
	case Truncate:
		rec := newRecorder(true)
		h.serve(rec, r)
		c.response(rec.status())
		writeCut(w, rec, f.Bytes)
		abort(w, false)
	case Trickle:
		tw := &trickleWriter{
			statusWriter: statusWriter{ResponseWriter: w, c: c},
			ctx:          r.Context(),
			piece:        max(f.Bytes, 1),
			every:        f.Interval,
		}
		h.serve(tw, r)
		tw.done()
	}
}

// serve passes the request on to next.
func (h *handler) serve(w http.ResponseWriter, r *http.Request) {
	h.in.c.forwarded.Add(1)
	h.next.ServeHTTP(w, r)
}

// lose passes the request on and throws the answer away, when forward
// asks for it.
func (h *handler) lose(r *http.Request, forward bool) {
	if forward {
		h.serve(newRecorder(false), r)
	}
}

// writeStatus answers with f's status code.
func writeStatus(w http.ResponseWriter, f *Fault) {
	code := f.code()
	body := statusBody(code)
	hdr := w.Header()
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	if f.RetryAfter > 0 {
		hdr.Set("Retry-After", retryAfter(f))
	}
	w.WriteHeader(code)
	_, _ = io.WriteString(w, body)
}

// writeCut sends rec's response with its full length declared but only
// n bytes of its body, at least one byte short.
func writeCut(w http.ResponseWriter, rec *recorder, n int) {
	body := rec.body.Bytes()
	sent := min(n, len(body))
	hdr := w.Header()
	maps.Copy(hdr, rec.header)
	hdr.Del("Transfer-Encoding")
	hdr.Set("Content-Length", strconv.Itoa(max(len(body), sent+1)))
	w.WriteHeader(rec.status())
	_, _ = w.Write(body[:sent])
	_ = http.NewResponseController(w).Flush()
}
