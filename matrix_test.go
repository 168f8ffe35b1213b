package rebound_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/faults"
	"github.com/rebound-go/rebound/hedge"
	"github.com/rebound-go/rebound/internal/leaktest"
	"github.com/rebound-go/rebound/limit"
	"github.com/rebound-go/rebound/ratelimit"
	"github.com/rebound-go/rebound/throttle"
)

// Timings of the matrix. Every wait a cell makes is one of these. The
// bounds are loose because two cores run 32 cells at once (and, here,
// other engineers' tests): a loopback call takes a millisecond on an idle
// machine and up to half a second on a busy one.
const (
	mxOpen           = 200 * time.Millisecond // the breaker's open period: call C meets it open
	mxCallTimeout    = time.Second            // each call's deadline
	mxHangTimeout    = 250 * time.Millisecond // the deadline of the calls that meet a hang
	mxAttemptTimeout = 100 * time.Millisecond // the attempt-timeout feature
	mxSlow           = 150 * time.Millisecond // the slow tail's added latency
	mxHedgeDelay     = 10 * time.Millisecond
	mxSlack          = 500 * time.Millisecond // scheduling on busy cores, for the breaker's bound
	mxWorkers        = 32                     // cells at once: most of a cell's time is waiting
)

// The parts of rebound's API the matrix leans on, each in one place so
// that a rename is a one-line fix.
type mxEvent = rebound.Event

func mxIsStart(e mxEvent) bool   { return e.Kind == rebound.EventAttemptStart }
func mxIsDone(e mxEvent) bool    { return e.Kind == rebound.EventAttemptDone }
func mxIsRefused(e mxEvent) bool { return e.Kind == rebound.EventRefused }

func mxPolicy() rebound.Policy {
	return rebound.Policy{Attempts: 3, Backoff: backoff.Constant{Interval: time.Millisecond}}
}

// mxFeature is one feature of rebound as an edit of a Config. Features
// that set the same field (the three hedge modes) do not pair.
type mxFeature struct {
	name, field string
	apply       func(*rebound.Config)
}

var mxFeatures = []mxFeature{
	{"retry", "Policy", func(*rebound.Config) {}}, // the Policy every cell has
	{"budget", "Budget", func(c *rebound.Config) { c.Budget = rebound.AdaptiveBudget }},
	{"breaker", "Breaker", func(c *rebound.Config) {
		c.Breaker = &breaker.Settings{ConsecutiveFailures: 2, OpenTimeout: mxOpen, MaxOpenTimeout: mxOpen, HalfOpenProbes: 1}
	}},
	{"throttle", "Throttle", func(c *rebound.Config) {
		c.Throttle = &throttle.Settings{K: 1, Window: time.Second, Buckets: 10, Rand: mxSpread()}
	}},
	{"bulkhead", "Bulkhead", func(c *rebound.Config) { c.Bulkhead = &bulkhead.Settings{MaxConcurrent: 1} }},
	{"hedge-parallel", "Hedge", func(c *rebound.Config) { c.Hedge = &hedge.Settings{} }},
	{"hedge-fixed", "Hedge", func(c *rebound.Config) { c.Hedge = &hedge.Settings{Delay: mxHedgeDelay} }},
	{"hedge-adaptive", "Hedge", func(c *rebound.Config) {
		c.Hedge = &hedge.Settings{Percentile: 0.9, MinSamples: 2, Delay: mxHedgeDelay, MaxDelay: 50 * time.Millisecond}
	}},
	{"pacing", "Pace", func(c *rebound.Config) { c.Pace = &ratelimit.Settings{MaxWait: 10 * time.Millisecond} }},
	{"attempt-timeout", "AttemptTimeout", func(c *rebound.Config) { c.AttemptTimeout = mxAttemptTimeout }},
	{"fallback", "Fallback", func(c *rebound.Config) { c.Fallback = mxFallback }},
	{"idempotency-key", "IdempotencyKey", func(c *rebound.Config) { c.IdempotencyKey = rebound.NewIdempotencyKey }},
	{"ride-out", "Breaker", func(c *rebound.Config) {
		c.Breaker = &breaker.Settings{ConsecutiveFailures: 2, OpenTimeout: mxOpen, MaxOpenTimeout: mxOpen, HalfOpenProbes: 1,
			MaxWaiting: 64, MaxWait: 2 * mxOpen, RampUp: mxOpen / 4}
	}},
	{"rate-limit", "RateLimit", func(c *rebound.Config) { c.RateLimit = &mxRate{every: time.Millisecond} }},
	{"adaptive-limit", "Limit", func(c *rebound.Config) { c.Limit = &limit.Settings{MaxWait: 100 * time.Millisecond} }},
	{"learnt-rate", "LearnRate", func(c *rebound.Config) { c.LearnRate = &ratelimit.AdaptiveSettings{} }},
	{"buffer-response", "BufferResponse", func(c *rebound.Config) { c.BufferResponse = 1 << 16 }},
}

