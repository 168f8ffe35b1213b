package breaker

import (
	"context"
	"fmt"
	"time"

	"github.com/rebound-go/rebound/internal/fifo"
)

// Wait is Allow for a call that would rather wait for the dependency to
// come back than fail: it rides out a short outage. Without
// Settings.MaxWaiting, Wait is Allow.
//
// When the breaker lets the call through, Wait returns a Ticket at once,
// as Allow does, and the caller must report the call's outcome with Done.
// When it is open, or half-open with every probe slot taken, the call
// waits, in the order the calls came, for the breaker to let it through:
//
//   - when the open period ends, the first waiting calls take half-open's
//     probe slots, ahead of any call to Allow, and a slot that a probe
//     frees goes to the next one;
//   - when the probes close the breaker, the calls still waiting are
//     released over Settings.RampUp, evenly and in order, rather than all
//     at once: a slow start, as TCP's (RFC 5681) keeps a sender that was
//     idle from sending its backlog in one burst, but linear, as Envoy's
//     slow start mode is with an aggression of 1
//     (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/slow_start);
//   - when the probes reopen the breaker, the calls keep waiting, except
//     those refused as below.
//
// The ramp paces only the calls that waited: while it runs, the breaker
// is closed, and new calls pass at once, as with Allow.
//
// A call is refused with ErrCircuitOpen, and never sent, when the
// breaker holds MaxWaiting calls already, when its context's deadline or
// Settings.MaxWait would end before the open period does (at once, and
// again at each reopening, rather than after a wait in vain), or when it
// has waited MaxWait. The deadline is measured by the system clock, as
// the context measures it; the rest by the breaker's clock. When ctx is
// done first, Wait returns at once with an error that wraps both
// ErrCircuitOpen and ctx.Err(), so that errors.Is finds either.
//
// To observe waits, call Allow first, and Wait only when Allow refuses:
// the time Wait then takes is the call's wait, and its return is the
// release (a Ticket) or the refusal.
//
// Wait does not allocate when it returns at once with a Ticket. A waiting
// call costs no goroutine but the caller's, and one timer of the clock
// while MaxWait is shorter than the time left to ctx's deadline; neither
// outlives the call. Wait is safe for concurrent use.
func (b *Breaker) Wait(ctx context.Context) (Ticket, error) {
	t, err := b.Allow()
	if err == nil || b.cfg.maxWaiting == 0 {
		return t, err
	}
	return b.wait(ctx)
}

// waiter is a call parked in Wait. Its fields are guarded by Breaker.mu,
// but for ready, and for t and ok, which are written before ready is
// closed and read after.
type waiter struct {
	links   fifo.Links[*waiter]
	ready   chan struct{} // closed when decided
	expires time.Duration // since epoch: when its budget ends
	decided bool
	ok      bool   // let through, with t; or refused
	t       Ticket // when ok
}

func (w *waiter) FIFOLinks() *fifo.Links[*waiter] { return &w.links }

// wait is Wait after Allow refused the call.
func (b *Breaker) wait(ctx context.Context) (Ticket, error) {
	if ctx.Err() != nil {
		return Ticket{}, refusal(ctx)
	}
	budget, useTimer := b.cfg.maxWait, true
	if deadline, ok := ctx.Deadline(); ok {
		if left := time.Until(deadline); left <= budget {
			budget, useTimer = left, false // ctx ends the wait, not a timer
		}
	}
	w, t, err := b.park(budget)
	if w == nil {
		return t, err
	}
	var stop func() bool
	if useTimer {
		stop = b.cfg.clock.AfterFunc(budget, func() { b.leave(w) })
	}
	select {
	case <-w.ready:
	case <-ctx.Done():
	}
	if stop != nil {
		stop()
	}
	b.leave(w)
	switch {
	case !w.ok:
		if ctx.Err() != nil {
			return Ticket{}, refusal(ctx)
		}
		return Ticket{}, ErrCircuitOpen
	case ctx.Err() != nil: // let through as ctx ended: give the slot back
		b.Done(w.t, Ignore)
		return Ticket{}, refusal(ctx)
	}
	return w.t, nil
}

// park queues a call that may wait up to budget, unless the breaker lets
// it through now (a Ticket) or refuses it (an error). It returns the
// waiter, or nil with the Ticket or the error.
func (b *Breaker) park(budget time.Duration) (*waiter, Ticket, error) {
	b.mu.Lock()
	defer b.unlock()
	now := b.elapsed()
	if t, ok := b.admit(b.now()); ok {
		return nil, t, nil // the breaker changed since Allow
	}
	if budget <= 0 || b.waiters.Len() >= b.cfg.maxWaiting ||
		(b.state == Open && budget < b.openUntil-now) {
		return nil, Ticket{}, ErrCircuitOpen
	}
	w := &waiter{ready: make(chan struct{}), expires: addSat(now, budget)}
	b.waiters.Push(w)
	return w, Ticket{}, nil
}

// leave takes w out of the queue, refused, unless it has been decided
// already: when its context ends or its MaxWait does.
func (b *Breaker) leave(w *waiter) {
	b.mu.Lock()
	if !w.decided {
		b.unpark(w)
	}
	b.unlock()
}

// refusal is the error of a wait that ctx ended.
func refusal(ctx context.Context) error {
	return fmt.Errorf("%w: %w", ErrCircuitOpen, ctx.Err())
}
