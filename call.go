package rebound

import (
	"context"
	"net/http"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
)

// call is one call's way through the retry loop, for the Transport and
// for Runner alike: tries, the retrier's verdict, the wait, and the
// reasons to stop early. It lives on the caller's stack; a hedged try
// works on a copy (see hedge) so that the plain path never allocates it.
type call struct {
	t       *Transport                  // nil for Runner
	op      func(context.Context) error // Runner's operation; nil for HTTP
	req     *http.Request               // nil for Runner
	body    replayBody
	retrier Retrier
	obs     observer
	g       *guards
	drain   int64         // bytes to drain from a discarded response; <0: none
	stats   *counters     // nil for Runner
	hedging bool          // tries are hedged groups
	first   attemptResult // attempt 1, when made by Transport.firstAttempt
	made    bool          // first holds attempt 1

	seq  int            // attempts sent so far, hedges included
	held *http.Response // the last answer, kept unread until a retry is admitted
	last error          // the last attempt's error, or a *StatusError for its response
}

// result is how a call ended.
type result struct {
	resp     *http.Response
	err      error
	attempts int
	good     bool // the retrier was content with the last outcome
}

// run makes tries until one is good or a reason to stop comes.
func (c *call) run(ctx context.Context) result {
	limit := c.retrier.MaxAttempts()
	var prev time.Duration
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil && !(n == 1 && c.made) { // an attempt made is never dropped
			return c.giveUp(ctx, n-1, err, nil, c.last)
		}
		var a attemptResult
		if c.hedging {
			a = c.hedge(ctx, n)
		} else {
			a = c.attempt(ctx, n)
		}
		if a.refused != nil {
			return c.notSent(ctx, n-1, a.refused)
		}
		o := Outcome{Attempt: n, Request: c.req, Response: a.resp, Err: a.err, PrevDelay: prev}
		if !c.retrier.ShouldRetry(ctx, o) {
			if a.err != nil {
				return c.fail(ctx, n, a.err)
			}
			if ctx.Err() != nil && c.retrier.ShouldRetry(context.WithoutCancel(ctx), o) {
				// The context ended as a retryable answer came: a give-up,
				// not a success, though the caller still gets the answer.
				return c.giveUp(ctx, n, ctx.Err(), a.resp, nil)
			}
			return result{resp: a.resp, attempts: n, good: true}
		}
		delay, source, reason := c.nextWait(ctx, n, limit, o)
		if reason != nil {
			if n == 1 && limit == 1 && a.err != nil {
				return c.fail(ctx, n, a.err) // one attempt allowed: its error as it is
			}
			return c.giveUp(ctx, n, reason, a.resp, a.err)
		}
		c.last = a.err
		if a.resp != nil {
			c.last = &StatusError{StatusCode: a.resp.StatusCode}
			c.held = hold(a.resp, c.drain)
		}
		if c.obs.active() {
			e := Event{Kind: EventWait, Attempt: n, Delay: delay, Source: source.String(), Err: a.err}
			if a.resp != nil {
				e.Status = a.resp.StatusCode
			}
			c.emit(ctx, e)
		}
		if c.stats != nil {
			c.stats.retries.Add(1)
		}
		if err := sleep(ctx, delay); err != nil {
			return c.giveUp(ctx, n, err, nil, c.last)
		}
		prev = delay
	}
}

// nextWait decides the wait before attempt n+1, or the reason not to make it.
func (c *call) nextWait(ctx context.Context, n, limit int, o Outcome) (time.Duration, waitSource, error) {
	if limit > 0 && n >= limit {
		return 0, 0, ErrAttemptsExhausted
	}
	if !c.body.replayable() {
		return 0, 0, ErrBodyNotReplayable
	}
	var (
		delay  time.Duration
		source = fromRetrier
		err    error
	)
	if p, ok := c.retrier.(*Policy); ok {
		delay, source, err = p.delay(o)
	} else {
		delay, err = c.retrier.Delay(o)
	}
	if err != nil {
		return 0, 0, err
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
		return 0, 0, ErrWaitPastDeadline
	}
	if c.g.breaker != nil && !c.g.rideOut && c.g.breaker.State() == breaker.Open {
		// The retry would be refused: stop now, with the answer in hand.
		return 0, 0, breaker.ErrCircuitOpen
	}
	// A 429 is a quota: a retry at the time the server named is its own
	// schedule, not load the client adds, and does not spend the budget.
	// Any other failure does, whether or not it names a wait.
	quota := o.Response != nil && o.Response.StatusCode == http.StatusTooManyRequests && source == fromServer
	if !quota && c.g.budget != nil && !c.g.budget.Allow() {
		return 0, 0, budget.ErrExhausted
	}
	return delay, source, nil
}

// notSent ends the call on a refusal: with the last answer the server
// gave, unread, or else a *RetryError wrapping the refusal (and the last
// error, if an attempt was made).
func (c *call) notSent(ctx context.Context, n int, refusal error) result {
	resp := c.held
	c.held = nil
	if resp != nil {
		c.last = nil
	}
	return c.giveUp(ctx, n, refusal, resp, c.last)
}

// giveUp ends the call for reason. A response in hand goes back to the
// caller unread (the RoundTripper contract); otherwise the caller gets a
// *RetryError wrapping the last error and the reason.
func (c *call) giveUp(ctx context.Context, n int, reason error, resp *http.Response, err error) result {
	if c.held != nil {
		discard(c.held, c.drain)
		c.held = nil
	}
	res := result{resp: resp, attempts: n}
	if resp == nil {
		res.err = &RetryError{Attempts: n, Reason: reason, Err: unwrapPermanent(err)}
	}
	if c.obs.active() {
		c.emit(ctx, Event{Kind: EventGiveUp, Attempt: n, Err: res.err, Reason: reason})
	}
	return res
}

// fail ends the call on an error the retrier would not retry. After a
// single attempt the error comes back as it is, as without rebound.
func (c *call) fail(ctx context.Context, n int, err error) result {
	err = unwrapPermanent(err)
	if n > 1 {
		err = &RetryError{Attempts: n, Err: err}
	}
	if c.obs.active() {
		c.emit(ctx, Event{Kind: EventGiveUp, Attempt: n, Err: err})
	}
	return result{err: err, attempts: n}
}

// emit sends e to the observers, with the call's request and host.
func (c *call) emit(ctx context.Context, e Event) {
	e.Request, e.Key = c.req, c.g.key
	if e.Key == "" && c.req != nil {
		e.Key = c.req.URL.Host
	}
	e.showQuery = c.t != nil && c.t.showQuery
	c.obs.emit(ctx, e)
}

// sleep waits d or until ctx ends, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