// mxRate is a client-side rate limit for Config.RateLimit: one request
// every every, waiting within the context.
type mxRate struct {
	every time.Duration
	mu    sync.Mutex
	next  time.Time
}

func (r *mxRate) Wait(ctx context.Context) error {
	r.mu.Lock()
	now := time.Now()
	at := r.next
	if at.Before(now) {
		at = now
	}
	r.next = at.Add(r.every)
	r.mu.Unlock()
	return mxSleep(ctx, at.Sub(now))
}

// mxFallback answers a failed call with a response of its own, marked so
// the checks can tell it from the server's.
func mxFallback(req *http.Request, resp *http.Response, err error) (*http.Response, error) {
	if call := mxCallFrom(req.Context()); call != nil {
		call.mu.Lock()
		call.fallbackErr = err
		if resp != nil {
			call.fallbackStatus = resp.StatusCode
		}
		call.mu.Unlock()
	}
	if resp != nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{mxFallbackHeader: {"1"}}, Body: io.NopCloser(strings.NewReader("fallback")), Request: req}, nil
}

// mxFault is one fault kind of package faults. Non-outage faults strike
// the first attempt of call A and every attempt of call B; call C and the
// breaker's recovery calls meet a healthy server.
type mxFault struct {
	name     string
	scenario faults.Scenario
	outage   bool // every attempt until the recovery
	timing   bool // outcomes depend on timing: not run twice for the OnEvent comparison
}

func mxStatus(code int, retryAfter time.Duration) faults.Scenario {
	return faults.Scenario{Faults: []faults.Fault{{Kind: faults.Status, Rate: 1, Status: code, RetryAfter: retryAfter}}}
}

var mxFaults = []mxFault{
	{name: "503", scenario: mxStatus(503, 0)},
	// Retry-After is whole seconds: the call's deadline is shorter, so the
	// loop gives the answer back at once instead of waiting.
	{name: "503-retry-after", scenario: mxStatus(503, time.Second)},
	{name: "429-retry-after", scenario: mxStatus(429, time.Second)},
	{name: "reset", scenario: faults.Scenario{Faults: []faults.Fault{{Kind: faults.Reset, Rate: 1}}}},
	{name: "truncated", scenario: faults.Scenario{Faults: []faults.Fault{{Kind: faults.Truncate, Rate: 1, Bytes: 5}}}},
	{name: "hang", scenario: faults.Scenario{Faults: []faults.Fault{{Kind: faults.Hang, Rate: 1}}}},
	{name: "slow-tail", timing: true, scenario: faults.Scenario{
		Latency: []faults.Latency{{Rate: 1, Min: mxSlow}},
		Faults:  []faults.Fault{{Kind: faults.Trickle, Rate: 1, Bytes: 16, Interval: time.Millisecond}},
	}},
	{name: "outage", outage: true, scenario: faults.Scenario{
		Outages: []faults.Outage{{Start: 0, End: time.Hour, Fault: faults.Fault{Kind: faults.Status, Status: 503}}},
	}},
}

var (
	mxMethods = []string{"GET", "POST-GetBody", "POST-stream"}
	mxProtos  = []string{"h1", "h2"}
	// mxParity are the features whose cells also run without OnEvent, to
	// compare: with these alone the Transport may take its fast path.
	mxParity = []string{"retry", "budget", "breaker", "fallback", "idempotency-key"}
)

// mxSpec names one cell.
type mxSpec struct {
	features      []mxFeature
	fault         mxFault
	method, proto string
}

func (s mxSpec) name() string {
	names := make([]string, len(s.features))
	for i, f := range s.features {
		names[i] = f.name
	}
	return strings.Join(names, "+") + "/" + s.fault.name + "/" + s.method + "/" + s.proto
}

func (s mxSpec) has(feature string) bool {
	return slices.ContainsFunc(s.features, func(f mxFeature) bool { return f.name == feature })
}

