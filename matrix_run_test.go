package rebound_test

// Running the cells: the goroutine watch, the calls, the checks and the
// summary.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/faults"
)

type mxLeaks struct {
	mu      sync.Mutex
	pending []*mxLeakCell
	found   []*mxLeakCell // cells that left goroutines
}

const (
	mxLeakEvery    = 3 * time.Second
	mxLeakPatience = 2 * time.Second
)

type mxLeakCell struct {
	id        string
	spec      mxSpec
	closeIdle func()
	ended     time.Time
	stacks    string // what was left
}

// add hands over a cell whose calls have all ended.
func (l *mxLeaks) add(id string, spec mxSpec, closeIdle func()) {
	l.mu.Lock()
	l.pending = append(l.pending, &mxLeakCell{id: id, spec: spec, closeIdle: closeIdle, ended: time.Now()})
	l.mu.Unlock()
}

// watch checks the pending cells once every mxLeakEvery until stop is
// closed, then every tick until none is pending.
func (l *mxLeaks) watch(stop <-chan struct{}) {
	tick := time.NewTicker(mxLeakEvery / 10)
	defer tick.Stop()
	last, stopped := time.Now(), false
	for {
		select {
		case <-stop:
			stop, stopped = nil, true
		case <-tick.C:
			if !stopped && time.Since(last) < mxLeakEvery {
				continue
			}
		}
		last = time.Now()
		l.mu.Lock()
		batch := l.pending
		l.pending = nil
		l.mu.Unlock()
		if len(batch) == 0 {
			if stopped {
				return
			}
			continue
		}
		l.check(batch)
	}
}

// check takes one profile and settles the cells of batch it can.
func (l *mxLeaks) check(batch []*mxLeakCell) {
	var buf bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
	left := map[string][]string{}
	for rec := range strings.SplitSeq(buf.String(), "\n\n") {
		if _, rest, ok := strings.Cut(rec, `# labels: {"mxcell":"`); ok {
			id, _, _ := strings.Cut(rest, `"`)
			left[id] = append(left[id], rec)
		}
	}
	var again []*mxLeakCell
	for _, c := range batch {
		switch stacks := left[c.id]; {
		case len(stacks) == 0:
		case time.Since(c.ended) > mxLeakPatience:
			c.stacks = strings.Join(stacks, "\n\n")
			l.found = append(l.found, c)
		default:
			c.closeIdle()
			again = append(again, c)
		}
	}
	l.mu.Lock()
	l.pending = append(l.pending, again...)
	l.mu.Unlock()
}

// mxSpread is a throttle's Rand: a deterministic, evenly spread sequence
// (the golden-ratio sequence), safe for concurrent use.
func mxSpread() func() float64 {
	var n atomic.Uint64
	return func() float64 {
		v := float64(n.Add(1)) * 0.6180339887498949
		return v - float64(int64(v))
	}
}

// mxWaitUntil polls cond until it holds or patience runs out.
func mxWaitUntil(patience time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(patience); !cond(); {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(2 * time.Millisecond) // polling for an end, not proving a schedule
	}
	return true
}

// mxRunSpec runs one cell, and again without OnEvent when it is in the
// parity sample, comparing what the calls returned.
func mxRunSpec(srv *mxServers, s mxSpec) (probs []mxProblem, trace string) {
	probs, sig, trace := mxRunCell(srv, s, true)
	if s.parity() {
		more, plain, plainTrace := mxRunCell(srv, s, false)
		probs = append(probs, more...)
		trace = "with OnEvent:\n" + trace + "without OnEvent:\n" + plainTrace
		for i := range min(len(sig), len(plain)) {
			// A deadline met outside the hang fault is the machine's load,
			// not a difference of paths.
			late := s.fault.name != "hang" && (sig[i] == "deadline" || plain[i] == "deadline")
			if sig[i] != plain[i] && !late {
				probs = append(probs, mxProblem{"parity", fmt.Sprintf("call %c: with OnEvent %s, without %s", 'A'+i, sig[i], plain[i])})
			}
		}
	}
	return probs, trace
}

