package faults

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"time"
)

// statusWriter counts the status code next answers with as it goes
// out, so the count is there before the client sees the response. It
// unwraps for http.ResponseController, so next can still flush or
// hijack.
type statusWriter struct {
	http.ResponseWriter
	c    *counters
	sent bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.sent && code >= 200 {
		w.sent = true
		w.c.response(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if !w.sent {
		w.sent = true
		w.c.response(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Flush lets handlers that type-assert http.Flusher flush.
func (w *statusWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Hijack lets handlers that type-assert http.Hijacker take the
// connection; nothing is counted for a hijacked response.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.sent = true
	}
	return conn, rw, err
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// done counts the 200 that net/http sends when next wrote nothing.
func (w *statusWriter) done() {
	if !w.sent {
		w.sent = true
		w.c.response(http.StatusOK)
	}
}

// trickleWriter sends the header at once and the body a piece at a
// time, waiting before each piece.
type trickleWriter struct {
	statusWriter
	ctx   context.Context
	piece int
	every time.Duration
}

func (w *trickleWriter) WriteHeader(code int) {
	w.statusWriter.WriteHeader(code)
	w.Flush()
}

func (w *trickleWriter) Write(p []byte) (int, error) {
	if !w.sent {
		w.WriteHeader(http.StatusOK)
	}
	n := 0
	for len(p) > 0 {
		if err := sleep(w.ctx, w.every); err != nil {
			return n, err
		}
		m, err := w.statusWriter.Write(p[:min(len(p), w.piece)])
		n += m
		if err != nil {
			return n, err
		}
		w.Flush()
		p = p[m:]
	}
	return n, nil
}

// recorder catches a response in memory, or throws its body away.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
	keep   bool
}

func newRecorder(keep bool) *recorder {
	return &recorder{header: http.Header{}, keep: keep}
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 && code >= 200 {
		r.code = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	if r.keep {
		return r.body.Write(p)
	}
	return len(p), nil
}

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}
