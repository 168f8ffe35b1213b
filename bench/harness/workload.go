// Package harness runs the same workloads, with the same deterministic
// faults, through every client of package clients against a real loopback
// server, and reports what the caller and the server saw.
package harness

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/rebound-go/rebound/bench/clients"
)

// BodyKind is how a POST body is handed to the client.
type BodyKind string

// The body kinds: one that net/http can replay (GetBody), and two that no
// client can rewind without buffering.
const (
	BytesReader BodyKind = "bytes.Reader"
	MultiReader BodyKind = "io.MultiReader"
	Pipe        BodyKind = "io.Pipe"
)

// Workload is one scenario: what the server does, how many calls of which
// kind, how many at once, with which client settings.
type Workload struct {
	Name  string
	About string // one line for the report

	N, C        int           // calls, and how many run at once
	Timeout     time.Duration // bound on the whole workload for one client
	CallTimeout time.Duration // each call's context deadline; 0 for none
	Settings    clients.Settings

	Method   string
	BodySize int // POST only
	BodyKind BodyKind
	Handler  Handler

	// QuotaLimit is the quota workload's requests per second, for the
	// report; the handler holds its own copy.
	QuotaLimit int

	// MaxConnsPerHost, when not 0, is set on the transport under the
	// client (see Pinned).
	MaxConnsPerHost int
}

// Options scale the workloads.
type Options struct {
	N       int           // calls per workload; some use a fraction (see Workloads)
	C       int           // concurrent callers; the slow workload uses half
	Seed    uint64        // fault schedule
	Timeout time.Duration // bound on each workload for each client
}

// DefaultOptions are those of the published tables.
func DefaultOptions() Options {
	return Options{N: 2000, C: 32, Seed: 1, Timeout: 60 * time.Second}
}