var mxCellIDs atomic.Int64

// mxRunCell runs the calls of one cell under a pprof label, so that the
// goroutines they leave can be told from those of other cells.
func mxRunCell(srv *mxServers, s mxSpec, events bool) ([]mxProblem, []string, string) {
	c := &mxCell{id: strconv.FormatInt(mxCellIDs.Add(1), 10), spec: s, seen: map[string]mxSeen{}}
	if s.method != "GET" {
		c.payload = bytes.Repeat([]byte("rebound body "+c.id+" "), 200)
		c.sum = sha256.Sum256(c.payload)
	}
	var err error
	if c.faulty, err = faults.New(s.fault.scenario); err != nil {
		return []mxProblem{{"setup", err.Error()}}, nil, ""
	}
	c.healthy, _ = faults.New(faults.Scenario{})
	c.slow, _ = faults.New(faults.Scenario{Latency: []faults.Latency{{Rate: 1, Min: mxRecoveredLatency}}})
	origin := http.HandlerFunc(c.origin)
	c.faultyH, c.healthyH, c.slowH = c.faulty.Handler(origin), c.healthy.Handler(origin), c.slow.Handler(origin)
	c.transport = srv.client(s.proto)
	srv.router.cells.Store(c.id, c)
	defer srv.router.cells.Delete(c.id)
	var sig []string
	pprof.Do(context.Background(), pprof.Labels("mxcell", c.id), func(context.Context) { sig = c.run(srv, events) })
	c.transport.CloseIdleConnections()
	srv.leaks.add(c.id, s, c.transport.CloseIdleConnections)
	return c.problems, sig, c.traced
}

// mxResult is what one call returned, and what its caller read.
type mxResult struct {
	call    *mxCall
	resp    *http.Response
	err     error
	body    []byte
	readErr error
	cancel  context.CancelFunc
}

func (r *mxResult) finish() {
	if r.resp != nil {
		r.resp.Body.Close()
	}
	r.cancel()
}

// outcome sums up a call for the OnEvent comparison.
func (r *mxResult) outcome() string {
	switch {
	case r.resp != nil && r.resp.Header.Get(mxFallbackHeader) != "":
		if errors.Is(r.call.fallbackErr, context.DeadlineExceeded) {
			return "deadline" // the Fallback stood in for a deadline
		}
		return "fallback"
	case r.resp != nil:
		return strconv.Itoa(r.resp.StatusCode)
	case mxRefused(r.err):
		return "refused"
	case errors.Is(r.err, context.DeadlineExceeded):
		return "deadline"
	}
	return "error"
}

// run makes the cell's calls: A, whose body stays open (unread data is
// read at once, the Close waits) while B runs, then C; with the breaker,
// the recovery. It returns the calls' outcomes.
func (c *mxCell) run(srv *mxServers, events bool) []string {
	base := srv.base(c.spec.proto)
	cfg := rebound.Config{Policy: mxPolicy()}
	for _, f := range c.spec.features {
		f.apply(&cfg)
	}
	if events {
		cfg.OnEvent = c.onEvent
	}
	rt, err := rebound.NewTransport(mxTracker{c}, cfg)
	if err != nil {
		c.failf("setup", "NewTransport: %v", err)
		return nil
	}
	c.warmUp(base)
	a := c.call(rt, base, "A")
	b := c.call(rt, base, "B")
	b.finish()
	a.finish()
	cc := c.call(rt, base, "C")
	cc.finish()
	results := []*mxResult{a, b, cc}
	sig := []string{a.outcome(), b.outcome(), cc.outcome()}
	if c.spec.has("breaker") {
		results = append(results, c.recover(rt, base)...)
	}
	c.settle(results)
	for _, r := range results {
		c.check(r, events)
	}
	c.traced = c.trace(results)
	return sig
}

