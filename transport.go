package rebound

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/fleet"
	"github.com/rebound-go/rebound/hedge"
	"github.com/rebound-go/rebound/internal/hedgeplan"
	"github.com/rebound-go/rebound/internal/httpidem"
	"github.com/rebound-go/rebound/limit"
	"github.com/rebound-go/rebound/ratelimit"
	"github.com/rebound-go/rebound/throttle"
)

// Defaults of a zero Config.
const (
	// defaultMaxBufferedBody is how much of a body without GetBody is kept
	// in memory to be replayed: 1 MiB.
	defaultMaxBufferedBody = 1 << 20
	// defaultMaxDrain is how much of a discarded response is read so its
	// connection can be reused: 64 KiB. A longer body is closed unread.
	defaultMaxDrain = 64 << 10
)

// Config configures a Transport or a Runner. Its zero value
// means the zero Policy and the documented defaults. NewTransport and
// NewRunner copy what it points to: changing a Settings value afterwards
// changes nothing.
type Config struct {
	// Policy is the retry policy. Ignored when Retrier is set.
	Policy Policy
	// Retrier replaces Policy with rules of your own.
	Retrier Retrier

	// OnEvent, when set, is called for every attempt, wait, refusal,
	// hedge, give-up and breaker change. It runs on the caller's
	// goroutine (a hedge's on the hedge's) and must be quick. See
	// SlogEvents.
	OnEvent func(context.Context, Event)

	// MaxBufferedBody caps how much of a body without GetBody is kept for
	// replay. Nothing is read ahead of the transport: the first attempt
	// streams the body and keeps what it sends, so a retry can send it
	// again while it is under the cap. A body past the cap is not retried
	// once bytes of it have left. 0 means 1 MiB;
	// negative means keep nothing. HTTP only.
	MaxBufferedBody int64
	// MaxDrain caps how much of a discarded response is read before it is
	// closed. 0 means 64 KiB; negative means close at once. HTTP
	// only.
	MaxDrain int64
	// BufferResponse, when positive, reads each response body of up to
	// this many bytes inside the attempt, so that a body cut short (an
	// unexpected EOF, a reset mid-body) is retried like any network error
	// rather than reaching the caller as a read error; the caller reads
	// it from memory. A longer body is streamed as usual after its first
	// BufferResponse bytes. 0 means off. HTTP only.
	BufferResponse int64

	// The guards, each off unless set, kept per host (see Key and
	// MaxHosts) by a Transport and once for all calls by a Runner. An
	// attempt meets them in the order drawn in the package doc. A guard
	// that refuses makes the attempt "not sent": the call ends with the
	// last answer the server gave, unread, or with a *RetryError that
	// wraps the refusal when there is none; a refusal is never counted as
	// the server's outcome.

	// Budget makes the retry budget of one host: a retry or a hedge goes
	// out only if the budget allows, else the call ends with the last
	// result and budget.ErrExhausted as the reason. A retry of a 429 at
	// the server's Retry-After does not spend it (a quota is not an
	// outage); every other retry does. AdaptiveBudget is the recommended
	// one.
	Budget func() budget.Budget
	// Breaker gives each host a circuit breaker with these settings. 5xx
	// and network errors count as failures; 429, calls the caller
	// cancelled, hedges that lost and refused attempts do not count;
	// everything else succeeds. A retry the breaker would refuse is not
	// waited for: the call ends with the answer in hand; unless
	// Settings.MaxWaiting turns ride-out on, and then it waits for the
	// host to come back like a first attempt.
	Breaker *breaker.Settings
	// Throttle gives each host adaptive client-side throttling (Google
	// SRE book, ch. 21): attempts are refused locally with
	// throttle.ErrThrottled when the host refuses most of them.
	Throttle *throttle.Settings
	// Bulkhead caps the attempts in flight to each host; an attempt over
	// the cap waits or is refused with bulkhead.ErrFull, as set. A slot is
	// held until the caller closes the response body.
	Bulkhead *bulkhead.Settings
	// Limit gives each host an adaptive concurrency limit (package limit):
	// the attempts in flight are capped by a limit that follows the
	// host's latency and its refusals (5xx, 429, timeouts), in the family
	// of TCP Vegas and Netflix's concurrency-limits. An attempt over the
	// limit waits (bounded by its deadline and Settings.MaxWait) or is
	// refused with limit.ErrLimited. Under pressure it sheds
	// limit.PriorityLow calls before normal ones, and never sheds
	// limit.PriorityCritical on its own: set a call's priority with
	// limit.WithPriority on its context.
	Limit *limit.Settings
	// LearnRate learns the rate each host accepts from its 429s and sends
	// at it, for servers that refuse without rate-limit headers (nginx's
	// limit_req): the AWS SDKs' adaptive retry mode, a token bucket whose
	// rate falls on each 429 and grows back CUBIC-style (package
	// ratelimit, Adaptive). It does not hold anything back until a host's
	// first 429. An attempt whose turn would come after its deadline is
	// refused with ratelimit.ErrLimited. HTTP only.
	LearnRate *ratelimit.AdaptiveSettings
	// RateLimit holds every attempt of the Transport (or Runner), retries
	// and hedges included, to a client-side rate: its Wait is called
	// before each one, and an error from it refuses the attempt ("not
	// sent"). Bring golang.org/x/time/rate's *Limiter, or a fleet-wide
	// quota (contrib/redis). nil means none.
	RateLimit RateLimiter
	// Pace reads each host's rate-limit headers (RateLimit,
	// X-RateLimit-*, see package ratelimit) and, once little quota
	// remains, spreads the next attempts over the time until it resets.
	// Each such wait is an EventWait with Source "pacing"; one that would
	// pass the deadline refuses the attempt (ErrWaitPastDeadline). HTTP
	// only.
	Pace *ratelimit.Settings
	// Fleet, when set, shares each host's Breaker, Budget and Pace with
	// the other processes of the service through the Fleet's store
	// (package fleet; contrib/redis for Redis): a breaker open in one
	// process is open in all within one sync interval, half-open probes
	// on one lease for the fleet, retries stay within the budget's share
	// of the fleet's traffic, and the quota one process learns paces all.
	// Calls still read local state only; while the store is unreachable
	// every guard is local. The Fleet is the caller's to Close. nil means
	// each process's guards learn alone.
	Fleet *fleet.Fleet
	// Hedge sends extra copies of a slow attempt and keeps the first good
	// answer (see package hedge: all at once as pester's Concurrency, a
	// fixed delay, or a percentile of the host's recent latencies). Only
	// idempotent requests are hedged, unless the settings opt in; hedges
	// spend the Budget like retries. HTTP only.
	Hedge *hedge.Settings
	// AttemptTimeout bounds each attempt, the reading of the response body
	// included. 0 means none.
	AttemptTimeout time.Duration
	// AttemptTimeoutFraction bounds each attempt to this fraction of what
	// the caller's deadline leaves (0.1 to 0.25 is usual), and to
	// AttemptTimeout too if both are set. 0 means none.
	AttemptTimeoutFraction float64

	// IdempotencyKey, when set, makes the Idempotency-Key header of a
	// request that has none and whose method is not idempotent: one key
	// per call, the same on every retry and hedge, so that a POST can be
	// retried safely. The caller's own key is never replaced.
	// NewIdempotencyKey is a good generator. HTTP only.
	IdempotencyKey func() string
	// Key names the host a request is for. nil means req.URL.Host. HTTP
	// only.
	Key func(*http.Request) string
	// ShowQueryValues makes SlogEvents show the
	// values of a URL's query parameters. By default they show each
	// parameter's name and hide its value, as they hide header values and
	// URL passwords: an API key in a query string is as secret as one in
	// a header. HTTP only.
	ShowQueryValues bool
	// MaxHosts bounds how many hosts a Transport keeps guards for: past
	// it, the hosts not called for the longest are forgotten (a CLOCK
	// sweep). 0 means 1024; negative means no bound. HTTP only.
	MaxHosts int

	// Fallback, when set, is called when a call fails: with the last
	// response when retries ran out on a status (Fallback then owns its
	// body), or with the error. What it returns goes to the caller. HTTP
	// only: a Runner's caller handles Do's error itself.
	Fallback func(req *http.Request, resp *http.Response, err error) (*http.Response, error)
}

