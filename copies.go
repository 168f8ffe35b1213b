package rebound

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// copyIdle is how long the goroutines that send hedged copies stay for the
// next copy once there is no work. A fresh goroutine costs more than the
// copy it runs on the happy path: it is created, then grows its stack
// through the RoundTripper's frames, every time. One that stays keeps its
// grown stack.
const copyIdle = 500 * time.Millisecond

// copyJob is one hedged copy to send: the first (k == 0, already
// admitted) or hedge k. It travels by value, so handing it over allocates
// nothing.
type copyJob struct {
	g      *hedgeGroup
	ctx    context.Context
	cancel context.CancelCauseFunc
	k, seq int
	delay  time.Duration
}

func (j copyJob) run() {
	if j.k == 0 {
		j.g.sendFirst(j.ctx, j.seq)
		return
	}
	j.g.runCopy(j.ctx, j.cancel, j.k, j.delay)
}

// copyWorkers runs a Transport's hedged copies, each on a goroutine of its
// own, but on one that has just finished a copy when one is idle. An idle
// worker waits on a channel it made itself, so that in a testing/synctest
// bubble it is durably blocked, as a connection of net/http is, and time
// can pass. A sweep every copyIdle ends the idle workers once a whole
// period has passed without a copy; CloseIdleConnections ends them at
// once.
type copyWorkers struct {
	busy  atomic.Bool  // a copy ran since the last sweep
	armed atomic.Bool  // a sweep is scheduled
	live  atomic.Int32 // workers alive, for tests

	mu   sync.Mutex
	idle []chan copyJob // each idle worker's own channel, the latest last
	gen  uint64         // closeIdle calls: a worker from an earlier one ends after its copy
}

// start runs j on the worker idle last (its stack is the warmest), or on
// a new one.
func (w *copyWorkers) start(j copyJob) {
	w.mu.Lock()
	if n := len(w.idle); n > 0 {
		ch := w.idle[n-1]
		w.idle = w.idle[:n-1]
		w.mu.Unlock()
		ch <- j // buffered: never blocks
		return
	}
	gen := w.gen
	w.mu.Unlock()
	w.live.Add(1)
	go w.work(j, gen)
}

func (w *copyWorkers) work(j copyJob, gen uint64) {
	defer w.live.Add(-1)
	ch := make(chan copyJob, 1)
	for {
		j.run()
		w.busy.Store(true) // before looking at armed: see sweep
		if !w.armed.Load() && w.armed.CompareAndSwap(false, true) {
			time.AfterFunc(copyIdle, w.sweep)
		}
		w.mu.Lock()
		if w.gen != gen { // CloseIdleConnections came while it ran
			w.mu.Unlock()
			return
		}
		w.idle = append(w.idle, ch)
		w.mu.Unlock()
		if j = <-ch; j.g == nil { // ended by a sweep or closeIdle
			return
		}
	}
}

// sweep ends the idle workers unless a copy ran in the last period. It
// disarms before it looks at busy, and a worker sets busy before it looks
// at armed, so a worker that goes idle during a sweep always has a sweep
// after it.
func (w *copyWorkers) sweep() {
	w.armed.Store(false)
	if w.busy.Swap(false) {
		if w.armed.CompareAndSwap(false, true) {
			time.AfterFunc(copyIdle, w.sweep)
		}
		return
	}
	w.mu.Lock()
	w.endIdleLocked()
	w.mu.Unlock()
}

// closeIdle ends the workers idle now, and those busy once their copy
// ends.
func (w *copyWorkers) closeIdle() {
	w.mu.Lock()
	w.gen++
	w.endIdleLocked()
	w.mu.Unlock()
}

// endIdleLocked ends the idle workers; w.mu is held.
func (w *copyWorkers) endIdleLocked() {
	for _, ch := range w.idle {
		ch <- copyJob{} // buffered and empty while idle: never blocks
	}
	clear(w.idle)
	w.idle = w.idle[:0]
}
