package rebound

import (
	"context"
	"net/http"
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
}

func (c *Config) validate() error {
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
		maxDrain:  orDefault(cfg.MaxDrain, DefaultMaxDrain)}
	if t.retrier == nil {
		t.retrier = &t.policy
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
	ctx := req.Context()
	l := loop{retrier: t.retrier, obs: observer{onEvent: t.onEvent}, req: req, drain: t.maxDrain, stats: &t.stats}
	if o := optionsFrom(ctx); o != nil {
		if o.retrier != nil {
			l.retrier = o.retrier
		}
		l.obs.log = o.log
	}
	t.stats.requests.Add(1)
	body, err := prepareBody(req, t.maxBuffer, l.retrier.MaxAttempts())
	if err != nil {
		t.stats.failed.Add(1)
		return nil, err
	}
	res := l.run(ctx, &body, func(n int) (*http.Response, error) {
		r, err := body.request(req, n)
		if err != nil {
			return nil, err
		}
		return t.next.RoundTrip(r)
	})
	body.finish(req, res.attempts)
	t.stats.done(res)
	return res.resp, res.err
}

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