func (c *Config) validate() error {
	if err := validateGuards(c.AttemptTimeout, c.AttemptTimeoutFraction); err != nil {
		return err
	}
	if c.Hedge != nil {
		if err := hedgeplan.Validate(c.Hedge); err != nil {
			return err
		}
	}
	if c.Fleet != nil && c.Breaker == nil && c.Budget == nil && c.Pace == nil {
		return errorf("Config.Fleet is set but there is no Breaker, Budget or Pace to share")
	}
	if c.BufferResponse < 0 {
		return errorf("Config.BufferResponse %d must not be negative", c.BufferResponse)
	}
	if c.Pace != nil {
		if err := c.Pace.Validate(); err != nil {
			return err
		}
	}
	return validateRetrier(c.Retrier, &c.Policy)
}

// validateRetrier checks the policy, or a Retrier that can check itself.
func validateRetrier(r Retrier, p *Policy) error {
	if r == nil {
		return p.Validate()
	}
	if v, ok := r.(interface{ Validate() error }); ok {
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
// The zero Transport retries through a clone of http.DefaultTransport (see
// NewTransport) with the zero Policy and no guard. A Transport is safe for concurrent use by any
// number of goroutines.
type Transport struct {
	base       http.RoundTripper // nil: http.DefaultTransport
	policy     Policy
	retrier    Retrier // nil: &policy
	onEvent    func(context.Context, Event)
	maxBuffer  int64 // 0: defaultMaxBufferedBody
	maxDrain   int64 // 0: defaultMaxDrain
	bufferResp int64 // read each response up to this inside the attempt; 0: off
	stats      counters
	hosts      *hostTable // nil: no per-host guard
	shared     guards     // attempt timeouts and hedging, for every host; the guards when hosts is nil
	fallback   func(*http.Request, *http.Response, error) (*http.Response, error)
	idemKey    func() string
	showQuery  bool // Config.ShowQueryValues
	// lean: nothing watches a call and nothing guards it but a budget or
	// a breaker, so RoundTrip may make attempt 1 before building the call
	// (firstAttempt), unless the request's context carries options.
	lean bool
}

// NewTransport returns a Transport that sends attempts through next (nil
// means http.DefaultTransport, cloned once for the whole process, with a
// connection pool of its own, so that a proxy's refusal of CONNECT is
// recognised and retried like a refused dial). It rejects an invalid configuration with
// an error that names the field.
func NewTransport(next http.RoundTripper, cfg Config) (*Transport, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	t := &Transport{base: next, policy: cfg.Policy, retrier: cfg.Retrier, onEvent: cfg.OnEvent,
		maxBuffer: cfg.MaxBufferedBody, maxDrain: cfg.MaxDrain, bufferResp: cfg.BufferResponse,
		shared:   guards{timeout: cfg.AttemptTimeout, fraction: cfg.AttemptTimeoutFraction, limiter: cfg.RateLimit, admits: cfg.RateLimit != nil},
		fallback: cfg.Fallback, idemKey: cfg.IdempotencyKey, showQuery: cfg.ShowQueryValues}
	t.policy.RetryStatuses = append([]int(nil), cfg.Policy.RetryStatuses...)
	if cfg.Hedge != nil {
		h := *cfg.Hedge
		t.shared.hedge = &h
	}
	hosts, err := newHostTable(&cfg, &t.shared)
	if err != nil {
		return nil, err
	}
	t.hosts = hosts
	t.lean = cfg.OnEvent == nil && cfg.RateLimit == nil && cfg.Throttle == nil && cfg.Limit == nil && cfg.LearnRate == nil && cfg.Bulkhead == nil && cfg.Pace == nil &&
		cfg.Hedge == nil && cfg.AttemptTimeout == 0 && cfg.AttemptTimeoutFraction == 0 &&
		cfg.Retrier == nil && cfg.Policy.RetryIf == nil && cfg.IdempotencyKey == nil &&
		(cfg.Breaker == nil || cfg.Breaker.MaxWaiting == 0) && cfg.BufferResponse <= 0
	return t, nil
}

func orDefault(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

func (t *Transport) next() http.RoundTripper {
	if t.base == nil {
		defaultNext.once.Do(func() { defaultNext.rt = withProxyCheck(http.DefaultTransport) })
		return defaultNext.rt
	}
	return t.base
}

// defaultNext is what a Transport made with a nil RoundTripper sends
// through: http.DefaultTransport, cloned once with a check that turns a
// proxy's refusal of CONNECT into an error classify can read (nothing
// reached the origin, so it is retried for every method).
var defaultNext struct {
	once sync.Once
	rt   http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.lean && req.URL != nil && (req.Body == nil || req.Body == http.NoBody || req.GetBody != nil) {
		ctx := req.Context()
		if ctx.Err() == nil && optionsFrom(ctx) == nil {
			g := &t.shared
			if t.hosts != nil {
				g = t.hosts.get(req)
			}
			a := t.firstAttempt(req, g)
			if a.err == nil && a.resp != nil && t.policy.accepts(a.resp.StatusCode) {
				t.stats.succeeded.Add(1)
				return a.resp, nil
			}
			return t.roundTrip(req, g, a, true)
		}
	}
	return t.roundTrip(req, nil, attemptResult{}, false)
}

// firstAttempt is attempt 1 of a call that nothing watches and that only
// a budget or a breaker guards: the same stages as admit and send, with
// nothing else to do, made before the call's state is built. Whatever it
// gives, run takes as its first attempt.
func (t *Transport) firstAttempt(req *http.Request, g *guards) (a attemptResult) {
	if g.breaker == nil && g.budget == nil && g.counting == nil {
		// Nothing to give back if the RoundTripper panics: no defer.
		a.resp, a.err = t.next().RoundTrip(req)
		return a
	}
	var p permit
	if g.breaker != nil {
		if p.ticket, a.refused = g.breaker.Allow(); a.refused != nil {
			return a
		}
		p.broken = true
	}
	if g.counts() {
		g.inflight.Add(1)
		p.counted = true
	}
	defer g.abortSend(&p) // only if the RoundTripper panics
	a.resp, a.err = t.next().RoundTrip(req)
	if p.counted {
		p.counted = false
		g.inflight.Add(-1)
	}
	if g.breaker != nil || g.budget != nil {
		g.report(req.Context(), false, &p, a.resp, a.err)
	}
	return a
}

// roundTrip runs a call through the retry loop. g, when set, are the
// guards of req's host; when made, first is attempt 1.
func (t *Transport) roundTrip(req *http.Request, g *guards, first attemptResult, made bool) (*http.Response, error) {
	if req.URL == nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, errorf("nil Request.URL")
	}
	if t.idemKey != nil && !httpidem.Idempotent(req) {
		req = withIdempotencyKey(req, t.idemKey())
	}
	ctx := req.Context()
	c := call{t: t, req: req, retrier: t.retrier, obs: observer{onEvent: t.onEvent},
		g: g, drain: orDefault(t.maxDrain, defaultMaxDrain), stats: &t.stats, first: first, made: made}
	if opts := optionsFrom(ctx); opts != nil {
		if opts.retrier != nil {
			c.retrier = opts.retrier
		}
	}
	if c.retrier == nil {
		c.retrier = &t.policy
	}
	if c.g == nil {
		c.g = &t.shared
		if t.hosts != nil {
			c.g = t.hosts.get(req)
		}
	}
	hedged := c.g.hedge != nil && (c.g.hedge.NonIdempotent || httpidem.Idempotent(req))
	body, err := prepareBody(req, orDefault(t.maxBuffer, defaultMaxBufferedBody), c.retrier, hedged)
	if err != nil {
		t.stats.failed.Add(1)
		return nil, err
	}
	c.body = body
	c.hedging = hedged && body.mode != recorded
	res := c.run(ctx)
	c.body.finish(req)
	t.stats.done(res)
	if !res.good && t.fallback != nil {
		return t.fallback(req, res.resp, res.err)
	}
	return res.resp, res.err
}

func errorf(format string, args ...any) error { return fmt.Errorf("rebound: "+format, args...) }

// CloseIdleConnections closes the idle connections of the transport it
// wraps, when that one can. rebound itself never calls it on a caller's
// behalf: emptying a shared pool because one request failed only makes
// every other request dial again.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.next().(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// counters are a Transport's totals, updated atomically: one atomic add on
// the success path, as Requests is the sum of how calls ended.
type counters struct {
	retries, succeeded, failed, hedges, hedgeWins atomic.Int64
}

// Stats are a Transport's totals since it was made.
type Stats struct {
	Requests  int64 // calls ended, well or not
	Retries   int64 // tries beyond the first (each may send hedges)
	Succeeded int64 // calls that ended with a response the policy accepted
	Failed    int64 // calls that ended in an error or gave up on a retryable status
	Hedges    int64 // hedged copies sent
	HedgeWins int64 // tries won by a hedged copy rather than the first
}

// Stats returns the Transport's totals so far.
func (t *Transport) Stats() Stats { return t.stats.snapshot() }

func (c *counters) snapshot() Stats {
	s, f := c.succeeded.Load(), c.failed.Load()
	return Stats{s + f, c.retries.Load(), s, f, c.hedges.Load(), c.hedgeWins.Load()}
}

func (c *counters) done(r result) {
	if r.good {
		c.succeeded.Add(1)
	} else {
		c.failed.Add(1)
	}
}

// AdaptiveBudget makes the recommended retry budget: budget.Adaptive with
// its defaults, whose share of traffic follows how often retries succeed,
// between 10 % (an outage costs the server 1.1× its load) and 50 %
// (random failures still retried to success). Use it as Config.Budget.
func AdaptiveBudget() budget.Budget {
	b, err := budget.NewAdaptive(budget.AdaptiveSettings{})
	if err != nil {
		panic(err) // the zero settings are valid; a test holds that
	}
	return b
}
