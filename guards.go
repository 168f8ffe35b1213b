package rebound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/hedge"
	"github.com/rebound-go/rebound/ratelimit"
	"github.com/rebound-go/rebound/throttle"
)

// ErrBudgetExhausted: the retry budget had nothing left, so the last
// result went back instead of a retry.
var ErrBudgetExhausted = errors.New("rebound: retry budget exhausted")

// ErrPaceCapped: pacing wanted to hold a request back longer than its
// MaxWait (or the context's deadline) allows; it waited that long and
// sent the request anyway. It appears as the Reason of a Paced event.
var ErrPaceCapped = errors.New("rebound: pacing wait capped")

// pace holds an attempt back while the host's quota runs low.
func (l *loop) pace(ctx context.Context, n, k int) error {
	wait, capped := l.g.pacer.Reserve(time.Now())
	if wait <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		wait, capped = max(time.Until(dl)-time.Millisecond, 0), true
	}
	if l.obs.active() {
		e := Event{Kind: Paced, Attempt: n, Hedge: k, Request: l.req, Delay: wait}
		if capped {
			e.Reason = ErrPaceCapped
		}
		l.obs.emit(ctx, e)
	}
	return sleep(ctx, wait)
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

// guards are the overload guards one call runs under; each nil when off.
type guards struct {
	budget   budget.Budget
	breaker  *breaker.Breaker
	throttle *throttle.Throttle
	bulkhead *bulkhead.Bulkhead
	timeout  time.Duration // per attempt, 0: none
	fraction float64       // of the remaining deadline, 0: none

	hedge     *hedge.Settings  // nil: no hedging
	latencies *hedge.Latencies // the host's latencies, for an adaptive hedge delay
	pacer     *ratelimit.Pacer // the host's quota, nil: no pacing
}

// isGuardRejection reports a refusal by a guard of rebound's own: it must
// end the loop at once, since the reason to refuse holds for a retry too
// (seed 003: retry wraps the breaker and stops on ErrCircuitOpen).
func isGuardRejection(err error) bool {
	return errors.Is(err, breaker.ErrCircuitOpen) || errors.Is(err, throttle.ErrThrottled) || errors.Is(err, bulkhead.ErrFull)
}

// verdict is how a guard sees an attempt: 5xx and network errors are the
// dependency failing; 429 says it is busy, not broken; a call the caller
// cancelled says nothing; anything else shows it working.
func verdict(ctx context.Context, resp *http.Response, err error) breaker.Outcome {
	switch {
	case err != nil:
		if ctx.Err() != nil || isGuardRejection(err) {
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

// attempt runs try under the throttle, the breaker and the attempt timeout.
func (g *guards) attempt(ctx context.Context, n int, try tryFunc) (*http.Response, error) {
	if g.throttle != nil {
		if err := g.throttle.Allow(); err != nil {
			return nil, err
		}
	}
	var ticket breaker.Ticket
	if g.breaker != nil {
		t, err := g.breaker.Allow()
		if err != nil {
			return nil, err
		}
		ticket = t
	}
	actx, cancel := g.attemptContext(ctx)
	resp, err := try(actx, n)
	if g.pacer != nil && resp != nil {
		if info, ok := ratelimit.Parse(resp.Header, time.Now()); ok {
			g.pacer.Update(info)
		}
	}
	if cancel != nil {
		if resp != nil {
			// The attempt's context must outlive RoundTrip: the caller still
			// reads the body. It ends when the body is closed.
			resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
		} else {
			cancel()
		}
	}
	if g.breaker != nil || g.throttle != nil {
		v := verdict(ctx, resp, err)
		if g.breaker != nil {
			g.breaker.Done(ticket, v)
		}
		if g.throttle != nil && v != breaker.Ignore {
			g.throttle.Record(v == breaker.Success)
		}
	}
	return resp, err
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// validateGuards checks the guard settings shared by Config and Runner.
func validateGuards(timeout time.Duration, fraction float64) error {
	if timeout < 0 {
		return fmt.Errorf("rebound: AttemptTimeout %v must not be negative", timeout)
	}
	if !(fraction >= 0 && fraction <= 1) {
		return fmt.Errorf("rebound: AttemptTimeoutFraction %v is not in [0, 1]", fraction)
	}
	return nil
}