// warmUp opens a connection to the server before the calls, so that a
// TLS handshake on a busy machine does not eat the first attempt's time.
func (c *mxCell) warmUp(base string) {
	req, _ := http.NewRequest(http.MethodGet, base+"/warm-up", nil)
	req.Header.Set(mxCellHeader, c.id)
	if resp, err := c.transport.RoundTrip(req); err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// call makes one call and reads the whole answer, leaving it open.
func (c *mxCell) call(rt http.RoundTripper, base, label string) *mxResult {
	call := &mxCall{label: label}
	timeout := mxCallTimeout
	if c.spec.fault.name == "hang" && (label == "A" || label == "B") {
		timeout = mxHangTimeout
	}
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), mxCallKey{}, call), timeout)
	var body io.Reader
	switch c.spec.method {
	case "POST-GetBody":
		body = bytes.NewReader(c.payload)
	case "POST-stream":
		body = mxOpaque{bytes.NewReader(c.payload)}
	}
	method := http.MethodGet
	if body != nil {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, base+"/"+label, body)
	if err != nil {
		panic(err)
	}
	if body != nil {
		call.body = &mxReqBody{r: req.Body}
		req.Body = call.body
	}
	resp, err := rt.RoundTrip(req)
	call.mu.Lock()
	call.returned = true
	call.mu.Unlock()
	r := &mxResult{call: call, resp: resp, err: err, cancel: cancel}
	if resp != nil {
		if err != nil {
			c.failf("contract", "call %s: RoundTrip returned a response and the error %v", label, err)
		}
		r.body, r.readErr = io.ReadAll(resp.Body)
	}
	return r
}

// recover switches the server to healthy (answering in
// mxRecoveredLatency) and polls until a call gets the server's answer: the
// breaker must close within one open period plus its probe (one call's
// deadline), give or take scheduling; the call after that must not be
// refused by the breaker before it tries.
func (c *mxCell) recover(rt http.RoundTripper, base string) []*mxResult {
	c.recovered.Store(true)
	bound := mxOpen + mxCallTimeout + mxSlack
	start := time.Now()
	var out []*mxResult
	answered := func(r *mxResult) bool {
		return r.err == nil && r.resp.StatusCode == http.StatusOK && r.resp.Header.Get(mxSeenHeader) != ""
	}
	for i := 0; ; i++ {
		r := c.call(rt, base, "R"+strconv.Itoa(i))
		r.finish()
		out = append(out, r)
		if answered(r) {
			next := c.call(rt, base, "R"+strconv.Itoa(i+1))
			next.finish()
			met := errors.Is(next.err, breaker.ErrCircuitOpen) || errors.Is(next.call.fallbackErr, breaker.ErrCircuitOpen)
			next.call.mu.Lock()
			tried := len(next.call.attempts)
			next.call.mu.Unlock()
			if met && tried == 0 { // refused before an attempt of its own could fail
				c.failf("breaker-recovery", "the call after the first answer since the recovery met the breaker: %s %v", next.outcome(), next.err)
			}
			return append(out, next)
		}
		if time.Since(start) > bound {
			c.failf("breaker-recovery", "no call got the server's answer within %v of its recovery (%d calls, the last: %s %v)",
				bound, i+1, r.outcome(), r.err)
			return out
		}
		time.Sleep(10 * time.Millisecond) // paces the poll; the bound above is the assertion
	}
}

// settle waits, bounded, for losers still in flight to end (in the
// tracking transport, or between their EventAttemptStart and it) and for
// every body to be closed; check then reports what did not happen.
func (c *mxCell) settle(results []*mxResult) {
	mxWaitUntil(3*time.Second, func() bool {
		if c.inflight.Load() != 0 {
			return false
		}
		for _, r := range results {
			if r.call.body != nil && r.call.body.closes.Load() == 0 {
				return false
			}
			r.call.mu.Lock()
			open := slices.ContainsFunc(r.call.attempts, func(a *mxAttempt) bool { return a.body != nil && !a.body.closed.Load() })
			open = open || r.call.starts != r.call.dones // a losing copy still on its way
			r.call.mu.Unlock()
			if open {
				return false
			}
		}
		return true
	})
}

