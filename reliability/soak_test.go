package reliability_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/faults"
	"github.com/rebound-go/rebound/hedge"
)

var (
	soakCallers  = flag.Int("soak.callers", 256, "concurrent callers of TestSoak")
	soakDuration = flag.Duration("soak.duration", 10*time.Second, "how long TestSoak sends new calls")
	soakSeed     = flag.Uint64("soak.seed", 1, "seed of TestSoak's fault scenario and workload")
)

// Bounds of the soak: a call's deadline, the most calls one caller makes,
// how much longer than the soak's duration the callers may take to finish,
// and how much the heap may have grown once everything is closed.
const (
	callTimeout  = 3 * time.Second
	maxCalls     = 1_000_000
	drainTimeout = callTimeout + 30*time.Second
	heapBound    = 16 << 20
)

// soakScenario mixes every kind of fault the faults package has. The
// faults exclude one another; they add up to 30 % of requests.
func soakScenario(seed uint64) faults.Scenario {
	return faults.Scenario{
		Seed: seed,
		Faults: []faults.Fault{
			{Kind: faults.Status, Rate: 0.06, Status: 503},
			{Kind: faults.Status, Rate: 0.02, Status: 503, Forward: true}, // did the work, lost the answer
			{Kind: faults.Status, Rate: 0.03, Status: 500},
			{Kind: faults.Status, Rate: 0.03, Status: 429},                                  // no Retry-After: backoff
			{Kind: faults.Status, Rate: 0.02, Status: 429, RetryAfter: time.Second},         // honoured
			{Kind: faults.Status, Rate: 0.01, Status: 503, RetryAfter: 2 * time.Second},     // over the cap: back at once
			{Kind: faults.Reset, Rate: 0.04},                                                // before any answer
			{Kind: faults.Reset, Rate: 0.01, Forward: true},                                 // after the work
			{Kind: faults.Truncate, Rate: 0.03, Bytes: 100},                                 // body cut short
			{Kind: faults.Hang, Rate: 0.01},                                                 // until the client gives up
			{Kind: faults.Trickle, Rate: 0.03, Bytes: 512, Interval: 2 * time.Millisecond},  // slow, within the attempt timeout
			{Kind: faults.Trickle, Rate: 0.005, Bytes: 64, Interval: 20 * time.Millisecond}, // slower than the attempt timeout
		},
		Latency: []faults.Latency{
			{Rate: 1, Max: 2 * time.Millisecond},
			{Rate: 0.02, Min: 100 * time.Millisecond, Max: 500 * time.Millisecond}, // the tail
		},
	}
}

