package limit

import (
	"context"
	"fmt"
)

// Wait admits a call, waiting for a slot if the limit is reached. The
// call's priority is read from ctx ([PriorityFrom]): waiting calls are
// served highest priority first, and in the order they came within a
// priority. It returns
//   - a Ticket, at once when the call fits and no call of its priority
//     or higher waits, or once a slot is handed to it;
//   - [ErrLimited] if no slot came within Settings.MaxWait, or at once if
//     MaxWaiting normal and low calls already wait and none of lower
//     priority can be displaced (the newest waiter of the lowest priority
//     below the call's is refused with ErrLimited to make room; critical
//     calls never count against MaxWaiting);
//   - ctx's error, taking nothing, if ctx is done on entry, and an error
//     that matches both ErrLimited and ctx's error if ctx ended the wait.
//
// A Wait that returns an error holds nothing. A call that is admitted
// must hand its Ticket to [Limiter.Done] exactly once, whatever happens:
// defer it next to the admission.
//
// Wait does not allocate when the call is admitted at once; a wait takes
// a pooled waiter, and allocates only while the pool warms up.
func (l *Limiter) Wait(ctx context.Context) (Ticket, error) {
	if err := ctx.Err(); err != nil {
		return Ticket{}, err
	}
	p := PriorityFrom(ctx)
	l.mu.Lock()
	if t, ok := l.tryAdmit(p); ok {
		l.mu.Unlock()
		return t, nil
	}
	if !l.makeRoom(p) {
		l.mu.Unlock()
		return Ticket{}, ErrLimited
	}
	w := l.pool.get(p)
	l.enqueue(w)
	l.mu.Unlock()
	return l.await(ctx, w)
}

// await parks the call until w is granted a slot or refused, MaxWait
// passes, or ctx ends, and puts w back in the pool.
func (l *Limiter) await(ctx context.Context, w *waiter) (Ticket, error) {
	w.timer.Reset(l.cfg.maxWait)
	received := false
	select {
	case <-w.ready:
		received = true
	case <-w.timer.C:
	case <-ctx.Done():
	}
	w.timer.Stop()

	l.mu.Lock()
	if w.state != stateWaiting && !received {
		<-w.ready // sent under l.mu when the state changed: take it, so w can be reused
	}
	t, err := w.ticket, error(nil)
	switch w.state {
	case stateWaiting:
		l.dequeue(w)
		err = ErrLimited
	case stateRefused:
		err = ErrLimited
	case stateGranted:
		if ctx.Err() != nil { // granted as the context ended: give it back
			l.release(t)
			err = ErrLimited
		}
	}
	l.mu.Unlock()
	l.pool.put(w)

	if err == nil {
		return t, nil
	}
	if cerr := ctx.Err(); cerr != nil {
		return Ticket{}, fmt.Errorf("%w: %w", ErrLimited, cerr)
	}
	return Ticket{}, err
}

// makeRoom reports whether a call of priority p may join the queue,
// refusing the newest waiter of the lowest priority below p if the
// queue is full. l.mu is held.
func (l *Limiter) makeRoom(p Priority) bool {
	if p == PriorityCritical || l.waits[PriorityLow+1]+l.waits[PriorityNormal+1] < l.cfg.maxWaiting {
		return true
	}
	for q := PriorityLow; q < p; q++ {
		if w := l.queues[q+1].Back(); w != nil {
			l.dequeue(w)
			w.state = stateRefused
			w.ready <- struct{}{}
			return true
		}
	}
	return false
}

func (l *Limiter) enqueue(w *waiter) {
	l.queues[w.prio+1].Push(w)
	l.waits[w.prio+1]++
}

func (l *Limiter) dequeue(w *waiter) {
	l.queues[w.prio+1].Remove(w)
	l.waits[w.prio+1]--
}

// release frees the slot of t, as a call that was never made (ignored),
// and hands it on. l.mu is held.
func (l *Limiter) release(t Ticket) {
	if win, ok := l.slots.give(t.slot, t.seq); ok {
		l.inflight--
		l.est.ended(l.now(), t.start, win, OutcomeIgnored, l.inflight)
		l.dispatch()
	}
}
