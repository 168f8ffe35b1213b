package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Headers the harness and the server agree on.
const (
	HeaderID     = "X-Request-Id"  // the call's id, 0..N-1
	HeaderSHA256 = "X-Body-Sha256" // hex SHA-256 of the body the caller meant to send
)

// OKBody is what the server answers a good request with: 32 bytes.
const OKBody = "0123456789abcdef0123456789abcdef"

// unavailableBody is the body of a 503 or 429: short, but not empty, as real
// servers send, so a client that closes a discarded response without reading
// it loses the connection.
const unavailableBody = "service unavailable, try again\n"

// Server is a real loopback HTTP server (httptest) that counts what it saw:
// requests, attempts per call id, new TCP connections and bodies that did
// not match their checksum. Faults are a pure function of (seed, call id,
// attempt number), so every client meets the same faults.
type Server struct {
	*httptest.Server
	seed     uint64
	handle   Handler
	attempts []atomic.Int32 // per call id

	requests  atomic.Int64
	newConns  atomic.Int64
	badBodies atomic.Int64
	cutBodies atomic.Int64
	badIDs    atomic.Int64

	quota quota
}

// Handler answers attempt number attempt (from 1) of call id.
type Handler func(s *Server, w http.ResponseWriter, r *http.Request, id, attempt int)

// NewServer starts a server for calls 0..n-1.
func NewServer(seed uint64, n int, h Handler) *Server {
	s := &Server{seed: seed, handle: h, attempts: make([]atomic.Int32, n)}
	s.quota.start = time.Now()
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.newConns.Add(1)
		}
	}
	s.Start()
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	id, err := strconv.Atoi(r.Header.Get(HeaderID))
	if err != nil || id < 0 || id >= len(s.attempts) {
		s.badIDs.Add(1)
		http.Error(w, "bad "+HeaderID, http.StatusBadRequest)
		return
	}
	s.handle(s, w, r, id, int(s.attempts[id].Add(1)))
}

// ServerStats is what the server counted.
type ServerStats struct {
	Requests  int64 // every request that reached the handler
	Attempts  int64 // the sum over call ids of attempts counted
	NewConns  int64 // TCP connections accepted (ConnState StateNew)
	BadBodies int64 // request bodies read whole whose SHA-256 did not match the header
	CutBodies int64 // request bodies whose reading failed: the client went away mid-body
	BadIDs    int64 // requests without a valid call id (a harness bug)
}

// Stats returns the counts so far.
func (s *Server) Stats() ServerStats {
	st := ServerStats{Requests: s.requests.Load(), NewConns: s.newConns.Load(),
		BadBodies: s.badBodies.Load(), CutBodies: s.cutBodies.Load(), BadIDs: s.badIDs.Load()}
	for i := range s.attempts {
		st.Attempts += int64(s.attempts[i].Load())
	}
	return st
}

// Fault reports whether attempt of call id meets a fault of the given rate:
// a uniform draw from (seed, id, attempt).
func (s *Server) Fault(id, attempt int, rate float64) bool {
	return uniform(s.seed, uint64(id), uint64(attempt)) < rate
}

// uniform maps its inputs to [0, 1) through splitmix64.
func uniform(seed, id, attempt uint64) float64 {
	x := seed ^ id*0x9e3779b97f4a7c15 ^ attempt*0xc2b2ae3d27d4eb4f
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

// The answers handlers are made of.

// OK answers 200 with OKBody.
func OK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(len(OKBody)))
	io.WriteString(w, OKBody)
}

// Unavailable answers 503 with a short body.
func Unavailable(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusServiceUnavailable)
	io.WriteString(w, unavailableBody)
}

// Reset closes the connection with SO_LINGER 0 before answering: the client
// reads a TCP RST ("connection reset by peer").
func Reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "cannot hijack", http.StatusInternalServerError)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// Sleep waits d, or until the client goes away.
func Sleep(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// VerifyBody reads the whole body and reports whether its SHA-256 matches
// the header. Two failures are counted apart: a body read to its end that
// does not match (the server would act on the wrong bytes), and a body
// whose reading failed, because the client closed the connection mid-body
// (a cancelled copy, an aborted write: the server never gets a request to
// act on).
func (s *Server) VerifyBody(r *http.Request) bool {
	h := sha256.New()
	if _, err := io.Copy(h, r.Body); err != nil {
		s.cutBodies.Add(1)
		return false
	}
	if hex.EncodeToString(h.Sum(nil)) != r.Header.Get(HeaderSHA256) {
		s.badBodies.Add(1)
		return false
	}
	return true
}

// quota is a fixed-window rate limit shared by all calls.
type quota struct {
	mu     sync.Mutex
	start  time.Time
	window int64
	used   int
}

// Quota admits limit requests per window (counted from the server's start)
// and answers the rest 429 with Retry-After and the RateLimit-* headers of
// draft-ietf-httpapi-ratelimit-headers (and their X-RateLimit-* cousins).
// It reports whether the request was admitted; then the caller answers it.
func (s *Server) Quota(w http.ResponseWriter, limit int, window time.Duration) bool {
	now := time.Since(s.quota.start)
	n := int64(now / window)
	left := window - now%window
	s.quota.mu.Lock()
	if n != s.quota.window {
		s.quota.window, s.quota.used = n, 0
	}
	admitted := s.quota.used < limit
	if admitted {
		s.quota.used++
	}
	remaining := limit - s.quota.used
	s.quota.mu.Unlock()

	reset := strconv.Itoa(int((left + time.Second - 1) / time.Second)) // whole seconds, rounded up
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("RateLimit-Reset", reset)
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", reset)
	if !admitted {
		h.Set("Retry-After", reset)
		h.Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, "quota exceeded\n")
	}
	return admitted
}
