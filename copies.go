package rebound

import (
	"context"
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
// own, but on one that has just finished a copy when one is idle. Idle
// goroutines wait on jobs alone; a sweep every copyIdle ends them once a
// whole period has passed without a copy, and CloseIdleConnections ends
// them at once.
type copyWorkers struct {
	jobs  chan copyJob  // unbuffered: a send succeeds only if a worker is idle
	busy  atomic.Bool   // a copy ran since the last sweep
	armed atomic.Bool   // a sweep is scheduled
	gen   atomic.Uint64 // closeIdle calls: a worker from an earlier one ends after its copy
	live  atomic.Int32  // workers alive, for tests
}

func newCopyWorkers() *copyWorkers { return &copyWorkers{jobs: make(chan copyJob)} }

// start runs j on an idle worker, or on a new one.
func (w *copyWorkers) start(j copyJob) {
	select {
	case w.jobs <- j:
	default:
		w.live.Add(1)
		go w.work(j, w.gen.Load())
	}
}

func (w *copyWorkers) work(j copyJob, gen uint64) {
	defer w.live.Add(-1)
	for {
		j.run()
		if w.gen.Load() != gen { // CloseIdleConnections came while it ran
			return
		}
		w.busy.Store(true) // before looking at armed: see sweep
		if !w.armed.Load() && w.armed.CompareAndSwap(false, true) {
			time.AfterFunc(copyIdle, w.sweep)
		}
		if j = <-w.jobs; j.g == nil { // closeIdle
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
	w.drainIdle()
}

// closeIdle ends the workers idle now, and those busy once their copy
// ends.
func (w *copyWorkers) closeIdle() {
	w.gen.Add(1)
	w.drainIdle()
}

func (w *copyWorkers) drainIdle() {
	for {
		select {
		case w.jobs <- copyJob{}:
		default:
			return
		}
	}
}
