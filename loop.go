package rebound

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rebound-go/rebound/breaker"
)

// loop is the retry loop shared by the Transport and Retry: attempts, the
// retrier's verdict, the wait, and the reasons to stop early. It lives on
// the caller's stack for one call.
type loop struct {
	retrier Retrier
	obs     observer
	req     *http.Request // nil for Retry
	g       *guards       // never nil; fields nil when off
	drain   int64         // bytes to drain from a discarded response; <0: none
	stats   *counters     // nil for Retry
	seq     int           // attempts sent so far, hedges included
	// requested: the budget was told of this call before the loop began
	requested bool
}

// tryFunc sends attempt seq (from 1, hedges included) under ctx.
type tryFunc func(ctx context.Context, seq int) (*http.Response, error)

// stepFunc makes try n of the loop: one attempt, or a hedged group.
type stepFunc func(ctx context.Context, n int) (*http.Response, error)

// plain makes try n as a single attempt.
func (l *loop) plain(ctx context.Context, n int, try tryFunc) (*http.Response, error) {
	l.seq++
	resp, err := l.observedAttempt(ctx, n, 0, l.seq, try)
	l.report(ctx, n > 1, resp, err)
	return resp, err
}

// result is how a call ended.
type result struct {
	resp     *http.Response
	err      error
	attempts int
	good     bool // the policy was content with the last outcome
}

// run makes tries with step until one is good or a reason to stop comes.
// step(n) performs try n, counting from 1. body, when not nil, says
// whether the request body can go out again. (It is a parameter rather
// than a field so that it can stay on the caller's stack; for the same
// reason the hedged path, whose goroutines move everything they touch to
// the heap, comes in through step and never from here.)
func (l *loop) run(ctx context.Context, body *replayBody, step stepFunc) result {
	limit := l.retrier.MaxAttempts()
	if l.g.budget != nil && !l.requested {
		l.g.budget.Request()
	}
	var prev time.Duration
	var last error // the previous attempt's error, or a *StatusError for its response
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return l.giveUp(ctx, n-1, err, nil, last)
		}
		resp, err := step(ctx, n)
		o := Outcome{Attempt: n, Request: l.req, Response: resp, Err: err, PrevDelay: prev}
		if !l.retrier.ShouldRetry(ctx, o) {
			if err != nil {
				return l.fail(ctx, n, err)
			}
			if ctx.Err() != nil && l.retrier.ShouldRetry(context.WithoutCancel(ctx), o) {
				// The context ended as a retryable answer came: a give-up,
				// not a success, though the caller still gets the answer.
				return l.giveUp(ctx, n, ctx.Err(), resp, nil)
			}
			return result{resp: resp, attempts: n, good: true}
		}
		delay, source, reason := l.nextWait(ctx, n, limit, body, o)
		if reason != nil {
			return l.giveUp(ctx, n, reason, resp, err)
		}
		if resp != nil {
			discard(resp, l.drain)
			last = &StatusError{StatusCode: resp.StatusCode}
		} else {
			last = err
		}
		if l.obs.active() {
			l.obs.emit(ctx, Event{Kind: Wait, Attempt: n, Request: l.req, Delay: delay, Source: source.String()})
		}
		if l.stats != nil {
			l.stats.retries.Add(1)
		}
		if err := sleep(ctx, delay); err != nil {
			return l.giveUp(ctx, n, err, nil, last)
		}
		prev = delay
	}
}

// observedAttempt makes one attempt (hedge k of try n) under the guards,
// reporting it to the observer and the latency tracker.
func (l *loop) observedAttempt(ctx context.Context, n, k, seq int, try tryFunc) (*http.Response, error) {
	if l.g.pacer != nil {
		if err := l.pace(ctx, n, k); err != nil {
			return nil, err
		}
	}
	var start time.Time // after pacing: a latency is the server's, not ours
	timed := l.obs.active() || l.g.latencies != nil
	if timed {
		start = time.Now()
	}
	if l.obs.active() {
		l.obs.emit(ctx, Event{Kind: AttemptStart, Attempt: n, Hedge: k, Request: l.req})
	}
	resp, err := l.g.attempt(ctx, seq, try)
	if timed {
		elapsed := time.Since(start)
		if l.g.latencies != nil && resp != nil {
			l.g.latencies.Observe(elapsed)
		}
		if l.obs.active() {
			e := Event{Kind: AttemptDone, Attempt: n, Hedge: k, Request: l.req, Err: err, Elapsed: elapsed}
			if resp != nil {
				e.Status = resp.StatusCode
			}
			l.obs.emit(ctx, e)
		}
	}
	return resp, err
}

