package main

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// faultServer is the one server every process of a run calls. On /outage
// it answers 503 between outageFrom and outageTo and 200 otherwise; on
// /quota it allows quota requests in each second of the clock (a fixed
// window, as many APIs count) for the one credential and answers 429
// beyond, with X-RateLimit-Limit, -Remaining and -Reset and, on a 429,
// Retry-After. It counts what it received.
type faultServer struct {
	outageFrom, outageTo time.Time
	quota                int

	requests, inOutage, failedInOutage atomic.Int64
	ok, tooMany                        atomic.Int64

	mu     sync.Mutex
	window time.Time // the current second
	used   int       // requests allowed in it
}

func (s *faultServer) reset(outageFrom, outageTo time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outageFrom, s.outageTo = outageFrom, outageTo
	s.window, s.used = time.Time{}, 0
	for _, c := range []*atomic.Int64{&s.requests, &s.inOutage, &s.failedInOutage, &s.ok, &s.tooMany} {
		c.Store(0)
	}
}

func (s *faultServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	now := time.Now()
	switch r.URL.Path {
	case "/outage":
		s.mu.Lock()
		from, to := s.outageFrom, s.outageTo
		s.mu.Unlock()
		if !now.Before(from) && now.Before(to) {
			s.inOutage.Add(1)
			s.failedInOutage.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
	case "/quota":
		left, ok := s.take(now)
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.quota))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(left))
		w.Header().Set("X-RateLimit-Reset", "1")
		if !ok {
			s.tooMany.Add(1)
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
	}
	s.ok.Add(1)
}

// take counts a request of the credential at now in its second.
func (s *faultServer) take(now time.Time) (left int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := now.Truncate(time.Second); !w.Equal(s.window) {
		s.window, s.used = w, 0
	}
	if s.used >= s.quota {
		return 0, false
	}
	s.used++
	return s.quota - s.used, true
}
