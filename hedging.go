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
	start  time.Time
}

// hedgeGroup is the state the copies of one try share.
type hedgeGroup struct {
	mu      sync.Mutex
	settled bool                 // a result was chosen; late copies discard theirs
	cancels []context.CancelFunc // one per copy launched
	done    []bool               // copy k has returned
	results chan copyResult
	wg      sync.WaitGroup
}

// hedge makes try n as a hedged group: the first copy now, another each
// time the delay passes with no good answer, up to Copies in flight. The
// first good answer (one the retrier would not retry) wins; copies still
// in flight are cancelled and any answer they still give is drained. When
// every copy sent has failed, the last failure goes back to the retry
// loop at once, without waiting for hedges not yet sent.
func (l *loop) hedge(ctx context.Context, n int, try tryFunc) (*http.Response, error) {
	h := l.g.hedge
	copies := h.MaxCopies()
	g := &hedgeGroup{results: make(chan copyResult, copies), done: make([]bool, copies)}
	launched, inflight := 0, 0
	var delay time.Duration // the wait before the copy about to go out
	launch := func() {
		k := launched
		l.seq++
		seq := l.seq
		cctx, cancel := context.WithCancel(ctx)
		g.mu.Lock()
		g.cancels = append(g.cancels, cancel)
		g.mu.Unlock()
		launched++
		inflight++
		if k > 0 {
			if l.stats != nil {
				l.stats.hedges.Add(1)
			}
			if l.obs.active() {
				l.obs.emit(ctx, Event{Kind: HedgeSent, Attempt: n, Hedge: k, Request: l.req, Delay: delay})
			}
		}
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			start := time.Now()
			resp, err := l.observedAttempt(cctx, n, k, seq, try)
			g.mu.Lock()
			g.done[k] = true
			if g.settled {
				g.mu.Unlock()
				if resp != nil {
					discard(resp, l.drain)
				}
				cancel()
				return
			}
			g.results <- copyResult{k: k, resp: resp, err: err, cancel: cancel, start: start}
			g.mu.Unlock()
		}()
	}

	var timer *time.Timer
	var fire <-chan time.Time
	schedule := func() {
		for launched < copies {
			d := h.NextDelay(l.g.latencies)
			delay = d
			if d > 0 {
				timer = time.NewTimer(d)
				fire = timer.C
				return
			}
			if launched > 0 && !l.spendOnHedge() {
				return
			}
			launch() // parallel: every copy at once
		}
		fire = nil
	}
	launch()
	schedule()

	var win, last *copyResult
	for win == nil && inflight > 0 {
		select {
		case <-fire:
			fire = nil
			if l.spendOnHedge() {
				launch()
				schedule()
			}
		case r := <-g.results:
			inflight--
			l.report(ctx, n > 1 || r.k > 0, r.resp, r.err)
			o := Outcome{Attempt: n, Request: l.req, Response: r.resp, Err: r.err}
			if !l.retrier.ShouldRetry(ctx, o) {
				win = &r
				break
			}
			if last != nil {
				l.drop(last)
			}
			last = &r
		}
	}
	if timer != nil {
		timer.Stop()
	}
	if win == nil {
		win = last
	} else if last != nil {
		l.drop(last)
	}
	// Cancel the copies still in flight and wait for them to let go.
	g.mu.Lock()
	g.settled = true
	for k, cancel := range g.cancels {
		if !g.done[k] {
			cancel()
		}
	}
	g.mu.Unlock()
	g.wg.Wait()
	for range len(g.results) { // answers that came in after the winner
		r := <-g.results
		l.drop(&r)
	}

	if win.resp != nil {
		// The winner's context lives until the caller closes the body.
		win.resp.Body = &cancelOnClose{ReadCloser: win.resp.Body, cancel: win.cancel}
	} else {
		win.cancel()
	}
	if win.k > 0 && win.err == nil {
		if l.stats != nil {
			l.stats.hedgeWins.Add(1)
		}
		if l.obs.active() {
			l.obs.emit(ctx, Event{Kind: HedgeWon, Attempt: n, Hedge: win.k, Request: l.req, Status: win.resp.StatusCode})
		}
	}
	return win.resp, win.err
}

// drop discards a copy that will not be the answer.
func (l *loop) drop(r *copyResult) {
	if r.resp != nil {
		discard(r.resp, l.drain)
	}
	r.cancel()
}

// spendOnHedge asks the budget for a hedge: hedges spend it like retries,
// so hedging never adds more than the budget's share of load.
func (l *loop) spendOnHedge() bool {
	return l.g.budget == nil || l.g.budget.Withdraw()
}
