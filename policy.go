package rebound

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/rebound-go/rebound/backoff"
	"github.com/rebound-go/rebound/internal/httpidem"
)

// The defaults of a zero Policy, in one place.
const (
	defaultAttempts      = 3                      // in total, the first included
	defaultMaxRetryAfter = 30 * time.Second       // longest server-asked wait honoured
	defaultInitial       = 100 * time.Millisecond // first backoff
	defaultMaxDelay      = 5 * time.Second        // backoff cap
)

// defaultBackoff is the backoff of a zero Policy: 100 ms, doubling, at
// most 5 s, with equal jitter, so the spread never brings a retry closer
// than half the nominal delay.
var defaultBackoff backoff.Strategy = backoff.Exponential{
	Initial: defaultInitial, Max: defaultMaxDelay, Multiplier: 2, Jitter: backoff.Equal,
}

// Policy is rebound's retry policy: how many attempts, how to wait between
// them, what is retried. Its zero value is ready to use and means:
//
//   - 3 attempts in total;
//   - backoff.Exponential from 100 ms doubling to 5 s, with equal jitter
//     (a wait never shorter than half its nominal value);
//   - Retry-After (both forms, RFC 9110 §10.2.3) on 429 and 503 is a
//     floor: the wait is the server's plus the backoff, so clients told
//     the same instant come back spread out; up to 30 s, and a longer
//     one ends the loop at once;
//   - retried for every method: errors where nothing reached the server
//     (dial errors such as connection refused) and 429;
//   - retried for idempotent requests only (GET, HEAD, OPTIONS, TRACE, PUT,
//     DELETE, or any request with an Idempotency-Key header): timeouts,
//     resets, EOF before a response, and 5xx except 501 and 505;
//   - never retried: other 4xx, a cancelled or expired context, TLS
//     certificate errors, malformed URLs or unsupported schemes, errors
//     marked [Permanent], and refusals of rebound's own guards (open
//     breaker, throttle, bulkhead, spent budget);
//   - for operations run by [Retry]: every error but those above and
//     context.Canceled (a deadline of the operation's own is retried).
//
// A Policy is read-only once in use and safe for concurrent use. *Policy
// implements [Retrier].
type Policy struct {
	// Attempts is the total number of attempts, the first included.
	// 0 means 3; a negative value (-1) means no limit: the context's
	// cancellation or deadline alone ends the loop.
	Attempts int

	// Backoff gives the wait before each retry. nil means 100 ms doubling
	// to 5 s with equal jitter. It is checked with backoff.Validate.
	Backoff backoff.Strategy

	// MaxRetryAfter caps a wait the server asks for. A longer request ends
	// the loop with the last response and ErrRetryAfterTooLong. 0 means
	// 30 s; negative means Retry-After is ignored.
	MaxRetryAfter time.Duration

	// RetryStatuses adds status codes to retry, under the same idempotency
	// rule as 5xx, such as 404 while a replica catches up.
	RetryStatuses []int

	// RetryNonIdempotent retries every method on timeouts, resets and 5xx,
	// for servers known to deduplicate.
	RetryNonIdempotent bool

	// RetryIf, when set, replaces the rules above: it decides alone whether
	// an outcome is retried (a cancelled context still never is).
	RetryIf func(ctx context.Context, o Outcome) bool

	// Rand returns a uniform number in [0, 1) for jitter; it must be safe
	// for concurrent use. nil means math/rand/v2's Float64.
	Rand func() float64
}

// Validate reports a configuration that cannot work, naming the field: a
// Backoff that backoff.Validate rejects, or a RetryStatuses entry that is
// not an HTTP status or is a success. NewTransport, NewRunner and Retry
// call it, for the Policy of a Config and for a *Policy given as its
// Retrier (as for any Retrier with a Validate() error method).
func (p *Policy) Validate() error {
	if err := backoff.Validate(p.Backoff); err != nil {
		return fmt.Errorf("rebound: Policy.Backoff: %w", err)
	}
	for _, code := range p.RetryStatuses {
		if code < 100 || code > 999 {
			return fmt.Errorf("rebound: Policy.RetryStatuses: %d is not an HTTP status code", code)
		}
		if code >= 200 && code < 300 {
			return fmt.Errorf("rebound: Policy.RetryStatuses: %d is a success; retrying it would repeat work that worked", code)
		}
	}
	return nil
}

