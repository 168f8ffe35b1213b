package rebound

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/limit"
	"github.com/rebound-go/rebound/ratelimit"
)

// attemptResult is how one attempt ended: an answer (resp), an error from
// the network or the operation (err), or not sent at all (refused, the
// guard's reason). Only the first two say anything about the server.
type attemptResult struct {
	resp    *http.Response
	err     error
	refused error
}

// attempt makes try n as one attempt: admission by the guards, then the
// send. (Hedged copies come in through the hedge group, which admits and
// sends them itself.)
func (c *call) attempt(ctx context.Context, n int) attemptResult {
	if n == 1 && c.made {
		c.seq = 1
		c.body.sent = c.body.mode == viaGetBody && c.first.refused == nil
		return c.first
	}
	var p permit
	if c.g.admits {
		if err := c.admit(ctx, n, 0, &p); err != nil {
			return c.refuse(ctx, n, 0, err)
		}
	}
	c.seq++
	c.handOver(c.seq)
	return c.send(ctx, ctx, n, 0, c.seq, &p)
}

// handOver notes that attempt seq takes the caller's own body to the
// transport, which then closes it (attempt 1, when the body is not
// recorded). It runs on the caller's goroutine.
func (c *call) handOver(seq int) {
	if seq == 1 && (c.body.mode == viaGetBody || c.body.mode == passthrough) {
		c.body.sent = true
	}
}

// refuse reports a refusal: the attempt was not sent.
func (c *call) refuse(ctx context.Context, n, k int, err error) attemptResult {
	if c.obs.active() {
		c.emit(ctx, Event{Kind: EventRefused, Attempt: n, Hedge: k, Reason: err})
	}
	return attemptResult{refused: err}
}

// send sends an admitted attempt (seq counts every attempt of the call,
// hedges included) and reports its outcome to the guards. ctx is the
// copy's context: the caller's, or a hedge group's that is cancelled when
// another copy wins; call is the caller's, for the deadline.
func (c *call) send(ctx, call context.Context, n, k, seq int, p *permit) attemptResult {
	defer c.abort(p, breaker.Failure) // only if the RoundTripper panics
	var req *http.Request
	if c.op == nil {
		r, err := c.body.request(ctx, c.req, seq)
		if err != nil {
			// The body cannot go again (past the cap once the previous
			// transport let go of it, or GetBody failed): not sent.
			c.abort(p, breaker.Ignore)
			return c.refuse(call, n, k, err)
		}
		req = r
	}
	if k == 0 && c.held != nil {
		// The retry is going out: the answer kept in case it was refused
		// is now spent. Discard it first, so its connection can carry the
		// retry.
		discard(c.held, c.drain)
		c.held = nil
	}
	actx := ctx
	if c.g.timeout > 0 || c.g.fraction > 0 {
		actx, p.cancel = c.g.attemptContext(ctx)
	}
	var start time.Time // after the guards: a latency is the server's, not ours
	timed := c.obs.active() || c.g.latencies != nil
	if timed {
		start = time.Now()
	}
	if c.obs.active() {
		c.emit(call, Event{Kind: EventAttemptStart, Attempt: n, Hedge: k})
	}
	resp, err := c.exchange(actx, req, seq, p)
	if c.g.pacer != nil && resp != nil {
		c.g.heardQuota(resp)
	}
	if c.g.admits || c.g.budget != nil {
		c.g.report(ctx, n > 1 || k > 0, p, resp, err)
	}
	if timed {
		c.timed(call, actx, n, k, time.Since(start), resp, err)
	}
	p.settled = true
	if resp != nil && (p.slot || p.cause != nil || p.cancel != nil) {
		resp.Body = releaseOnClose(resp.Body, c, *p)
	} else {
		c.release(p)
	}
	return attemptResult{resp: resp, err: err}
}

// heardQuota tells the host's pacer what the server said of its quota: the
// rate-limit headers, or a 429's Retry-After, which says the window is
// spent until then.
func (g *guards) heardQuota(resp *http.Response) {
	now := time.Now()
	info, ok := ratelimit.Parse(resp.Header, now)
	if resp.StatusCode == http.StatusTooManyRequests && info.Reset.IsZero() {
		if d, has := parseRetryAfter(resp.Header.Get("Retry-After"), now); has {
			info.Remaining, info.Reset, ok = 0, now.Add(min(d, maxQuotaReset)), true
		}
	}
	if ok {
		g.pacer.Update(info)
	}
}