// TestSoak sends GETs and POSTs from many callers at once, half through an
// http.Client over a plain rebound Transport and half through one over a
// Transport with every guard and hedging, to a loopback faults.Server whose scenario mixes every fault. Behind the
// faults, a handler serves known bodies and checks the SHA-256 of every
// POST body against the one its caller sent. Afterwards:
//
//   - every call ended in the right body, a status the scenario injects
//     (the RoundTripper contract when retries run out on a status), or an
//     error that says why (wraps its cause, or is a known sentinel);
//   - every POST body that reached the handler whole was the one sent, and
//     no POST without an Idempotency-Key was handled twice;
//   - no goroutine, no file descriptor and no connection is left once idle
//     connections are closed (first with the server still up, so that a
//     connection the client forgot shows up), and the heap is back within
//     16 MiB of where it started.
//
// It logs one summary line (go test -v). -soak.callers, -soak.duration and
// -soak.seed tune it; -short makes it 32 callers for 2 s.
func TestSoak(t *testing.T) {
	callers, duration := *soakCallers, *soakDuration
	if testing.Short() {
		callers, duration = min(callers, 32), min(duration, 2*time.Second)
	}
	base := measure()
	heap0 := heapInUse()

	s := runSoak(t, callers, duration, *soakSeed)

	g, fds, stacks := waitBack(base)
	heap1 := heapInUse()
	s.leakedGoroutines += g
	s.leakedFDs += fds
	s.heapGrowth = int64(heap1) - int64(heap0)
	if g > 0 || fds > 0 {
		t.Errorf("after the server closed: %d goroutines and %d file descriptors left\n%s", g, fds, stacks)
	}
	if s.heapGrowth > heapBound {
		t.Errorf("the heap grew by %.1f MiB, more than %d MiB", float64(s.heapGrowth)/(1<<20), heapBound>>20)
	}
	t.Log(s.line(callers, duration, *soakSeed))
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// soakSummary is what the soak counted.
type soakSummary struct {
	calls, transportCalls, clientCalls, gets, posts int64
	outcomes                                        map[string]int64 // "ok", "status 503", "call: timeout", …
	unexplained                                     []string         // the first few errors that say nothing
	server                                          faults.Stats
	retries, hedges                                 int64
	postsChecked, postMismatches, postsCut          int64
	handledTwice                                    int64
	responses, unclosed                             int64
	connBound                                       int64
	leakedGoroutines, leakedFDs                     int
	heapGrowth                                      int64
}

func (s *soakSummary) line(callers int, d time.Duration, seed uint64) string {
	var ok, statuses, errs []string
	for _, k := range slices.Sorted(maps.Keys(s.outcomes)) {
		item := fmt.Sprintf("%s %d", k, s.outcomes[k])
		switch {
		case k == "ok":
			ok = append(ok, item)
		case strings.HasPrefix(k, "status"):
			statuses = append(statuses, strings.TrimPrefix(item, "status "))
		default:
			errs = append(errs, item)
		}
	}
	f := s.server
	return fmt.Sprintf("soak: seed %d, %d callers × %v: %d calls (plain %d, guarded %d; GET %d, POST %d) → %d correct, "+
		"final statuses {%s}, errors {%s}; server: %d attempts, %d faults injected (status %d, reset %d, truncate %d, hang %d, trickle %d), "+
		"%d delayed, %d connections (bound %d); rebound: %d retries, %d hedges; POST bodies: %d checked, %d mismatched, %d cut short, "+
		"%d non-idempotent handled twice; leaks: %d of %d responses unclosed, %d goroutines, %d fds, heap %+.1f MiB",
		seed, callers, d, s.calls, s.transportCalls, s.clientCalls, s.gets, s.posts, s.outcomes["ok"],
		strings.Join(statuses, ", "), strings.Join(errs, ", "),
		f.Requests, f.Statuses+f.Resets+f.Truncated+f.Hangs+f.Trickled, f.Statuses, f.Resets, f.Truncated, f.Hangs, f.Trickled,
		f.Delayed, f.Connections, s.connBound, s.retries, s.hedges, s.postsChecked, s.postMismatches, s.postsCut,
		s.handledTwice, s.unclosed, s.responses, s.leakedGoroutines, s.leakedFDs, float64(s.heapGrowth)/(1<<20))
}

// soakHandler serves the soak behind the fault injector.
type soakHandler struct {
	checked, mismatched, cut atomic.Int64
	unkeyed                  sync.Map // id of a POST without Idempotency-Key → *atomic.Int32
}

// content is the body the handler serves for id: size bytes anyone can
// compute from id alone.
func content(id uint64, size int) []byte {
	b := make([]byte, size)
	x := id*0x9E3779B97F4A7C15 | 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// echo is the answer to a POST whose body arrived whole.
func echo(id uint64, sum []byte, n int) string {
	return fmt.Sprintf("id=%d sha256=%x n=%d\n", id, sum, n)
}

func (h *soakHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseUint(r.URL.Query().Get("id"), 10, 64)
	switch r.Method {
	case http.MethodGet:
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		body := content(id, min(size, 64<<10))
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	case http.MethodPost:
		if r.Header.Get("Idempotency-Key") == "" {
			n, _ := h.unkeyed.LoadOrStore(id, new(atomic.Int32))
			n.(*atomic.Int32).Add(1)
		}
		got, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			h.cut.Add(1) // the client went away while sending it
			return
		}
		h.checked.Add(1)
		sum := sha256.Sum256(got)
		if hex.EncodeToString(sum[:]) != r.Header.Get("X-Content-SHA256") {
			h.mismatched.Add(1)
			http.Error(w, "body changed on the way", http.StatusUnprocessableEntity)
			return
		}
		io.WriteString(w, echo(id, sum[:], len(got)))
	default:
		http.Error(w, "method", http.StatusMethodNotAllowed)
	}
}

func runSoak(t *testing.T, callers int, duration time.Duration, seed uint64) *soakSummary {
	in, err := faults.New(soakScenario(seed))
	if err != nil {
		t.Fatal(err)
	}
	h := new(soakHandler)
	srv, err := faults.NewServer(nil, in, h)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	withServer := measure()

	policy := rebound.Policy{
		Attempts:      4,
		Backoff:       backoff.Exponential{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond, Jitter: backoff.Full},
		MaxRetryAfter: time.Second,
	}
	// Attempts cut short by a deadline or a cancellation (attempt
	// timeouts, hedges that lost) lose their connection.
	var cutShort atomic.Int64
	onEvent := func(_ context.Context, e rebound.Event) {
		if e.Kind == rebound.EventAttemptDone && e.Err != nil && (timedOut(e.Err) || errors.Is(e.Err, context.Canceled)) {
			cutShort.Add(1)
		}
	}
	trA, trB := pool(), pool()
	// Every response rebound gets from below, and whether it was closed.
	bodies := &countBodies{next: trA, opened: new(atomic.Int64), closed: new(atomic.Int64)}
	bodiesB := &countBodies{next: trB, opened: bodies.opened, closed: bodies.closed}
	rt, err := rebound.NewTransport(bodies, rebound.Config{
		Policy:          policy,
		OnEvent:         onEvent,
		AttemptTimeout:  300 * time.Millisecond,
		MaxBufferedBody: 8 << 10, // opaque bodies above this are streamed
	})
	if err != nil {
		t.Fatal(err)
	}
	viaTransport := &http.Client{Transport: rt}
	guarded, err := rebound.NewTransport(bodiesB, rebound.Config{
		Policy:                 policy,
		OnEvent:                onEvent,
		AttemptTimeout:         300 * time.Millisecond,
		AttemptTimeoutFraction: 0.5,
		Budget:                 rebound.AdaptiveBudget,
		Breaker:                &breaker.Settings{FailureRate: 0.9, WindowSize: 200, MinimumCalls: 100, OpenTimeout: 200 * time.Millisecond, MaxOpenTimeout: 200 * time.Millisecond},
		Hedge:                  &hedge.Settings{Delay: 150 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	viaClient := &http.Client{Transport: guarded}

	sums := make([]*soakSummary, callers)
	end := time.Now().Add(duration)
	var wg sync.WaitGroup
	for c := range callers {
		sums[c] = &soakSummary{outcomes: map[string]int64{}}
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(c)))
			s := sums[c]
			for i := 0; i < maxCalls && time.Now().Before(end); i++ {
				id := uint64(c)<<32 | uint64(i)
				useClient := c%2 == 1
				outcome, post := soakCall(r, id, srv.URL, useClient, viaTransport, viaClient)
				s.calls++
				if useClient {
					s.clientCalls++
				} else {
					s.transportCalls++
				}
				if post {
					s.posts++
				} else {
					s.gets++
				}
				if strings.HasPrefix(outcome, "UNEXPLAINED") || strings.HasPrefix(outcome, "WRONG") {
					if len(s.unexplained) < 5 {
						s.unexplained = append(s.unexplained, outcome)
					}
					outcome, _, _ = strings.Cut(outcome, ":")
				}
				s.outcomes[outcome]++
				if outcome == "call: breaker open" {
					// Fail fast, but do not spin: a caller that retried
					// at once would starve every other on two cores.
					pause(5 * time.Millisecond)
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(duration + drainTimeout):
		buf := make([]byte, 1<<20)
		t.Fatalf("callers still busy %v after the soak ended\n%s", drainTimeout, buf[:runtime.Stack(buf, true)])
	}

	total := &soakSummary{outcomes: map[string]int64{}}
	for _, s := range sums {
		total.calls += s.calls
		total.transportCalls += s.transportCalls
		total.clientCalls += s.clientCalls
		total.gets += s.gets
		total.posts += s.posts
		for k, v := range s.outcomes {
			total.outcomes[k] += v
		}
		total.unexplained = append(total.unexplained, s.unexplained...)
	}
	st, cst := rt.Stats(), guarded.Stats()
	total.retries, total.hedges = st.Retries+cst.Retries, st.Hedges+cst.Hedges
	total.postsChecked, total.postMismatches, total.postsCut = h.checked.Load(), h.mismatched.Load(), h.cut.Load()
	h.unkeyed.Range(func(_, v any) bool {
		if v.(*atomic.Int32).Load() > 1 {
			total.handledTwice++
		}
		return true
	})

	if n := total.outcomes["UNEXPLAINED"] + total.outcomes["WRONG"]; n > 0 {
		t.Errorf("%d calls ended in a wrong body or an error that does not say why, such as:\n%s", n, strings.Join(total.unexplained, "\n"))
	}
	if total.postMismatches > 0 {
		t.Errorf("%d POST bodies reached the handler changed", total.postMismatches)
	}
	if total.handledTwice > 0 {
		t.Errorf("%d POSTs without an Idempotency-Key reached the handler more than once", total.handledTwice)
	}
	total.responses, total.unclosed = bodies.opened.Load(), bodies.opened.Load()-bodies.closed.Load()
	if total.unclosed != 0 {
		t.Errorf("%d of %d responses never closed", total.unclosed, total.responses)
	}
	if total.outcomes["ok"] == 0 || st.Requests == 0 || cst.Requests == 0 {
		t.Errorf("no call went through (%d ok; transport %d, client %d calls)", total.outcomes["ok"], st.Requests, cst.Requests)
	}

	// With the server still up, closing the idle connections must bring
	// everything back: a connection the client forgot would hold a
	// goroutine on each side and a descriptor on each side.
	viaClient.CloseIdleConnections()
	viaTransport.CloseIdleConnections()
	g, fds, stacks := waitBack(withServer)
	total.leakedGoroutines, total.leakedFDs = g, fds
	if g > 0 || fds > 0 {
		t.Errorf("with the server still up: %d goroutines and %d file descriptors left\n%s", g, fds, stacks)
	}
	total.server = in.Stats()

	// Discarded responses are drained, so their connections are reused.
	// New connections come from the callers starting, from resets (net/http
	// retries some on a new connection unseen), from attempts cut short by
	// a deadline or a cancellation (hangs, the latency tail, hedges that
	// lost), and from final bodies that failed (cut or trickled), plus
	// slack of 4 % of attempts. Closing discarded responses instead of
	// draining them adds one for every retry on a status (about 9 % of
	// attempts), and exceeds the bound.
	f := total.server
	var readErrors int64
	for k, v := range total.outcomes {
		if strings.HasPrefix(k, "read:") {
			readErrors += v
		}
	}
	total.connBound = 2*int64(callers) + f.Resets + cutShort.Load() + readErrors + f.Requests*4/100 + 64
	if f.Connections > total.connBound {
		t.Errorf("%d connections for %d attempts; want at most %d (resets %d, cut short %d, read errors %d): are discarded responses closed instead of drained?",
			f.Connections, f.Requests, total.connBound, f.Resets, cutShort.Load(), readErrors)
	}
	return total
}

// soakCall makes one call and says how it ended.
func soakCall(r *rand.Rand, id uint64, base string, useClient bool, viaTransport, viaClient *http.Client) (outcome string, post bool) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	var (
		req  *http.Request
		want []byte
	)
	switch k := r.IntN(100); {
	case k < 45:
		size := r.IntN(16 << 10)
		req, _ = http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/item?id=%d&size=%d", base, id, size), nil)
		want = content(id, size)
	default:
		post = true
		body := make([]byte, r.IntN(16<<10))
		for i := range body {
			body[i] = byte(r.Uint32())
		}
		sum := sha256.Sum256(body)
		var rd io.Reader = bytes.NewReader(body) // GetBody set
		if k%2 == 1 {
			rd = opaqueReader{bytes.NewReader(body)} // no GetBody: buffered or streamed
		}
		req, _ = http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/echo?id=%d", base, id), rd)
		req.Header.Set("X-Content-SHA256", hex.EncodeToString(sum[:]))
		if k < 80 {
			req.Header.Set("Idempotency-Key", strconv.FormatUint(id, 10))
		}
		want = []byte(echo(id, sum[:], len(body)))
	}
	var (
		resp *http.Response
		err  error
	)
	if useClient {
		resp, err = viaClient.Do(req)
	} else {
		resp, err = viaTransport.Do(req)
	}
	if err != nil {
		return "call: " + explain(err), post
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return "read: " + explain(err), post
	}
	switch resp.StatusCode {
	case http.StatusOK:
		if !bytes.Equal(got, want) {
			return fmt.Sprintf("WRONG: %s got %d bytes, want %d", req.URL, len(got), len(want)), post
		}
		return "ok", post
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable:
		// Injected, and retries ran out: the caller gets the last
		// response unread, so its body starts with the code, as the
		// faults package writes it.
		if !bytes.HasPrefix(got, []byte(strconv.Itoa(resp.StatusCode)+" ")) {
			return fmt.Sprintf("WRONG: %s answered %d with a body read by someone else: %q", req.URL, resp.StatusCode, got), post
		}
		return "status " + strconv.Itoa(resp.StatusCode), post
	}
	return fmt.Sprintf("WRONG: %s answered %d %q", req.URL, resp.StatusCode, got), post
}

// explain names what an error says happened, or "UNEXPLAINED: …" when it
// neither wraps a cause nor is a sentinel the suite knows.
func explain(err error) string {
	var (
		re *rebound.RetryError
		ne net.Error
	)
	prefix := ""
	if errors.As(err, &re) {
		prefix = "retries: "
	}
	switch {
	case errors.Is(err, breaker.ErrCircuitOpen):
		return "breaker open"
	case errors.Is(err, rebound.ErrBodyNotReplayable):
		return prefix + "body not replayable"
	case errors.Is(err, budget.ErrExhausted):
		return prefix + "budget exhausted"
	case errors.Is(err, rebound.ErrWaitPastDeadline):
		return prefix + "wait past deadline"
	case errors.Is(err, rebound.ErrRetryAfterTooLong):
		return prefix + "Retry-After too long"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return prefix + "timeout"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return prefix + "reset"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return prefix + "eof"
	case errors.Is(err, context.Canceled):
		return prefix + "canceled"
	}
	if wrapsSomething(err) {
		return prefix + "other (wrapped)"
	}
	return "UNEXPLAINED: " + err.Error()
}

func wrapsSomething(err error) bool {
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return u.Unwrap() != nil
	case interface{ Unwrap() []error }:
		return len(u.Unwrap()) > 0
	}
	return false
}

// countBodies counts the responses the transport under rebound hands up,
// and those whose body was closed: by rebound when it discards one, by the
// caller otherwise. Every caller of the soak closes what it gets, so any
// difference is a response rebound forgot. (The contexts of the soak's
// calls end, which would free a forgotten connection anyway; this counts
// what that would hide.)
type countBodies struct {
	next           http.RoundTripper
	opened, closed *atomic.Int64
}

func (c *countBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if resp != nil {
		c.opened.Add(1)
		resp.Body = &countedBody{ReadCloser: resp.Body, closed: c.closed}
	}
	return resp, err
}

func (c *countBodies) CloseIdleConnections() {
	if ci, ok := c.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

type countedBody struct {
	io.ReadCloser
	closed *atomic.Int64
	once   sync.Once
}

func (b *countedBody) Close() error {
	b.once.Do(func() { b.closed.Add(1) })
	return b.ReadCloser.Close()
}