// MaxAttempts implements [Retrier].
func (p *Policy) MaxAttempts() int {
	switch {
	case p.Attempts == 0:
		return defaultAttempts
	case p.Attempts < 0:
		return -1
	}
	return p.Attempts
}

// ShouldRetry implements [Retrier] with the rules in the type's doc.
func (p *Policy) ShouldRetry(ctx context.Context, o Outcome) bool {
	if ctx.Err() != nil {
		return false
	}
	if p.RetryIf != nil {
		return p.RetryIf(ctx, o)
	}
	if o.Err != nil {
		return p.retryError(o)
	}
	if o.Response == nil {
		return false
	}
	code := o.Response.StatusCode
	switch {
	case code < 400:
		return p.extraStatus(code) && p.idempotent(o.Request)
	case code == http.StatusTooManyRequests:
		return true
	case code >= 500 && code != http.StatusNotImplemented && code != http.StatusHTTPVersionNotSupported,
		p.extraStatus(code):
		return p.idempotent(o.Request)
	}
	return false
}

func (p *Policy) retryError(o Outcome) bool {
	var perm *permanentError
	if errors.As(o.Err, &perm) || isRefusal(o.Err) {
		return false
	}
	if o.Request == nil { // an operation of Retry: any error but the above
		return !errors.Is(o.Err, context.Canceled)
	}
	switch classify(o.Err) {
	case notSent:
		return true
	case maybeSent:
		return p.idempotent(o.Request)
	}
	return false
}

// accepts reports, for a policy without RetryIf, that a response with
// this status ends the call well: the fast path of the Transport.
func (p *Policy) accepts(code int) bool {
	return code < 400 && (len(p.RetryStatuses) == 0 || !p.extraStatus(code))
}

func (p *Policy) extraStatus(code int) bool {
	for _, c := range p.RetryStatuses {
		if c == code {
			return true
		}
	}
	return false
}

func (p *Policy) idempotent(req *http.Request) bool {
	return p.RetryNonIdempotent || req == nil || httpidem.Idempotent(req)
}

// Delay implements [Retrier]: the backoff, on top of the server's
// Retry-After on 429 and 503 (or a wait asked for through [RetryAfter])
// when there is one.
func (p *Policy) Delay(o Outcome) (time.Duration, error) {
	d, _, err := p.delay(o)
	return d, err
}

// delay also says where the wait came from, for the events. A wait
// the server asks for is a floor, not a schedule: the backoff is added on
// top of it, so that clients told the same instant come back spread out
// (and a hostile or careless "Retry-After: 0" cannot turn unlimited
// attempts into a flood).
func (p *Policy) delay(o Outcome) (time.Duration, waitSource, error) {
	b := p.Backoff
	if b == nil {
		b = defaultBackoff
	}
	u := rand.Float64
	if p.Rand != nil {
		u = p.Rand
	}
	backoff := b.Delay(o.Attempt, o.PrevDelay, u())
	if asked, ok := p.serverWait(o); ok {
		limit := p.MaxRetryAfter
		if limit == 0 {
			limit = defaultMaxRetryAfter
		}
		if asked > limit {
			return 0, fromServer, fmt.Errorf("%w: asked %v, cap %v", ErrRetryAfterTooLong, asked, limit)
		}
		if asked > 0 {
			return asked + backoff, fromServer, nil
		}
	}
	return backoff, fromBackoff, nil
}

// serverWait finds a wait the server or the operation asked for.
func (p *Policy) serverWait(o Outcome) (time.Duration, bool) {
	if p.MaxRetryAfter < 0 {
		return 0, false
	}
	var hint *retryAfterError
	if o.Err != nil && errors.As(o.Err, &hint) {
		return max(hint.d, 0), true
	}
	if r := o.Response; r != nil && (r.StatusCode == http.StatusTooManyRequests || r.StatusCode == http.StatusServiceUnavailable) {
		if v := r.Header.Get("Retry-After"); v != "" {
			return parseRetryAfter(v, time.Now())
		}
	}
	return 0, false
}

// waitSource says why the loop waits, for the events.
type waitSource uint8

const (
	fromBackoff waitSource = iota
	fromServer
	fromRetrier
)

func (w waitSource) String() string {
	switch w {
	case fromServer:
		return "retry-after"
	case fromRetrier:
		return "retrier"
	}
	return "backoff"
}
