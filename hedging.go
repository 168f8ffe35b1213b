package rebound

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// copyResult is what one copy of a hedged try produced.
type copyResult struct {
	k      int // 0 for the first copy
	resp   *http.Response
	err    error
	cancel context.CancelFunc
}

// maxCopies bounds hedge.Settings.Copies (it validates to at most 16).
const maxCopies = 16

// hedgeGroup is one hedged try: the first copy runs on the caller's
// goroutine, and a timer starts each further copy only while no copy has
// answered well. Whichever goroutine finishes a copy settles the group
// under its lock, so a winning hedge cancels a first copy still blocked
// in its round trip. When nothing needs hedging, the try costs a context,
// a timer and a channel, and no goroutine.
type hedgeGroup struct {
	l      *loop
	ctx    context.Context
	n      int
	try    tryFunc
	copies int

	mu       sync.Mutex
	settled  bool
	launched int
	inflight int
	cancels  [maxCopies]context.CancelFunc
	done     [maxCopies]bool
	win      *copyResult
	last     *copyResult // the latest failure, while no copy has won
	decided  chan struct{}
	timer    *time.Timer
	delay    time.Duration // the wait before the copy the timer will start

	copiesWG sync.WaitGroup // hedge goroutines
	timerWG  sync.WaitGroup // timer callbacks armed and not yet run or stopped
}

// hedge makes try n as a hedged group: the first copy now, another each
// time the delay passes with no good answer, up to Copies in flight (all
// at once when the delay is zero: pester's Concurrency). The first good
// answer (one the retrier would not retry) wins; copies still in flight
// are cancelled and any answer they still give is drained. When every
// copy sent has failed, the last failure goes back to the retry loop at
// once, without waiting for hedges not yet sent.
func (l *loop) hedge(ctx context.Context, n int, try tryFunc) (*http.Response, error) {
	g := &hedgeGroup{l: l, ctx: ctx, n: n, try: try, copies: l.g.hedge.MaxCopies(), decided: make(chan struct{})}
	cctx, cancel := context.WithCancel(ctx)
	g.mu.Lock()
	seq := g.add(cancel)
	if d := l.g.hedge.NextDelay(l.g.latencies); d > 0 {
		g.delay = d
		g.timerWG.Add(1)
		g.timer = time.AfterFunc(d, g.fire)
	} else {
		for g.launched < g.copies && g.launchLocked(0) { // parallel: every copy at once
		}
	}
	g.mu.Unlock()

	resp, err := l.observedAttempt(cctx, n, 0, seq, try)
	g.complete(copyResult{k: 0, resp: resp, err: err, cancel: cancel})
	<-g.decided
	g.copiesWG.Wait()
	if g.timer != nil && g.timer.Stop() {
		g.timerWG.Done() // stopped before it ran
	}
	g.timerWG.Wait()
	return g.result()
}

// add counts a new copy and returns its attempt number; g.mu is held.
func (g *hedgeGroup) add(cancel context.CancelFunc) int {
	g.cancels[g.launched] = cancel
	g.launched++
	g.inflight++
	g.l.seq++
	return g.l.seq
}

// fire is the timer's callback: the earlier copies are slow, send another.
func (g *hedgeGroup) fire() {
	defer g.timerWG.Done()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.settled || g.launched >= g.copies || !g.launchLocked(g.delay) {
		return
	}
	if g.launched < g.copies {
		g.delay = g.l.g.hedge.NextDelay(g.l.g.latencies)
		g.timerWG.Add(1)
		g.timer.Reset(g.delay)
	}
}

// launchLocked sends copy g.launched on its own goroutine, if the budget
// allows: hedges spend it like retries. g.mu is held.
func (g *hedgeGroup) launchLocked(delay time.Duration) bool {
	l := g.l
	if l.g.budget != nil && !l.g.budget.Withdraw() {
		return false
	}
	k := g.launched
	cctx, cancel := context.WithCancel(g.ctx)
	seq := g.add(cancel)
	if l.stats != nil {
		l.stats.hedges.Add(1)
	}
	g.copiesWG.Add(1)
	go func() {
		defer g.copiesWG.Done()
		if l.obs.active() { // here, not under the group's lock
			l.obs.emit(g.ctx, Event{Kind: HedgeSent, Attempt: g.n, Hedge: k, Request: l.req, Delay: delay})
		}
		resp, err := l.observedAttempt(cctx, g.n, k, seq, g.try)
		g.complete(copyResult{k: k, resp: resp, err: err, cancel: cancel})
	}()
	return true
}

// complete takes copy r's outcome: the winner, a failure to keep, or, once
// the group is settled, an answer nobody wants.
func (g *hedgeGroup) complete(r copyResult) {
	l := g.l
	// The retrier is the caller's code: ask it before taking the lock.
	good := !l.retrier.ShouldRetry(g.ctx, Outcome{Attempt: g.n, Request: l.req, Response: r.resp, Err: r.err})
	var drop *copyResult
	g.mu.Lock()
	g.done[r.k] = true
	g.inflight--
	switch {
	case g.settled:
		drop = &r
	default:
		l.report(g.ctx, g.n > 1 || r.k > 0, r.resp, r.err)
		if good {
			g.win = &r
			drop, g.last = g.last, nil
			g.settle()
			for k := range g.launched {
				if !g.done[k] {
					g.cancels[k]() // the losers let go at once
				}
			}
			break
		}
		drop, g.last = g.last, &r
		if g.inflight == 0 {
			g.settle() // every copy sent has failed: back to the loop now
		}
	}
	g.mu.Unlock()
	if drop != nil {
		l.drop(drop)
	}
}

// settle ends the group; g.mu is held.
func (g *hedgeGroup) settle() {
	g.settled = true
	close(g.decided)
}

// result is the group's answer: the winner, or the last failure.
func (g *hedgeGroup) result() (*http.Response, error) {
	r := g.win
	if r == nil {
		r = g.last
	}
	if r.resp != nil {
		// The answer's context lives until the caller closes the body.
		r.resp.Body = &cancelOnClose{ReadCloser: r.resp.Body, cancel: r.cancel}
	} else {
		r.cancel()
	}
	if g.win != nil && r.k > 0 && r.err == nil {
		if g.l.stats != nil {
			g.l.stats.hedgeWins.Add(1)
		}
		if g.l.obs.active() {
			g.l.obs.emit(g.ctx, Event{Kind: HedgeWon, Attempt: g.n, Hedge: r.k, Request: g.l.req, Status: r.resp.StatusCode})
		}
	}
	return r.resp, r.err
}

// drop discards a copy that will not be the answer.
func (l *loop) drop(r *copyResult) {
	if r.resp != nil {
		discard(r.resp, l.drain)
	}
	r.cancel()
}
