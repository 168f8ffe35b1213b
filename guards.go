package rebound

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/hedge"
	"github.com/rebound-go/rebound/internal/hedgeplan"
	"github.com/rebound-go/rebound/limit"
	"github.com/rebound-go/rebound/ratelimit"
	"github.com/rebound-go/rebound/throttle"
)

// stage is one step an attempt passes before it is sent. Each either
// admits the attempt or refuses it; a refused attempt is "not sent".
type stage uint8

const (
	stageBulkhead stage = iota
	stageRateLimit
	stageLearnRate
	stagePace
	stageLimit
	stageBreaker
	stageThrottle
	stageTimeout
)

// stages is the order in which an attempt meets the guards, outermost
// first: the one drawing of the path (doc.go's is checked against it).
// Waits for a turn come first (a bulkhead slot, the rate limits,
// pacing), so that the adaptive limit measures the host's latency and not
// ours, and a breaker ticket or a throttle count is never held while the
// attempt sleeps; the breaker comes before the throttle, so a call the
// breaker refuses never counts as a request the server did not accept.
var stages = [...]stage{stageBulkhead, stageRateLimit, stageLearnRate, stagePace, stageLimit, stageBreaker, stageThrottle, stageTimeout}

func (s stage) String() string {
	switch s {
	case stageBulkhead:
		return "bulkhead"
	case stageRateLimit:
		return "rate limit"
	case stageLearnRate:
		return "learnt rate"
	case stagePace:
		return "pacing"
	case stageLimit:
		return "adaptive limit"
	case stageBreaker:
		return "breaker"
	case stageThrottle:
		return "throttle"
	}
	return "attempt timeout"
}

// guards are the guards one call runs under; each nil when off. One set
// is kept per host; calls read it without a lock.
type guards struct {
	key      string
	budget   budget.Budget
	breaker  *breaker.Breaker
	throttle *throttle.Throttle
	bulkhead *bulkhead.Bulkhead
	pacer    *ratelimit.Pacer    // the host's quota
	limiter  RateLimiter         // Config.RateLimit, shared by every host
	learnt   *ratelimit.Adaptive // the rate the host accepts, learnt from its 429s
	limit    *limit.Limiter      // the host's adaptive concurrency limit
	admits   bool                // any of the stages but the attempt timeout
	rideOut  bool                // the breaker lets calls wait for the host (Settings.MaxWaiting)

	timeout   time.Duration        // per attempt, 0: none
	fraction  float64              // of the remaining deadline, 0: none
	hedge     *hedge.Settings      // nil: no hedging
	latencies *hedgeplan.Latencies // the host's latencies, for an adaptive hedge delay

	used     atomic.Bool  // called since the host table last looked (see hosts.go)
	counting *atomic.Bool // one host's guards: count its attempts in flight once this is set
	inflight atomic.Int32 // attempts admitted and not yet answered
}

// counts says whether g counts its attempts in flight now.
func (g *guards) counts() bool { return g.counting != nil && g.counting.Load() }

// permit is what an admitted attempt holds until it is over: released
// exactly once, when the attempt's answer is known (breaker, throttle) or
// when the caller closes the body it got (bulkhead slot, contexts).
type permit struct {
	ticket      breaker.Ticket
	broken      bool // a breaker ticket is held
	limitTicket limit.Ticket
	limited     bool                    // an adaptive limit ticket is held
	counted     bool                    // counted in the host's attempts in flight
	slot        bool                    // a bulkhead slot is held
	cause       context.CancelCauseFunc // a hedged copy's context
	cancel      context.CancelFunc      // the attempt timeout's context
	settled     bool                    // the attempt ended normally; nothing left to abort
}

// admit runs an attempt through the stages in order. On a refusal it
// releases what the earlier stages gave and returns the refusal.
func (c *call) admit(ctx context.Context, n, k int, p *permit) error {
	g := c.g
	for _, s := range stages {
		var err error
		switch s {
		case stageBulkhead:
			if g.bulkhead != nil {
				err = g.bulkhead.Wait(ctx)
				p.slot = err == nil
			}
		case stageRateLimit:
			if g.limiter != nil {
				err = g.limiter.Wait(ctx)
			}
		case stageLearnRate:
			if g.learnt != nil {
				err = g.learnt.Wait(ctx)
			}
		case stagePace:
			if g.pacer != nil {
				err = c.pace(ctx, n, k)
			}
		case stageLimit:
			if g.limit != nil {
				p.limitTicket, err = g.limit.Wait(ctx)
				p.limited = err == nil
			}
		case stageBreaker:
			if g.breaker != nil {
				p.ticket, err = g.breaker.Allow()
				if err != nil && g.rideOut {
					p.ticket, err = c.rideOut(ctx, n, k)
				}
				p.broken = err == nil
			}
		case stageThrottle:
			if g.throttle != nil {
				err = g.throttle.Allow()
			}
		}
		if err != nil {
			c.abort(p, breaker.Ignore)
			return err
		}
	}
	return nil
}