// check reports what call r broke, once the cell has settled:
//   - caller-body: the caller's request body closed exactly once;
//   - response-closed: every response handed up to rebound closed;
//   - refused-won, answer-intact: see checkAnswer;
//   - attempt-count, method-rule: see checkAttempts.
func (c *mxCell) check(r *mxResult, events bool) {
	call := r.call
	call.mu.Lock()
	attempts := slices.Clone(call.attempts)
	starts, dones, refused := call.starts, call.dones, call.refused
	call.mu.Unlock()
	if call.body != nil {
		if n := call.body.closes.Load(); n != 1 {
			c.failf("caller-body", "call %s: the caller's request body was closed %d times (%s %v)", call.label, n, r.outcome(), r.err)
		}
	}
	for _, a := range attempts {
		if a.body != nil && !a.body.closed.Load() {
			c.failf("response-closed", "call %s: the %d answer to attempt %d was never closed", call.label, a.status, a.try)
		}
	}
	c.checkAnswer(r, attempts)
	if events && (starts != dones || dones != len(attempts)) {
		c.failf("attempt-count", "call %s: events report %d attempts started and %d done (%d refused); the transport passed on %d",
			call.label, starts, dones, refused, len(attempts))
	}
	c.checkAttempts(call.label, attempts)
}

// checkAnswer checks what the caller got: an answer the server sent to
// one of the call's attempts (or the Fallback's), whole when it was
// healthy (answer-intact); never an error in place of the last answer in
// hand, nor in place of a 200 (refused-won).
// cutShort reports an answer whose body the server cut short while
// Config.BufferResponse read it inside the attempt: not an answer in hand
// but the attempt's error.
func (c *mxCell) cutShort(a *mxAttempt) bool {
	return c.spec.has("buffer-response") && c.spec.fault.name == "truncated" && c.seenOf(a.id).faulty
}

func (c *mxCell) checkAnswer(r *mxResult, attempts []*mxAttempt) {
	label := r.call.label
	var last, good *mxAttempt // the last answer in hand, and a 200, before the call returned
	for _, a := range attempts {
		if c.cutShort(a) {
			continue // its body was read inside the attempt, and failed it
		}
		if a.early && (last == nil || a.end > last.end) {
			last = a
		}
		if a.early && a.status == http.StatusOK {
			good = a
		}
	}
	fallback := r.resp != nil && r.resp.Header.Get(mxFallbackHeader) != ""
	switch {
	case r.resp == nil:
	case fallback:
		if !c.spec.has("fallback") {
			c.failf("refused-won", "call %s: a Fallback answer without a Fallback", label)
		}
	default:
		id := r.resp.Header.Get(mxSeenHeader)
		i := slices.IndexFunc(attempts, func(a *mxAttempt) bool { return a.id == id && a.status != 0 })
		if i < 0 {
			c.failf("refused-won", "call %s: a %d answer that no attempt of the call received", label, r.resp.StatusCode)
		} else if !c.seenOf(id).faulty && r.resp.StatusCode == http.StatusOK && !errors.Is(r.readErr, context.DeadlineExceeded) &&
			(r.readErr != nil || !bytes.Equal(r.body, mxAnswer(id))) {
			c.failf("answer-intact", "call %s: the healthy answer of attempt %d read as %q, %v", label, attempts[i].try, r.body, r.readErr)
		}
	}
	if r.err != nil && !errors.Is(r.err, context.DeadlineExceeded) && last != nil && last.status != 0 {
		c.failf("refused-won", "call %s: ended with %q though the last answer in hand, attempt %d's, was a %d", label, r.err, last.try, last.status)
	}
	if good != nil && (fallback || r.err != nil && !errors.Is(r.err, context.DeadlineExceeded)) {
		c.failf("refused-won", "call %s: attempt %d answered 200, the caller got %s %v", label, good.try, r.outcome(), r.err)
	}
}

