package rebound

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/hedge"
	"github.com/rebound-go/rebound/ratelimit"
	"github.com/rebound-go/rebound/throttle"
)

// Defaults of a zero Config.
const (
	// DefaultMaxBufferedBody is how much of a body without GetBody is held
	// in memory to be replayed: 1 MiB.
	DefaultMaxBufferedBody = 1 << 20
	// DefaultMaxDrain is how much of a discarded response is read so its
	// connection can be reused: 64 KiB. A longer body is closed unread.
	DefaultMaxDrain = 64 << 10
)

// Config configures a Transport or Client. Its zero value means the zero
// Policy and the documented defaults.
type Config struct {
	// Policy is the retry policy. Ignored when Retrier is set.
	Policy Policy
	// Retrier replaces Policy with rules of your own.
	Retrier Retrier

	// OnEvent, when set, is called for every attempt, wait and give-up.
	// It runs on the caller's goroutine and must be quick. See SlogEvents.
	OnEvent func(context.Context, Event)

	// MaxBufferedBody caps how much of a body without GetBody is buffered
	// for replay. A larger body is streamed and retried only while none of
	// it has been sent. 0 means DefaultMaxBufferedBody; negative means
	// never buffer.
	MaxBufferedBody int64
	// MaxDrain caps how much of a discarded response is read before it is
	// closed. 0 means DefaultMaxDrain; negative means close at once.
	MaxDrain int64

	// Overload guards, each off unless set. Budget, Breaker, Throttle and
	// Bulkhead are kept per host (see Key), made on the host's first
	// request; the path of a request runs through them in the order
	// bulkhead → throttle → retry loop (budget) → breaker → attempt timeout.

	// Budget makes the retry budget of one host: a retry goes out only if
	// the budget allows, else the last result goes back (ErrBudgetExhausted).
	// A retry at a time the server asked for (Retry-After) does not spend
	// it, and a 429 does not count as a failure: a quota is not an outage.
	// AdaptiveBudget is the recommended one.
	Budget func() budget.Budget
	// Breaker, when set, gives each host a circuit breaker with these
	// settings. A call it rejects returns breaker.ErrCircuitOpen at once,
	// never retried; a call whose retry it would reject gets the last
	// answer back, with ErrCircuitOpen as the reason in its attempt log. 5xx and network errors count as failures; 429 and
	// calls the caller cancelled do not count; everything else succeeds.
	Breaker *breaker.Settings
	// Throttle, when set, gives each host adaptive client-side throttling
	// (Google SRE): attempts are refused locally with throttle.ErrThrottled
	// when the host refuses most of them.
	Throttle *throttle.Settings
	// Bulkhead, when set, caps the calls in flight to each host; a call
	// over the cap waits or fails with bulkhead.ErrFull, as set.
	Bulkhead *bulkhead.Settings
	// Hedge, when set, sends extra copies of a slow attempt and keeps the
	// first good answer (see package hedge for the modes: parallel as
	// pester's Concurrency, fixed delay, or a percentile of the host's
	// recent latencies). Only idempotent requests are hedged, unless the
	// settings opt in; hedges spend the Budget like retries.
	Hedge *hedge.Settings
	// Pace, when set, reads each host's rate-limit headers (RateLimit,
	// X-RateLimit-*, see package ratelimit) and, once little quota remains,
	// spreads the next attempts over the time until it resets, so the
	// client slows down before it is refused. A Paced event reports each
	// wait.
	Pace *ratelimit.Settings
	// IdempotencyKey, when set, makes the Idempotency-Key header of a
	// request that has none and whose method is not idempotent: one key
	// per call, the same on every retry and hedge, so that a POST can be
	// retried safely. The caller's own key is never replaced.
	// NewIdempotencyKey is a good generator.
	IdempotencyKey func() string
	// Key names the host a request is for. nil means req.URL.Host.
	Key func(*http.Request) string

	// AttemptTimeout bounds each attempt, the reading of the response body
	// included. 0 means none.
	AttemptTimeout time.Duration
	// AttemptTimeoutFraction bounds each attempt to this fraction of what
	// the caller's deadline leaves (seed 003 advises 0.1 to 0.25), and to
	// AttemptTimeout too if both are set. 0 means none.
	AttemptTimeoutFraction float64

	// Fallback, when set, is called when a call fails: with the last
	// response when retries ran out on a status (Fallback then owns its
	// body), or with the error. What it returns goes to the caller.
	Fallback func(req *http.Request, resp *http.Response, err error) (*http.Response, error)
}

func (c *Config) validate() error {
	if err := validateGuards(c.AttemptTimeout, c.AttemptTimeoutFraction); err != nil {
		return err
	}
	if c.Hedge != nil {
		if err := c.Hedge.Validate(); err != nil {
			return err
		}
	}
	if c.Pace != nil {
		if err := c.Pace.Validate(); err != nil {
			return err
		}
	}
	if c.Retrier == nil {
		return c.Policy.Validate()
	}
	if v, ok := c.Retrier.(interface{ Validate() error }); ok {
		return v.Validate()
	}
	return nil
}

// Transport is an http.RoundTripper that retries through another one,
// following a policy: it replays bodies, drains what it discards, honours
// Retry-After and stops when the request's context ends. A policy attached
// to a request's context with WithRetrier overrides its own.
//
// When retries run out on a status, the caller gets the last response,
// unread; when they run out on an error, a *RetryError. The caller's
// request is never changed, and its body is always closed.
//
// A Transport is safe for concurrent use by any number of goroutines.
type Transport struct {
	next      http.RoundTripper
	policy    Policy
	retrier   Retrier
	onEvent   func(context.Context, Event)
	maxBuffer int64
	maxDrain  int64
	stats     counters
	hosts     *hostGuards // nil: no per-host guard
	timeouts  guards      // the attempt timeouts, shared by every host
	fallback  func(*http.Request, *http.Response, error) (*http.Response, error)
	idemKey   func() string
	// plainFirst: nothing observes or guards a call (but a retry budget)
	// unless its context says so, so RoundTrip may make the first attempt
	// before the loop.
	plainFirst bool
}

