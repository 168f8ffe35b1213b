package rebound_test

// One cell of the composition matrix: its server side, its tracking
// transport, its calls and the checks of the invariants.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/rebound-go/rebound/faults"
)

type mxCell struct {
	id      string
	spec    mxSpec
	payload []byte   // the caller's request body, for POST
	sum     [32]byte // its SHA-256

	faulty, healthy, slow *faults.Injector
	faultyH, healthyH     http.Handler
	slowH                 http.Handler // healthy, after a delay longer than a hedge's
	recovered             atomic.Bool  // the server answers every request well, slowly
	inflight              atomic.Int64 // attempts inside the tracking transport
	tick                  atomic.Int64 // orders attempt starts and ends
	mu                    sync.Mutex
	seen                  map[string]mxSeen // attempt id → what the server saw
	problems              []mxProblem
	traced                string          // the calls, described once the cell has run
	transport             *http.Transport // the cell's own, under the tracking transport
	attempts              atomic.Int64    // numbers the attempts
}

// mxSeen is what the server knows of one attempt.
type mxSeen struct {
	call   string
	faulty bool
	n      int // how many requests carried the id (net/http replays some)
}

// mxProblem is one broken invariant.
type mxProblem struct{ check, msg string }

func (c *mxCell) failf(check, format string, args ...any) {
	c.mu.Lock()
	c.problems = append(c.problems, mxProblem{check, fmt.Sprintf(format, args...)})
	c.mu.Unlock()
}

// serve is the server side: it records the attempt, checks the body it
// receives against the caller's and hands the request to the cell's
// faulty or healthy injector.
func (c *mxCell) serve(w http.ResponseWriter, r *http.Request) {
	id, call := r.Header.Get(mxAttemptHeader), r.Header.Get(mxCallHeader)
	if id == "" { // the cell's warm-up
		c.healthyH.ServeHTTP(w, r)
		return
	}
	try, _ := strconv.Atoi(r.Header.Get(mxTryHeader))
	faulty := !c.recovered.Load() && (c.spec.fault.outage || call == "A" && try == 1 || call == "B")
	c.mu.Lock()
	s := c.seen[id]
	s.call, s.faulty, s.n = call, faulty, s.n+1
	c.seen[id] = s
	c.mu.Unlock()
	if r.Method == http.MethodPost {
		r.Body = &mxHashBody{r: r.Body, h: sha256.New(), cell: c, id: id}
	}
	switch {
	case faulty:
		c.faultyH.ServeHTTP(w, r)
	case c.recovered.Load():
		c.slowH.ServeHTTP(w, r)
	default:
		c.healthyH.ServeHTTP(w, r)
	}
}

// origin is the handler behind the injectors: it reads the body, names
// the attempt it answers and, for pacing, reports a quota running low.
func (c *mxCell) origin(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	id := r.Header.Get(mxAttemptHeader)
	h := w.Header()
	h.Set(mxAttemptHeader, id)
	if c.spec.has("pacing") {
		h.Set("X-Ratelimit-Limit", "100")
		h.Set("X-Ratelimit-Remaining", "1")
		h.Set("X-Ratelimit-Reset", "1")
	}
	_, _ = w.Write(mxAnswer(id))
}

// mxAnswer is the body the origin sends for attempt id.
func mxAnswer(id string) []byte { return []byte(fmt.Sprintf("answer to attempt %-40s|", id)) }

// mxHashBody checks, once the server has read a request body to its end,
// that it is byte for byte the caller's.
type mxHashBody struct {
	r    io.ReadCloser
	h    hash.Hash
	n    int
	cell *mxCell
	id   string
}

func (b *mxHashBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.h.Write(p[:n])
	b.n += n
	if err == io.EOF && (b.n != len(b.cell.payload) || !bytes.Equal(b.h.Sum(nil), b.cell.sum[:])) {
		b.cell.failf("body-bytes", "attempt %s: the server received a complete body of %d bytes that is not the caller's %d", b.id, b.n, len(b.cell.payload))
	}
	return n, err
}

func (b *mxHashBody) Close() error { return b.r.Close() }

// mxCall is one call of a cell, as the tracking transport and the event
// hook see it.
type mxCall struct {
	label string
	body  *mxReqBody // nil without a body

	mu                     sync.Mutex
	attempts               []*mxAttempt
	returned               bool
	starts, dones, refused int   // EventAttemptStart, EventAttemptDone and EventRefused
	fallbackErr            error // what the Fallback was given
	fallbackStatus         int
}

