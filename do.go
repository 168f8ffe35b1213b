package rebound

import (
	"context"
	"errors"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/limit"
	"github.com/rebound-go/rebound/throttle"
)

// Retry runs op until it succeeds, r says stop, or ctx ends: the retry
// loop for work that is not HTTP. r nil means the Retrier attached to ctx
// by WithRetrier, or else the zero Policy; a *Policy is validated first.
//
// op gets ctx for its own calls. It can end the loop with Permanent(err),
// or ask for a given wait with RetryAfter(err, d). Retry returns nil on
// success; after a single failed attempt, op's error as it is; otherwise a
// *RetryError that wraps the last error and says why the loop stopped. An
// operation that makes a value keeps it in a variable of the caller's,
// set by the attempt that succeeds.
func Retry(ctx context.Context, r Retrier, op func(ctx context.Context) error) error {
	if p, ok := r.(*Policy); ok {
		if err := p.Validate(); err != nil {
			return err
		}
	}
	runner := Runner{retrier: r}
	return runner.Do(ctx, op)
}

// Runner runs operations with retries through the same pipeline as a
// Transport, configured by the same Config: one set of guards (budget,
// breaker, throttle, bulkhead, adaptive limit, rate limit, attempt
// timeouts) for every call of the Runner. Make one with NewRunner; the zero Runner uses the zero Policy
// and no guard. A Runner is safe for concurrent use.
type Runner struct {
	retrier Retrier // nil: the context's, or policy
	policy  Policy
	onEvent func(context.Context, Event)
	g       guards
}

// NewRunner returns a Runner configured by cfg. It rejects an invalid
// configuration, and the fields that only have a meaning for HTTP
// (MaxBufferedBody, MaxDrain, BufferResponse, Pace, LearnRate, Hedge,
// IdempotencyKey, Key, MaxHosts, Fallback), with an error that names the
// field.
func NewRunner(cfg Config) (*Runner, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"MaxBufferedBody", cfg.MaxBufferedBody != 0}, {"MaxDrain", cfg.MaxDrain != 0}, {"BufferResponse", cfg.BufferResponse != 0},
		{"Pace", cfg.Pace != nil}, {"Hedge", cfg.Hedge != nil}, {"IdempotencyKey", cfg.IdempotencyKey != nil},
		{"Key", cfg.Key != nil}, {"MaxHosts", cfg.MaxHosts != 0}, {"Fallback", cfg.Fallback != nil},
		{"LearnRate", cfg.LearnRate != nil},
	} {
		if f.set {
			return nil, errorf("Config.%s is for HTTP; a Runner does not use it", f.name)
		}
	}
	r := &Runner{retrier: cfg.Retrier, policy: cfg.Policy, onEvent: cfg.OnEvent,
		g: guards{timeout: cfg.AttemptTimeout, fraction: cfg.AttemptTimeoutFraction, limiter: cfg.RateLimit}}
	r.policy.RetryStatuses = append([]int(nil), cfg.Policy.RetryStatuses...)
	var err error
	if cfg.Budget != nil {
		if r.g.budget = cfg.Budget(); r.g.budget == nil {
			return nil, errorf("Config.Budget returned a nil budget")
		}
	}
	if cfg.Breaker != nil {
		if r.g.breaker, err = breaker.New(breakerSettings(*cfg.Breaker, cfg.Breaker.Name, cfg.OnEvent)); err != nil {
			return nil, err
		}
		r.g.rideOut = cfg.Breaker.MaxWaiting > 0
	}
	if cfg.Throttle != nil {
		if r.g.throttle, err = throttle.New(*cfg.Throttle); err != nil {
			return nil, err
		}
	}
	if cfg.Bulkhead != nil {
		if r.g.bulkhead, err = bulkhead.New(*cfg.Bulkhead); err != nil {
			return nil, err
		}
	}
	if cfg.Limit != nil {
		if r.g.limit, err = limit.New(*cfg.Limit); err != nil {
			return nil, err
		}
	}
	r.g.admits = r.g.breaker != nil || r.g.throttle != nil || r.g.bulkhead != nil || r.g.limiter != nil || r.g.limit != nil
	return r, nil
}

// Do runs op with retries; see Retry. An attempt a guard refuses is not
// made: Do returns a *RetryError whose Reason is the guard's error
// (errors.Is(err, breaker.ErrCircuitOpen), …), wrapping the last error of
// op if there was one. If op panics, the panic goes on up, and the guards
// get back what the attempt held (a breaker counts it as a failure).
func (r *Runner) Do(ctx context.Context, op func(ctx context.Context) error) error {
	if op == nil {
		return errors.New("rebound: Runner.Do: nil operation")
	}
	c := call{op: op, retrier: r.retrier, obs: observer{onEvent: r.onEvent}, g: &r.g, drain: -1}
	if o := optionsFrom(ctx); o != nil && c.retrier == nil {
		c.retrier = o.retrier
	}
	if c.retrier == nil {
		c.retrier = &r.policy
	}
	return c.run(ctx).err
}
