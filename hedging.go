package rebound

import (
	"context"
	"sync"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/internal/hedgeplan"
)

// copyResult is what one sent copy of a hedged try produced.
type copyResult struct {
	k int // 0 for the first copy
	attemptResult
	cancel context.CancelCauseFunc // the copy's context, until its body is closed
}

// maxCopies bounds hedge.Settings.Copies (it validates to at most 16).
const maxCopies = 16

// hedgeGroup is one hedged try. The first copy's admission, on the
// caller's goroutine, decides whether the try is sent at all; once it is
// admitted, every copy goes out on a goroutine of its own: the first at
// once, the others at once too (parallel) or whenever the delay passes
// with no good answer. A copy a guard refuses is simply not sent: it never settles the
// group and never cancels a copy in flight. The first good answer wins;
// the other copies are cancelled, and whatever they still answer is
// drained by their own goroutines, so the caller never waits for a loser.
type hedgeGroup struct {
	c      call   // the caller's call, copied: the copies' goroutines share it
	first  permit // what the first copy holds
	ctx    context.Context
	n      int
	copies int

	mu       sync.Mutex
	settled  bool
	launched int
	inflight int
	cancels  [maxCopies]context.CancelCauseFunc
	done     [maxCopies]bool
	win      copyResult // the winner, when won
	won      bool
	last     copyResult // the latest failure, while no copy has won, when failed
	failed   bool
	refused  error // why the first copy was not sent, if it was not
	decided  chan struct{}
	timer    *time.Timer
	delay    time.Duration // the wait before the copy the timer will start
	spent    int           // a hedge the budget refused, to report once unlocked; 0: none
}

// hedge makes try n as a hedged group and returns its answer: the winner,
// the last failure when every copy sent failed, or the first copy's
// refusal when it was not sent. Every copy runs on a goroutine of its
// own, so that the caller returns with the winner even when a loser's
// RoundTripper does not heed its cancellation.
func (c *call) hedge(ctx context.Context, n int) attemptResult {
	g := &hedgeGroup{ctx: ctx, n: n, copies: hedgeplan.Copies(c.g.hedge), decided: make(chan struct{})}
	if c.g.admits {
		if err := c.admit(ctx, n, 0, &g.first); err != nil {
			return c.refuse(ctx, n, 0, err)
		}
	}
	if c.held != nil { // the try is going out: the answer kept is spent
		discard(c.held, c.drain)
		c.held = nil
	}
	c.seq++
	seq := c.seq
	c.handOver(seq)
	g.c = *c
	cctx, cancel := context.WithCancelCause(ctx)
	g.first.cause = cancel
	g.mu.Lock()
	g.cancels[0] = cancel
	g.launched, g.inflight = 1, 1
	if d := hedgeplan.Delay(g.c.g.hedge, g.c.g.latencies); d > 0 {
		g.delay = d
		g.timer = time.AfterFunc(d, g.fire)
	} else {
		for g.launched < g.copies && g.launchLocked(0) { // parallel: every copy at once
		}
	}
	g.unlock()
	go g.sendFirst(cctx, seq)
	<-g.decided
	g.mu.Lock()
	if g.timer != nil {
		g.timer.Stop()
	}
	c.seq = g.c.seq
	g.mu.Unlock()
	return g.result()
}

// sendFirst sends the first copy, already admitted, on its own goroutine.
func (g *hedgeGroup) sendFirst(ctx context.Context, seq int) {
	growStack()
	a := g.c.send(ctx, g.ctx, g.n, 0, seq, &g.first)
	g.complete(copyResult{k: 0, attemptResult: a, cancel: g.cancels[0]})
}

// fire is the timer's callback: the earlier copies are slow, send another.
func (g *hedgeGroup) fire() {
	g.mu.Lock()
	defer g.unlock()
	if g.settled || g.launched >= g.copies || !g.launchLocked(g.delay) {
		return
	}
	if g.launched < g.copies {
		g.delay = hedgeplan.Delay(g.c.g.hedge, g.c.g.latencies)
		g.timer.Reset(g.delay)
	}
}

// launchLocked sends copy g.launched on its own goroutine, if the budget
// allows: hedges spend it like retries. g.mu is held.
func (g *hedgeGroup) launchLocked(delay time.Duration) bool {
	c := &g.c
	if c.g.budget != nil && !c.g.budget.Allow() {
		g.spent = g.launched
		return false
	}
	k := g.launched
	cctx, cancel := context.WithCancelCause(g.ctx)
	g.cancels[k] = cancel
	g.launched++
	g.inflight++
	if c.stats != nil {
		c.stats.hedges.Add(1)
	}
	go g.runCopy(cctx, cancel, k, delay)
	return true
}