type mxCallKey struct{}

func mxCallFrom(ctx context.Context) *mxCall {
	c, _ := ctx.Value(mxCallKey{}).(*mxCall)
	return c
}

// mxAttempt is one attempt the tracking transport passed on.
type mxAttempt struct {
	id         string
	try        int
	idempotent bool // as sent: method, or an Idempotency-Key header
	start, end int64
	finished   bool
	early      bool // finished before the call returned to its caller
	status     int  // 0: an error
	err        error
	body       *mxRespBody
}

// mxReqBody is the caller's request body; it counts its Close calls.
type mxReqBody struct {
	r      io.Reader
	closes atomic.Int32
}

func (b *mxReqBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *mxReqBody) Close() error               { b.closes.Add(1); return nil }

// mxOpaque is a reader net/http does not know, so a request made with it
// has no GetBody and no length.
type mxOpaque struct{ r io.Reader }

func (o mxOpaque) Read(p []byte) (int, error) { return o.r.Read(p) }

// mxRespBody is a response body handed up to rebound; it records Close.
type mxRespBody struct {
	io.ReadCloser
	closed atomic.Bool
}

func (b *mxRespBody) Close() error { b.closed.Store(true); return b.ReadCloser.Close() }

// mxTracker is the tracking RoundTripper under rebound: it stamps each
// attempt, passes it to the cell's real transport and records what came
// back.
type mxTracker struct{ c *mxCell }

func (tr mxTracker) RoundTrip(req *http.Request) (*http.Response, error) {
	c := tr.c
	call := mxCallFrom(req.Context())
	if call == nil {
		c.failf("contract", "an attempt reached the transport without its call's context")
		return nil, errors.New("matrix: attempt without a call")
	}
	c.inflight.Add(1)
	defer c.inflight.Add(-1)
	a := &mxAttempt{id: c.id + "." + strconv.FormatInt(c.attempts.Add(1), 10), start: c.tick.Add(1),
		idempotent: req.Method != http.MethodPost || req.Header.Get("Idempotency-Key") != ""}
	call.mu.Lock()
	call.attempts = append(call.attempts, a)
	a.try = len(call.attempts)
	call.mu.Unlock()

	r := req.Clone(req.Context())
	r.Header.Set(mxCellHeader, c.id)
	r.Header.Set(mxCallHeader, call.label)
	r.Header.Set(mxTryHeader, strconv.Itoa(a.try))
	r.Header.Set(mxAttemptHeader, a.id)
	resp, err := c.transport.RoundTrip(r)
	if resp != nil {
		if c.spec.proto == "h2" && resp.ProtoMajor != 2 {
			c.failf("proto", "attempt %s went over %s", a.id, resp.Proto)
		}
		resp.Header.Set(mxSeenHeader, a.id)
		a.body = &mxRespBody{ReadCloser: resp.Body}
		resp.Body = a.body
	}
	call.mu.Lock()
	a.end, a.finished, a.early, a.err = c.tick.Add(1), true, !call.returned, err
	if resp != nil {
		a.status = resp.StatusCode
	}
	call.mu.Unlock()
	return resp, err
}

// onEvent counts the attempts rebound reports, per call.
func (c *mxCell) onEvent(ctx context.Context, e mxEvent) {
	call := mxCallFrom(ctx)
	if call == nil {
		return // not tied to a call (a breaker's change of state)
	}
	call.mu.Lock()
	defer call.mu.Unlock()
	switch {
	case mxIsStart(e):
		call.starts++
	case mxIsDone(e):
		call.dones++
	case mxIsRefused(e):
		call.refused++
	}
}

// mxLeaks finds the goroutines cells left. Goroutines inherit the pprof
// labels of the goroutine that starts them, so the goroutines labelled
// mxcell=id are those a cell's calls started (rebound's hedges, net/http's
// connections), and none of the other cells running at the same time.
// (Goroutines that timers start carry no label; the check after the whole
// matrix sees those.) A goroutine profile costs a third of a second on a
// busy machine, so one profile every mxLeakEvery serves every cell that
// ended before it; a cell whose goroutines are still there mxLeakPatience
// after it ended is reported.