// Workloads returns every workload at the given scale. n and c apply as they
// are except where a workload says otherwise: slow uses n/2 calls and c/2
// callers; quota n/4 (at 50 req/s a client that waits as asked needs ≥ 10 s
// for 500); 1 MiB bodies n/10; the deadline workload n/8 (a client that
// sleeps through the deadline takes 1.5 s a call).
func Workloads(o Options) []Workload {
	if o.N <= 0 {
		o.N = 2000
	}
	if o.C <= 0 {
		o.C = 32
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	frac := func(d int) int { return max(2, o.N/d) }
	def := clients.DefaultSettings()
	get := func(name, about string, h Handler) Workload {
		return Workload{Name: name, About: about, N: o.N, C: o.C, Timeout: o.Timeout,
			Settings: def, Method: http.MethodGet, Handler: h}
	}
	ws := []Workload{
		get("503-30%", "GET; 503 on 30 % of attempts (a fresh draw per attempt)",
			func(s *Server, w http.ResponseWriter, r *http.Request, id, attempt int) {
				if s.Fault(id, attempt, 0.30) {
					Unavailable(w)
					return
				}
				OK(w)
			}),
		get("outage", "GET; 503 on every attempt",
			func(s *Server, w http.ResponseWriter, r *http.Request, id, attempt int) { Unavailable(w) }),
		get("reset-30%", "GET; connection reset (SO_LINGER 0, before any response byte) on 30 % of attempts",
			func(s *Server, w http.ResponseWriter, r *http.Request, id, attempt int) {
				if s.Fault(id, attempt, 0.30) {
					Reset(w)
					return
				}
				OK(w)
			}),
	}
	slow := get("slow-5%", "GET; 5 % of attempts answer after 200 ms",
		func(s *Server, w http.ResponseWriter, r *http.Request, id, attempt int) {
			if s.Fault(id, attempt, 0.05) {
				Sleep(r, 200*time.Millisecond)
			}
			OK(w)
		})
	slow.N, slow.C = max(2, o.N/2), max(1, o.C/2)
	ws = append(ws, slow)

	const limit = 50
	q := get("quota-429", "GET; quota of 50 requests per 1 s window, then 429 with Retry-After and RateLimit-Remaining/Reset",
		QuotaHandler(limit, time.Second))
	q.N, q.QuotaLimit = frac(4), limit
	ws = append(ws, q)

	for _, size := range []int{1 << 10, 1 << 20} {
		for _, kind := range []BodyKind{BytesReader, MultiReader, Pipe} {
			w := Workload{
				Name:  "post-" + sizeName(size) + "-" + string(kind),
				About: "POST of " + sizeName(size) + " given as " + string(kind) + " with an Idempotency-Key; the server checks the body's SHA-256 on every attempt, then answers 503 on 30 % of attempts",
				N:     o.N, C: o.C, Timeout: o.Timeout, Settings: def,
				Method: http.MethodPost, BodySize: size, BodyKind: kind,
				Handler: func(s *Server, w http.ResponseWriter, r *http.Request, id, attempt int) {
					if !s.VerifyBody(r) {
						http.Error(w, "body does not match its checksum", http.StatusBadRequest)
						return
					}
					if s.Fault(id, attempt, 0.30) {
						Unavailable(w)
						return
					}
					OK(w)
				},
			}
			if size > 1<<10 {
				w.N = frac(10)
			}
			ws = append(ws, w)
		}
	}

	d := get("deadline-30ms", "GET with a 30 ms context deadline; always 503; backoff 100 ms doubling to 1 s: how long until the call returns",
		func(s *Server, w http.ResponseWriter, r *http.Request, id, attempt int) { Unavailable(w) })
	d.N = frac(8)
	d.CallTimeout = 30 * time.Millisecond
	d.Settings = clients.Settings{Attempts: 4, Initial: 100 * time.Millisecond, Max: time.Second}
	ws = append(ws, d)
	return ws
}

// NoFaults is the 503-30% workload without its faults: the same calls, the
// same callers, every attempt answered 200. What plain net/http does here
// is net/http's own behaviour, with no client stack above it to blame.
func NoFaults(o Options) Workload {
	for _, w := range Workloads(o) {
		if w.Name == "503-30%" {
			w.Name, w.About = "no-faults", "GET; no faults"
			w.Handler = func(s *Server, w http.ResponseWriter, r *http.Request, id, attempt int) { OK(w) }
			return w
		}
	}
	panic("harness: no 503-30% workload")
}

// Pinned returns w with the transport under the client limited to as many
// connections to the server as there are callers (MaxConnsPerHost = C).
// net/http then queues a request for a busy connection instead of dialing
// a spare one, so new connections beyond C come only from connections a
// client (or a fault) closed. It has the same name: a client's Only applies
// as to w.
func Pinned(w Workload) Workload {
	w.MaxConnsPerHost = w.C
	w.About += fmt.Sprintf("; transport MaxConnsPerHost = %d", w.C)
	return w
}

// QuotaHandler answers 200 while the quota lasts, 429 after.
func QuotaHandler(limit int, window time.Duration) Handler {
	return func(s *Server, w http.ResponseWriter, r *http.Request, id, attempt int) {
		if s.Quota(w, limit, window) {
			OK(w)
		}
	}
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}

// payload is a workload's POST body and its checksum.
type payload struct {
	data []byte
	sum  string
}

func newPayload(size int, seed uint64) payload {
	r := rand.New(rand.NewPCG(seed, uint64(size)))
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	h := sha256.Sum256(data)
	return payload{data: data, sum: hex.EncodeToString(h[:])}
}

var errCallDone = errors.New("harness: call returned")

// body returns the body as the caller hands it over, and a function to run
// once the call has returned (it stops a pipe's writer).
func (p payload) body(kind BodyKind) (io.Reader, func()) {
	switch kind {
	case MultiReader:
		h := len(p.data) / 2
		return io.MultiReader(bytes.NewReader(p.data[:h]), bytes.NewReader(p.data[h:])), func() {}
	case Pipe:
		pr, pw := io.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			const chunk = 32 << 10
			for off := 0; off < len(p.data); off += chunk {
				if _, err := pw.Write(p.data[off:min(off+chunk, len(p.data))]); err != nil {
					return
				}
			}
			pw.Close()
		}()
		return pr, func() {
			pr.CloseWithError(errCallDone)
			<-done
		}
	}
	return bytes.NewReader(p.data), func() {}
}
