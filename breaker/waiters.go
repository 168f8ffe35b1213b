package breaker

import (
	"math/bits"
	"time"

	"github.com/rebound-go/rebound/internal/fifo"
)

// waiters is the queue of calls parked in Wait, first come first served,
// and the ramp that releases them after a close. Its fields are guarded by
// Breaker.mu.
type waiters struct {
	fifo.Queue[*waiter]

	rampStart time.Duration // since epoch, when the breaker closed
	rampN     int           // calls waiting then; 0: no ramp
	rampStop  func() bool   // stops the ramp's timer; nil: none pending
}

// decide removes w from the queue and lets it through with t, or, if ok
// is false, refuses it. b.mu is held.
func (b *Breaker) decide(w *waiter, t Ticket, ok bool) {
	b.waiters.Remove(w)
	w.decided, w.ok, w.t = true, ok, t
	close(w.ready)
	if b.waiters.Len() == 0 {
		b.stopRamp()
	}
}

// unpark refuses w, which is still waiting. b.mu is held.
func (b *Breaker) unpark(w *waiter) { b.decide(w, Ticket{}, false) }

// grantProbes hands half-open's free probe slots to the first waiting
// calls. b.mu is held.
func (b *Breaker) grantProbes() {
	if b.waiters.Len() == 0 {
		return
	}
	now := b.now()
	for b.waiters.Len() > 0 && b.probeSlotFree() {
		b.decide(b.waiters.Front(), b.ticket(now), true)
	}
}

// waitersOpened stops the ramp and refuses the waiting calls whose budget
// ends before the open period that began at now. b.mu is held.
func (b *Breaker) waitersOpened(now time.Duration) {
	b.stopRamp()
	for w := b.waiters.Front(); w != nil; {
		next := fifo.Next(w)
		if w.expires < b.openUntil {
			b.unpark(w)
		}
		w = next
	}
}

// waitersClosed starts the ramp that releases the waiting calls after a
// close. b.mu is held.
func (b *Breaker) waitersClosed() {
	if b.waiters.Len() == 0 {
		return
	}
	b.waiters.rampStart, b.waiters.rampN = b.elapsed(), b.waiters.Len()
	b.rampStep()
}

// rampStep lets through the waiting calls whose turn has come, and sets
// the timer for the next turn. Of the n calls that waited when the breaker
// closed, the k-th (from 0) goes RampUp*k/n after the close; calls that
// gave up make the turns of the others come sooner. b.mu is held, and the
// breaker is closed.
func (b *Breaker) rampStep() {
	q := &b.waiters
	now, start := b.elapsed(), b.now()
	for q.Len() > 0 {
		at := q.rampStart + scale(b.cfg.rampUp, q.rampN-q.Len(), q.rampN)
		if at > now {
			gen := b.gen
			q.rampStop = b.cfg.clock.AfterFunc(at-now, func() { b.rampTimer(gen) })
			return
		}
		b.decide(q.Front(), b.ticket(start), true)
	}
}

// rampTimer runs when the next turn of the ramp of generation gen comes.
func (b *Breaker) rampTimer(gen uint64) {
	b.mu.Lock()
	if b.gen == gen && b.state == Closed && b.waiters.rampStop != nil {
		b.waiters.rampStop = nil
		b.rampStep()
	}
	b.unlock()
}

// stopRamp ends the ramp and stops its timer. b.mu is held.
func (b *Breaker) stopRamp() {
	q := &b.waiters
	if q.rampStop != nil {
		q.rampStop()
		q.rampStop = nil
	}
	q.rampN = 0
}

// scale returns d*k/n, for 0 <= k <= n and n > 0, without overflow.
func scale(d time.Duration, k, n int) time.Duration {
	hi, lo := bits.Mul64(uint64(d), uint64(k))
	q, _ := bits.Div64(hi, lo, uint64(n))
	return time.Duration(q)
}
