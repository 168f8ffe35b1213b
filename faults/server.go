package faults

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
)

// Server is an HTTP server, like httptest.Server, that serves a handler
// through an Injector and counts the connections it accepts in the
// injector's Stats, so a test can compare the connections its client
// opened with those the server saw. Start one with NewServer and close
// it when done. A Server is safe for concurrent use.
type Server struct {
	// URL is the base URL of the server, such as
	// "http://127.0.0.1:41234", with no trailing slash.
	URL string

	in   *Injector
	srv  *http.Server
	wg   sync.WaitGroup // Serve, every connection and every handler
	once sync.Once
}

// NewServer starts a Server that serves next through in, on ln, which the
// Server owns and closes: a fixed address, a TLS or an in-memory listener.
// A nil ln means a new loopback port (127.0.0.1, or [::1] when IPv4 has
// none); the error is the failure to listen on it. A nil in injects
// nothing (the zero Injector); pass new(Injector) to read its counts. A
// nil next answers every request that gets past the faults with 200 and
// the body "ok", as the `rebound faults` command does.
func NewServer(ln net.Listener, in *Injector, next http.Handler) (*Server, error) {
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			var err6 error
			if ln, err6 = net.Listen("tcp6", "[::1]:0"); err6 != nil {
				return nil, fmt.Errorf("faults: listen on loopback: %w", err)
			}
		}
	}
	if in == nil {
		in = new(Injector)
	}
	if next == nil {
		next = okHandler
	}
	s := &Server{URL: "http://" + ln.Addr().String(), in: in}
	h := in.Handler(next)
	s.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.wg.Add(1) // the connection's count is held, so this never races Wait
			defer s.wg.Done()
			h.ServeHTTP(w, r)
		}),
		ConnState: s.connState,
	}
	s.wg.Go(func() { _ = s.srv.Serve(ln) })
	return s, nil
}

// okHandler answers 200 "ok": a Server's handler when none is given.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok")
})

func (s *Server) connState(_ net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		s.in.c.conns.Add(1)
		s.wg.Add(1)
	case http.StateHijacked, http.StateClosed:
		s.wg.Done()
	}
}

// Close stops the server, drops every connection, hanging ones
// included, and waits until every handler has returned. A handler that
// hijacked its connection must return on its own.
func (s *Server) Close() {
	s.once.Do(func() { _ = s.srv.Close() })
	s.wg.Wait()
}