// exchange makes the round trip, counted in the host's attempts in
// flight, and reads the body inside the attempt when BufferResponse asks.
func (c *call) exchange(ctx context.Context, req *http.Request, seq int, p *permit) (*http.Response, error) {
	if c.g.counts() {
		c.g.inflight.Add(1)
		p.counted = true
	}
	resp, err := c.roundTrip(ctx, req, seq)
	if resp != nil && c.t != nil && c.t.bufferResp > 0 {
		if err = bufferBody(resp, c.t.bufferResp); err != nil {
			resp = nil
		}
	}
	if p.counted {
		p.counted = false
		c.g.inflight.Add(-1)
	}
	return resp, err
}

// timed reports how long an attempt took: to the latency tracker of an
// adaptive hedge and as an EventAttemptDone.
func (c *call) timed(call, actx context.Context, n, k int, elapsed time.Duration, resp *http.Response, err error) {
	// A copy cancelled for losing, or cut by its timeout, was at least
	// this slow: leaving it out would pull the percentile down.
	if c.g.latencies != nil && (resp != nil || actx.Err() != nil) {
		c.g.latencies.Observe(elapsed)
	}
	if c.obs.active() {
		e := Event{Kind: EventAttemptDone, Attempt: n, Hedge: k, Err: err, Elapsed: elapsed}
		if resp != nil {
			e.Status = resp.StatusCode
		}
		c.emit(call, e)
	}
}

// roundTrip is the send itself: the wrapped RoundTripper with r, or
// Runner's op.
func (c *call) roundTrip(ctx context.Context, r *http.Request, seq int) (*http.Response, error) {
	if seq > 1 {
		ctx = context.WithValue(ctx, resendKey{}, seq-1)
	}
	if c.op != nil {
		return nil, c.op(ctx)
	}
	if ctx != r.Context() {
		r = r.WithContext(ctx)
	}
	return c.t.next().RoundTrip(r)
}

// report tells the breaker, the throttle and the budget how a sent
// attempt went. An attempt the caller abandoned, or a copy that lost its
// hedge group, says nothing of the server (verdict Ignore).
func (g *guards) report(ctx context.Context, retry bool, p *permit, resp *http.Response, err error) {
	v := verdict(ctx, resp, err)
	if p.broken {
		p.broken = false
		g.breaker.Done(p.ticket, v)
	}
	if g.throttle != nil && v != breaker.Ignore {
		g.throttle.Done(v == breaker.Success)
	}
	if g.budget != nil && v != breaker.Ignore {
		g.budget.Done(retry, v == breaker.Success)
	}
	if p.limited {
		p.limited = false
		g.limit.Done(p.limitTicket, limitOutcome(v, resp))
	}
	if g.learnt != nil {
		// A 429 is the signal itself; any other answer is a request the
		// host took, and a call abandoned says nothing.
		if throttled := resp != nil && resp.StatusCode == http.StatusTooManyRequests; throttled || v != breaker.Ignore {
			g.learnt.Done(throttled)
		}
	}
}

// limitOutcome is how the adaptive limit sees an answer: a failure or a
// 429 means the host could not take the call, a call the caller
// abandoned says nothing, and the rest is a latency sample.
func limitOutcome(v breaker.Outcome, resp *http.Response) limit.Outcome {
	switch {
	case resp != nil && resp.StatusCode == http.StatusTooManyRequests, v == breaker.Failure:
		return limit.OutcomeDropped
	case v == breaker.Ignore:
		return limit.OutcomeIgnored
	}
	return limit.OutcomeSuccess
}

// abortSend gives back what a send still holds when its RoundTripper
// panicked: the breaker counts a failure.
func (g *guards) abortSend(p *permit) {
	if p.counted {
		p.counted = false
		g.inflight.Add(-1)
	}
	if p.broken {
		p.broken = false
		g.breaker.Done(p.ticket, breaker.Failure)
	}
}

// releaseOnClose ties what an attempt holds (a bulkhead slot, the
// attempt's contexts) to the body the caller reads: they are freed when
// it is closed, as net/http ties a connection to its body. A body that
// can be written to (a 101 Switching Protocols response) stays writable.
func releaseOnClose(body io.ReadCloser, c *call, p permit) io.ReadCloser {
	r := &releaseBody{ReadCloser: body, g: c.g, p: p}
	if w, ok := body.(io.Writer); ok {
		return &releaseRWBody{releaseBody: r, w: w}
	}
	return r
}

type releaseBody struct {
	io.ReadCloser
	g    *guards
	p    permit
	done atomic.Bool
}

func (b *releaseBody) Close() error {
	err := b.ReadCloser.Close()
	if b.done.CompareAndSwap(false, true) {
		if b.p.slot {
			b.g.bulkhead.Done()
		}
		if b.p.cancel != nil {
			b.p.cancel()
		}
		if b.p.cause != nil {
			b.p.cause(nil)
		}
	}
	return err
}

type releaseRWBody struct {
	*releaseBody
	w io.Writer
}

func (b *releaseRWBody) Write(p []byte) (int, error) { return b.w.Write(p) }