// unlock releases g.mu, then reports a hedge the budget refused: hooks
// never run under the group's lock.
func (g *hedgeGroup) unlock() {
	k := g.spent
	g.spent = 0
	g.mu.Unlock()
	if k > 0 && g.c.obs.active() {
		g.c.emit(g.ctx, Event{Kind: EventRefused, Attempt: g.n, Hedge: k, Reason: budget.ErrExhausted})
	}
}

// runCopy admits and sends hedge k on its own goroutine.
func (g *hedgeGroup) runCopy(ctx context.Context, cancel context.CancelCauseFunc, k int, delay time.Duration) {
	growStack()
	c := &g.c
	var p permit
	if c.g.admits {
		if err := c.admit(ctx, g.n, k, &p); err != nil {
			cancel(nil)
			c.refuse(g.ctx, g.n, k, err)
			g.complete(copyResult{k: k, attemptResult: attemptResult{refused: err}, cancel: cancel})
			return
		}
	}
	g.mu.Lock()
	if g.settled { // the group ended while this copy waited for its guards
		g.mu.Unlock()
		c.abort(&p, breaker.Ignore)
		g.complete(copyResult{k: k, attemptResult: attemptResult{refused: context.Canceled}, cancel: cancel})
		return
	}
	c.seq++
	seq := c.seq
	g.mu.Unlock()
	p.cause = cancel
	if c.obs.active() {
		c.emit(g.ctx, Event{Kind: EventHedgeSent, Attempt: g.n, Hedge: k, Delay: delay})
	}
	a := c.send(ctx, g.ctx, g.n, k, seq, &p)
	g.complete(copyResult{k: k, attemptResult: a, cancel: cancel})
}

// complete takes copy r's outcome: the winner, a failure to keep, a
// refusal to forget, or, once the group is settled, an answer nobody
// wants.
func (g *hedgeGroup) complete(r copyResult) {
	c := &g.c
	good := false
	if r.refused == nil {
		// The retrier is the caller's code: ask it before taking the lock.
		good = !c.retrier.ShouldRetry(g.ctx, Outcome{Attempt: g.n, Request: c.req, Response: r.resp, Err: r.err})
	}
	var drop copyResult
	dropping := false
	g.mu.Lock()
	g.done[r.k] = true
	g.inflight--
	switch {
	case g.settled:
		drop, dropping = r, true
	case r.refused != nil:
		// Not sent: it neither wins nor fails the group.
		if r.k == 0 {
			g.refused = r.refused
		}
	case good:
		g.win, g.won = r, true
		drop, dropping = g.last, g.failed
		g.last, g.failed = copyResult{}, false
		g.settle()
		for k := range g.launched {
			if !g.done[k] {
				g.cancels[k](ErrHedgeLost) // the losers let go at once
			}
		}
	default:
		drop, dropping = g.last, g.failed
		g.last, g.failed = r, true
	}
	if !g.settled && g.inflight == 0 {
		g.settle() // every copy sent has failed, or none was sent: back to the loop now
	}
	g.mu.Unlock()
	if dropping && drop.refused == nil {
		if drop.resp != nil {
			discard(drop.resp, c.drain)
		}
		drop.cancel(ErrHedgeLost)
	}
}

// settle ends the group; g.mu is held.
func (g *hedgeGroup) settle() {
	g.settled = true
	close(g.decided)
}

// result is the group's answer: the winner, or the last failure. The
// answer's context lives until the caller closes its body: send tied its
// cancel to the body.
func (g *hedgeGroup) result() attemptResult {
	var r copyResult
	switch {
	case g.won:
		r = g.win
	case g.failed:
		r = g.last
	default: // no copy was sent
		return attemptResult{refused: g.refused}
	}
	if r.resp == nil {
		r.cancel(nil)
	}
	if g.won && r.k > 0 && r.err == nil {
		c := &g.c
		if c.stats != nil {
			c.stats.hedgeWins.Add(1)
		}
		if c.obs.active() {
			c.emit(g.ctx, Event{Kind: EventHedgeWon, Attempt: g.n, Hedge: r.k, Status: r.resp.StatusCode})
		}
	}
	return r.attemptResult
}

// growStack grows a copy's new goroutine's stack at once to what a round
// trip needs. Left to grow on demand, it is copied several times, each
// copy walking every frame of the RoundTripper's call chain (a fifth of a
// hedged call's time in memory); grown here, it is copied once, with two
// frames on it.
//
//go:noinline
func growStack() {
	var frame [copyStack]byte
	keep(frame[:])
}

// copyStack is the stack growStack makes room for, in bytes.
const copyStack = 8 << 10

//go:noinline
func keep([]byte) {}