// NewTransport returns a Transport that sends attempts through next (nil
// means http.DefaultTransport). It rejects an invalid configuration.
func NewTransport(next http.RoundTripper, cfg Config) (*Transport, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if next == nil {
		next = http.DefaultTransport
	}
	t := &Transport{next: next, policy: cfg.Policy, retrier: cfg.Retrier, onEvent: cfg.OnEvent,
		maxBuffer: orDefault(cfg.MaxBufferedBody, DefaultMaxBufferedBody),
		maxDrain:  orDefault(cfg.MaxDrain, DefaultMaxDrain),
		timeouts:  guards{timeout: cfg.AttemptTimeout, fraction: cfg.AttemptTimeoutFraction, hedge: cfg.Hedge},
		fallback:  cfg.Fallback,
		idemKey:   cfg.IdempotencyKey}
	hosts, err := newHostGuards(&cfg, t.timeouts)
	if err != nil {
		return nil, err
	}
	t.hosts = hosts
	if t.retrier == nil {
		t.retrier = &t.policy
		t.plainFirst = cfg.Policy.RetryIf == nil && cfg.OnEvent == nil && (hosts == nil || hosts.onlyBudget()) &&
			cfg.AttemptTimeout == 0 && cfg.AttemptTimeoutFraction == 0 && cfg.Hedge == nil
	}
	return t, nil
}

func orDefault(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.idemKey != nil && !Idempotent(req) {
		req = withIdempotencyKey(req, t.idemKey())
	}
	ctx := req.Context()
	opts := optionsFrom(ctx)
	if t.plainFirst && opts == nil && ctx.Err() == nil && (req.Body == nil || req.Body == http.NoBody || req.GetBody != nil) {
		// Nothing watches this call and nothing guards it but a budget:
		// make the first attempt straight away, and pay for the loop only
		// if it fails.
		var b budget.Budget
		if t.hosts != nil {
			b = t.hosts.forRequest(req).budget
			b.Request()
		}
		resp, err := t.next.RoundTrip(req)
		if err == nil && t.policy.accepts(resp.StatusCode) {
			if b != nil {
				b.Result(false, true)
			}
			t.stats.succeeded.Add(1)
			return resp, nil
		}
		return t.roundTrip(ctx, req, opts, &firstAttempt{resp, err})
	}
	return t.roundTrip(ctx, req, opts, nil)
}

// firstAttempt is an attempt RoundTrip made before entering the loop.
type firstAttempt struct {
	resp *http.Response
	err  error
}

// roundTrip runs the whole loop; first, when set, is attempt 1 already made.
func (t *Transport) roundTrip(ctx context.Context, req *http.Request, opts *callOptions, first *firstAttempt) (*http.Response, error) {
	l := loop{retrier: t.retrier, obs: observer{onEvent: t.onEvent}, req: req, drain: t.maxDrain, stats: &t.stats}
	if opts != nil {
		if opts.retrier != nil {
			l.retrier = opts.retrier
		}
		l.obs.log = opts.log
	}
	l.g = &t.timeouts
	if t.hosts != nil {
		l.g = t.hosts.forRequest(req)
	}
	l.requested = first != nil // the budget has heard of this call
	body, err := prepareBody(req, t.maxBuffer, l.retrier)
	if err != nil {
		t.stats.failed.Add(1)
		return nil, err
	}
	var res result
	if l.g.hedge != nil && body.mode != streamed && body.mode != passthrough &&
		(l.g.hedge.NonIdempotent || Idempotent(req)) {
		res = t.hedged(ctx, req, l, body)
	} else {
		try := t.tryFor(req, &body)
		res = l.runGuarded(ctx, &body, func(ctx context.Context, n int) (*http.Response, error) {
			if n == 1 && first != nil {
				l.seq = 1
				l.report(ctx, false, first.resp, first.err)
				return first.resp, first.err
			}
			return l.plain(ctx, n, try)
		})
		body.finish(req, res.attempts)
	}
	t.stats.done(res)
	if !res.good && t.fallback != nil {
		return t.fallback(req, res.resp, res.err)
	}
	return res.resp, res.err
}

// tryFor returns the function that sends attempt seq of req.
func (t *Transport) tryFor(req *http.Request, body *replayBody) tryFunc {
	return func(ctx context.Context, seq int) (*http.Response, error) {
		r, err := body.request(req, seq)
		if err != nil {
			return nil, err
		}
		if ctx != req.Context() {
			r = r.WithContext(ctx)
		}
		return t.next.RoundTrip(r)
	}
}

// hedged runs a call whose tries are hedged groups. It takes the loop and
// the body by value: the copies' goroutines move them to the heap, and the
// plain path must not pay for that.
func (t *Transport) hedged(ctx context.Context, req *http.Request, l loop, body replayBody) result {
	try := t.tryFor(req, &body)
	res := l.runGuarded(ctx, &body, func(ctx context.Context, n int) (*http.Response, error) { return l.hedge(ctx, n, try) })
	body.finish(req, res.attempts)
	return res
}

func errorf(format string, args ...any) error { return fmt.Errorf("rebound: "+format, args...) }

// Stats returns the Transport's totals so far.
func (t *Transport) Stats() Stats { return t.stats.snapshot() }

// CloseIdleConnections closes the idle connections of the transport it
// wraps, when that one can. rebound itself never calls it on a caller's
// behalf: emptying a shared pool because one request failed only makes
// every other request dial again.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