// abort gives back what p holds, reporting o to the breaker: Ignore for
// an attempt that was never sent, Failure for one whose RoundTripper
// panicked.
func (c *call) abort(p *permit, o breaker.Outcome) {
	if p.settled {
		return
	}
	p.settled = true
	if p.counted {
		p.counted = false
		c.g.inflight.Add(-1)
	}
	if p.broken {
		c.g.breaker.Done(p.ticket, o)
	}
	if p.limited {
		p.limited = false
		lo := limit.OutcomeIgnored
		if o == breaker.Failure {
			lo = limit.OutcomeDropped
		}
		c.g.limit.Done(p.limitTicket, lo)
	}
	c.release(p)
}

// release frees what outlives an attempt's answer.
func (c *call) release(p *permit) {
	if p.slot {
		p.slot = false
		c.g.bulkhead.Done()
	}
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	if p.cause != nil {
		p.cause(nil)
		p.cause = nil
	}
}

// pace holds an attempt back while the host's quota runs low. A wait that
// would pass the deadline is a refusal: the attempt could not be answered
// in time.
func (c *call) pace(ctx context.Context, n, k int) error {
	wait, _ := c.g.pacer.Reserve(time.Now())
	if wait <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		return ErrWaitPastDeadline
	}
	if c.obs.active() {
		c.emit(ctx, Event{Kind: EventWait, Attempt: n, Hedge: k, Delay: wait, Source: "pacing"})
	}
	return sleep(ctx, wait)
}

// rideOut waits for an open breaker to let the attempt through: the host
// is down for a short while, and the call may outlast it (see
// breaker.Settings.MaxWaiting). The wait is an EventWait with Source
// "breaker"; the attempt's start is its release, an EventRefused its end
// without one.
func (c *call) rideOut(ctx context.Context, n, k int) (breaker.Ticket, error) {
	if c.obs.active() {
		c.emit(ctx, Event{Kind: EventWait, Attempt: n, Hedge: k, Source: "breaker"})
	}
	return c.g.breaker.Wait(ctx)
}

// RateLimiter is a client-side rate limit: Wait blocks until one more
// request may be sent, or returns an error when it cannot be within ctx.
// golang.org/x/time/rate's *Limiter satisfies it. Implementations must be
// safe for concurrent use.
type RateLimiter interface {
	Wait(ctx context.Context) error
}

// attemptContext bounds one attempt: the fixed timeout, or the fraction of
// what the caller's deadline leaves, whichever is shorter. cancel is nil
// when there is no bound.
func (g *guards) attemptContext(ctx context.Context) (context.Context, context.CancelFunc) {
	d := g.timeout
	if g.fraction > 0 {
		if dl, ok := ctx.Deadline(); ok {
			if f := time.Duration(g.fraction * float64(time.Until(dl))); d == 0 || f < d {
				d = max(f, time.Nanosecond)
			}
		}
	}
	if d <= 0 {
		return ctx, nil
	}
	return context.WithTimeout(ctx, d)
}

// isRefusal reports a refusal by one of rebound's guards: the attempt was
// not sent, and the reason to refuse holds for a retry too.
func isRefusal(err error) bool {
	return errors.Is(err, breaker.ErrCircuitOpen) || errors.Is(err, throttle.ErrThrottled) ||
		errors.Is(err, bulkhead.ErrFull) || errors.Is(err, budget.ErrExhausted) ||
		errors.Is(err, limit.ErrLimited) || errors.Is(err, ratelimit.ErrLimited)
}

// verdict is how a guard sees an attempt that was sent: 5xx and network
// errors are the dependency failing; 429 says it is busy, not broken; a
// call the caller cancelled says nothing; anything else shows it working.
func verdict(ctx context.Context, resp *http.Response, err error) breaker.Outcome {
	switch {
	case err != nil:
		if ctx.Err() != nil {
			return breaker.Ignore
		}
		return breaker.Failure
	case resp == nil:
		return breaker.Success
	case resp.StatusCode >= 500:
		return breaker.Failure
	case resp.StatusCode == http.StatusTooManyRequests:
		return breaker.Ignore
	}
	return breaker.Success
}

// adaptiveGuards checks cfg's adaptive limit and learnt rate, and returns
// what gives a host its own of each.
func adaptiveGuards(cfg *Config) (func(*guards), error) {
	ls, err := copied(cfg.Limit, accepted(limit.New))
	if err != nil {
		return nil, err
	}
	as, err := copied(cfg.LearnRate, accepted(ratelimit.NewAdaptive))
	if err != nil {
		return nil, err
	}
	return func(g *guards) {
		if ls != nil {
			g.limit, _ = limit.New(*ls) // validated above
		}
		if as != nil {
			g.learnt, _ = ratelimit.NewAdaptive(*as)
		}
	}, nil
}

// validateGuards checks the attempt timeouts.
func validateGuards(timeout time.Duration, fraction float64) error {
	if timeout < 0 {
		return fmt.Errorf("rebound: AttemptTimeout %v must not be negative", timeout)
	}
	if !(fraction >= 0 && fraction <= 1) {
		return fmt.Errorf("rebound: AttemptTimeoutFraction %v is not in [0, 1]", fraction)
	}
	return nil
}
