package rebound

import (
	"context"
	"net/http"
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
}

var defaultPolicy Policy

// Do runs op with retries; see Retry.
func (r *Runner) Do(ctx context.Context, op func(ctx context.Context) error) error {
	l := loop{retrier: r.Retrier, obs: observer{onEvent: r.OnEvent}}
	if o := optionsFrom(ctx); o != nil {
		if l.retrier == nil {
			l.retrier = o.retrier
		}
		l.obs.log = o.log
	}
	if l.retrier == nil {
		l.retrier = &defaultPolicy
	}
	return l.run(ctx, nil, func(int) (*http.Response, error) { return nil, op(ctx) }).err
}