// checkAttempts checks the attempts against the server: every attempt
// that brought an answer reached the server as part of its call
// (attempt-count), and a non-idempotent POST went out again only after a
// 429, never beside another copy (method-rule).
func (c *mxCell) checkAttempts(label string, attempts []*mxAttempt) {
	for _, a := range attempts {
		// An attempt that ended in an error may not have reached the
		// server (cancelled, or lost with its connection before a byte
		// left); one that brought an answer did.
		s := c.seenOf(a.id)
		if s.n == 0 && a.status != 0 {
			c.failf("attempt-count", "call %s: attempt %d brought a %d answer but the server never saw it", label, a.try, a.status)
		}
		if s.n > 0 && s.call != label {
			c.failf("attempt-count", "call %s: attempt %d reached the server as part of call %s", label, a.try, s.call)
		}
	}
	for i := 1; i < len(attempts); i++ {
		prev, a := attempts[i-1], attempts[i]
		if !a.idempotent && !(prev.finished && prev.end < a.start && prev.status == http.StatusTooManyRequests) {
			c.failf("method-rule", "call %s: a non-idempotent POST sent again (attempt %d) after attempt %d, which the server may have seen (%d %v)",
				label, a.try, prev.try, prev.status, prev.err)
		}
	}
}

// trace describes the calls of a cell, for a failure's log.
func (c *mxCell) trace(results []*mxResult) string {
	var b strings.Builder
	for _, r := range results {
		r.call.mu.Lock()
		fmt.Fprintf(&b, "call %s → %s %v; events %d/%d/%d (start/done/refused)", r.call.label, r.outcome(), r.err,
			r.call.starts, r.call.dones, r.call.refused)
		if r.resp != nil && r.resp.Header.Get(mxFallbackHeader) != "" {
			fmt.Fprintf(&b, "; the Fallback got %d, %v", r.call.fallbackStatus, r.call.fallbackErr)
		}
		for _, a := range r.call.attempts {
			fmt.Fprintf(&b, "\n    attempt %d: %d %v (server: %+v)", a.try, a.status, a.err, c.seenOf(a.id))
		}
		r.call.mu.Unlock()
		b.WriteString("\n")
	}
	return b.String()
}

func (c *mxCell) seenOf(id string) mxSeen {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[id]
}

// mxSummary logs, for each check, how many cells broke it and which
// features and faults those cells had.
func mxSummary(t *testing.T, failed map[string][]mxSpec) {
	checks := slices.Sorted(maps.Keys(failed))
	for _, check := range checks {
		specs := failed[check]
		byFeature, byFault, byMethod := map[string]int{}, map[string]int{}, map[string]int{}
		for _, s := range specs {
			for _, f := range s.features {
				byFeature[f.name]++
			}
			byFault[s.fault.name]++
			byMethod[s.method+"/"+s.proto]++
		}
		t.Logf("%s: %d cells\n  by feature: %s\n  by fault:   %s\n  by method:  %s", check, len(specs),
			mxCounts(byFeature), mxCounts(byFault), mxCounts(byMethod))
	}
}

func mxCounts(m map[string]int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int { return m[b] - m[a] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + strconv.Itoa(m[k])
	}
	return strings.Join(parts, ", ")
}

// mxRT is a RoundTripper made of a function: the fake transports of the
// issue 11 tests.
type mxRT func(*http.Request) (*http.Response, error)

func (f mxRT) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// mxBodies makes the responses of a fake transport and remembers them,
// so a test can check that every one was closed.
type mxBodies struct {
	mu   sync.Mutex
	list []*mxRespBody
}

// respond makes a response to req whose body reads body and records its
// Close. A fake transport, like a real one, closes the request body.
func (b *mxBodies) respond(req *http.Request, status int, body string, header ...string) *http.Response {
	if req.Body != nil {
		req.Body.Close()
	}
	rb := &mxRespBody{ReadCloser: io.NopCloser(strings.NewReader(body))}
	b.mu.Lock()
	b.list = append(b.list, rb)
	b.mu.Unlock()
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Body: rb, ContentLength: int64(len(body)), Request: req}
}

// open counts the responses not closed yet.
func (b *mxBodies) open() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, rb := range b.list {
		if !rb.closed.Load() {
			n++
		}
	}
	return n
}

// mxSleep waits d or until ctx ends, as a transport waiting for a slow
// server does.
func mxSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