// report tells the budget how an attempt went. Attempts the caller
// abandoned and refusals of rebound's own guards say nothing of the server.
func (l *loop) report(ctx context.Context, retry bool, resp *http.Response, err error) {
	if l.g.budget == nil || (err != nil && (ctx.Err() != nil || isGuardRejection(err))) {
		return
	}
	if v := verdict(ctx, resp, err); v != breaker.Ignore { // a 429 is a quota, not a failure
		l.g.budget.Result(retry, v == breaker.Success)
	}
}

// nextWait decides the wait before attempt n+1, or the reason not to make it.
func (l *loop) nextWait(ctx context.Context, n, limit int, body *replayBody, o Outcome) (time.Duration, waitSource, error) {
	if limit > 0 && n >= limit {
		return 0, 0, ErrAttemptsExhausted
	}
	if body != nil && !body.replayable() {
		return 0, 0, ErrBodyNotReplayable
	}
	var (
		delay  time.Duration
		source = fromRetrier
		err    error
	)
	if p, ok := l.retrier.(*Policy); ok {
		delay, source, err = p.delay(o)
	} else {
		delay, err = l.retrier.Delay(o)
	}
	if err != nil {
		return 0, 0, err
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
		return 0, 0, ErrWaitPastDeadline
	}
	if l.g.breaker != nil && l.g.breaker.State() == breaker.Open {
		// The retry would be refused: stop now, with the answer in hand.
		return 0, 0, breaker.ErrCircuitOpen
	}
	// A wait the server asked for is its own schedule for the retry, not
	// load the client adds on its own: it does not spend the budget.
	if source != fromServer && l.g.budget != nil && !l.g.budget.Withdraw() {
		return 0, 0, ErrBudgetExhausted
	}
	return delay, source, nil
}

// giveUp ends the call for reason. A response still in hand goes back to
// the caller unread (the RoundTripper contract); otherwise the caller gets
// a *RetryError wrapping the last error and the reason.
func (l *loop) giveUp(ctx context.Context, n int, reason error, resp *http.Response, err error) result {
	res := result{resp: resp, attempts: n}
	if resp == nil {
		res.err = &RetryError{Attempts: n, Reason: reason, Err: unwrapPermanent(err)}
	}
	if l.obs.active() {
		l.obs.emit(ctx, Event{Kind: GiveUp, Attempt: n, Request: l.req, Err: res.err, Reason: reason})
	}
	return res
}

// fail ends the call on an error the retrier would not retry. After a
// single attempt the error comes back as it is, as without rebound.
func (l *loop) fail(ctx context.Context, n int, err error) result {
	err = unwrapPermanent(err)
	if n > 1 {
		err = &RetryError{Attempts: n, Err: err}
	}
	if l.obs.active() {
		l.obs.emit(ctx, Event{Kind: GiveUp, Attempt: n, Request: l.req, Err: err})
	}
	return result{err: err, attempts: n}
}

// runGuarded is run inside the bulkhead, when there is one.
func (l *loop) runGuarded(ctx context.Context, body *replayBody, step stepFunc) result {
	if l.g.bulkhead == nil {
		return l.run(ctx, body, step)
	}
	return l.runInBulkhead(ctx, body, step)
}

func (l *loop) runInBulkhead(ctx context.Context, body *replayBody, step stepFunc) result {
	b := l.g.bulkhead
	if err := b.Acquire(ctx); err != nil {
		return l.fail(ctx, 0, err)
	}
	defer b.Release()
	return l.run(ctx, body, step)
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

// drainTime bounds the drain of a discarded response in time, as MaxDrain
// bounds it in bytes: a body that trickles is not worth its connection.
const drainTime = 100 * time.Millisecond

// discard drains up to limit bytes of a response the caller will never
// see, for at most drainTime, so its connection can go back to the pool,
// then closes it. A longer or slower body is cut off: closing it costs one
// connection, reading it could cost more. The cut closes the body while
// the drain reads it, which net/http's bodies allow; a body of another
// RoundTripper must allow it too.
func discard(resp *http.Response, limit int64) {
	if limit > 0 {
		cut := time.AfterFunc(drainTime, func() { resp.Body.Close() })
		io.CopyN(io.Discard, resp.Body, limit)
		cut.Stop()
	}
	resp.Body.Close()
}

// counters are a Transport's totals, updated atomically: one atomic add on
// the success path, as Requests is the sum of how calls ended.
type counters struct {
	retries, succeeded, failed, hedges, hedgeWins atomic.Int64
}

// Stats are a Transport's or Client's totals since it was made.
type Stats struct {
	Requests  int64 // calls ended, well or not
	Retries   int64 // tries beyond the first (each may send hedges)
	Succeeded int64 // calls that ended with a response the policy accepted
	Failed    int64 // calls that ended in an error or gave up on a retryable status
	Hedges    int64 // hedged copies sent
	HedgeWins int64 // tries won by a hedged copy rather than the first
}

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