// parity reports whether the cell also runs without OnEvent.
func (s mxSpec) parity() bool {
	for _, f := range s.features {
		if !slices.Contains(mxParity, f.name) {
			return false
		}
	}
	return !s.fault.timing && s.proto == "h1"
}

// mxSpecs lists the cells: each feature alone, and each pair. retry is
// the Policy every Config has, so "retry+X" is the same Config as "X" and
// is not run twice.
func mxSpecs() []mxSpec {
	var sets [][]mxFeature
	for i, f := range mxFeatures {
		sets = append(sets, []mxFeature{f})
		if i == 0 {
			continue
		}
		for _, g := range mxFeatures[i+1:] {
			if f.field != g.field {
				sets = append(sets, []mxFeature{f, g})
			}
		}
	}
	var specs []mxSpec
	for _, fs := range sets {
		for _, fault := range mxFaults {
			for _, m := range mxMethods {
				for _, p := range mxProtos {
					specs = append(specs, mxSpec{features: fs, fault: fault, method: m, proto: p})
				}
			}
		}
	}
	return specs
}

// TestCompositionMatrix checks the invariants of docs/DESIGN.md §4 for
// every feature alone and every pair of features, under every fault kind
// of package faults, for GET and POST (with and without GetBody), over
// HTTP/1.1 and HTTP/2: 133 feature sets × 8 faults × 3 methods × 2
// protocols. A cell makes three calls through a Transport of its own over
// a tracking transport: A, whose body the caller holds open while B runs;
// B; then C. The fault strikes A's first attempt and all of B's (every
// attempt, in an outage). With the breaker, the server then recovers and
// the cell polls until the breaker lets an answer through. mxCell.check
// lists what each call must show; cells whose features may take the fast
// path run twice, with and without OnEvent, and must end alike.
//
// Cells run 32 at a time, each a subtest started from a pool of
// goroutines rather than with t.Parallel, which -parallel (GOMAXPROCS, 2
// here) would hold to two cells while most of a cell's time is waiting.
func TestCompositionMatrix(t *testing.T) {
	srv := mxStartServers(t)
	specs := mxSpecs()
	start := time.Now()
	var (
		mu     sync.Mutex
		failed = map[string][]mxSpec{} // check → failing cells
	)
	work, stop := make(chan mxSpec), make(chan struct{})
	var wg, watcher sync.WaitGroup
	watcher.Go(func() { srv.leaks.watch(stop) })
	for range mxWorkers {
		wg.Go(func() {
			for s := range work {
				t.Run(s.name(), func(t *testing.T) {
					probs, trace := mxRunSpec(srv, s)
					if len(probs) > 0 {
						t.Logf("the cell's calls:\n%s", trace)
					}
					checks := map[string]bool{}
					for i, p := range probs {
						if i < 4 {
							t.Errorf("%s: %s", p.check, p.msg)
						}
						checks[p.check] = true
					}
					mu.Lock()
					for c := range checks {
						failed[c] = append(failed[c], s)
					}
					mu.Unlock()
				})
			}
		})
	}
	for _, s := range specs {
		work <- s
	}
	close(work)
	wg.Wait()
	close(stop)
	watcher.Wait()
	for i, c := range srv.leaks.found {
		if i < 10 {
			t.Errorf("%s: goroutines left by the cell's calls:\n%s", c.spec.name(), c.stacks)
		} else {
			t.Errorf("%s: goroutines left by the cell's calls", c.spec.name())
		}
		failed["goroutines"] = append(failed["goroutines"], c.spec)
	}
	srv.close()
	if left := leaktest.Leaked("rebound-go/rebound."); left != "" {
		t.Errorf("goroutines left after the matrix:\n%s", left)
	}
	t.Logf("%d cells in %v", len(specs), time.Since(start).Round(time.Millisecond))
	mxSummary(t, failed)
}

// The inputs of issue 11, one test each, asserting the behaviour the issue
// asks for.

// mxTransport builds a Transport over a fake or fails the test.
func mxTransport(t *testing.T, next http.RoundTripper, cfg rebound.Config) *rebound.Transport {
	t.Helper()
	tr, err := rebound.NewTransport(next, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// mxGet sends a GET for path through rt and reads the answer whole.
func mxGet(rt http.RoundTripper, ctx context.Context, path string) (int, string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://fake.test"+path, nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}
