package rebound

import (
	"context"
	"net/http"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/throttle"
)

// Retry runs op until it succeeds, r says stop, or ctx ends (seed 003's
// Retry, for work that is not HTTP). r nil means the Retrier attached to
// ctx by WithRetrier, or else the zero Policy.
//
// op gets ctx for its own calls. It can end the loop with Permanent(err),
// or ask for a given wait with RetryAfter(err, d). Do returns nil on
// success; after a single failed attempt, op's error as it is; otherwise a
// *RetryError that wraps the last error and says why the loop stopped.
func Retry(ctx context.Context, r Retrier, op func(ctx context.Context) error) error {
	return (&Runner{Retrier: r}).Do(ctx, op)
}

// RetryValue is Retry for an operation that returns a value: the value of the
// successful attempt, or T's zero value with the error.
func RetryValue[T any](ctx context.Context, r Retrier, op func(ctx context.Context) (T, error)) (T, error) {
	var v T
	err := Retry(ctx, r, func(ctx context.Context) error {
		var err error
		v, err = op(ctx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// Runner runs operations with retries under one configuration, with the
// hooks the Transport has. Its zero value uses the zero Policy. A Runner
// is safe for concurrent use; do not change its fields once in use.
type Runner struct {
	// Retrier decides what is retried and how long to wait. nil means the
	// Retrier attached to the context, or else the zero Policy.
	Retrier Retrier
	// OnEvent, when set, is called for every attempt, wait and give-up.
	OnEvent func(context.Context, Event)

	// Overload guards, each off when nil, as in Config but one instance
	// for every call of this Runner rather than one per host.
	Budget   budget.Budget
	Breaker  *breaker.Breaker
	Throttle *throttle.Throttle
	Bulkhead *bulkhead.Bulkhead
	// AttemptTimeout and AttemptTimeoutFraction bound each attempt as in
	// Config; op sees the bound in its context.
	AttemptTimeout         time.Duration
	AttemptTimeoutFraction float64
	// Fallback, when set, is called with the error of a failed call; what
	// it returns is Do's result (nil: recovered).
	Fallback func(ctx context.Context, err error) error
}

var defaultPolicy Policy

// Do runs op with retries; see Retry.
func (r *Runner) Do(ctx context.Context, op func(ctx context.Context) error) error {
	if err := validateGuards(r.AttemptTimeout, r.AttemptTimeoutFraction); err != nil {
		return err
	}
	g := guards{budget: r.Budget, breaker: r.Breaker, throttle: r.Throttle, bulkhead: r.Bulkhead,
		timeout: r.AttemptTimeout, fraction: r.AttemptTimeoutFraction}
	l := loop{retrier: r.Retrier, obs: observer{onEvent: r.OnEvent}, g: &g}
	if o := optionsFrom(ctx); o != nil {
		if l.retrier == nil {
			l.retrier = o.retrier
		}
		l.obs.log = o.log
	}
	if l.retrier == nil {
		l.retrier = &defaultPolicy
	}
	try := func(ctx context.Context, _ int) (*http.Response, error) { return nil, op(ctx) }
	err := l.runGuarded(ctx, nil, func(ctx context.Context, n int) (*http.Response, error) { return l.plain(ctx, n, try) }).err
	if err != nil && r.Fallback != nil {
		return r.Fallback(ctx, err)
	}
	return err
}
