package limit

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// ErrLimited is returned by [Limiter.Allow] and [Limiter.Wait] when the
// call was refused and not sent: the host's limit is reached and no slot
// came free in time, or the queue of waiting calls is full. A retry loop
// should not retry it at once: the host is saturated by this very
// process.
var ErrLimited = errors.New("limit: concurrency limit reached")

// A Ticket is the permission to make one call, returned by
// [Limiter.Allow] and [Limiter.Wait] and handed back to [Limiter.Done]
// exactly once. It is a small value, free to copy and to hand to another
// goroutine: it holds the call's slot and start time. The zero Ticket
// holds nothing, and Done ignores it.
type Ticket struct {
	start time.Duration // since the limiter's epoch
	slot  int32
	seq   uint32 // odd; matches the slot's while the call holds it
}

// Outcome is what a call told about the host, reported to
// [Limiter.Done]. The zero Outcome is OutcomeSuccess.
type Outcome uint8

// The outcomes of a call.
const (
	// OutcomeSuccess: the host answered. The limiter measures the call's
	// latency from its ticket and lets the limit follow it. Any answer
	// that is the host's normal work counts, a 404 included.
	OutcomeSuccess Outcome = iota
	// OutcomeDropped: the host shed the call or could not take it on: a
	// timeout, a 503, a 429, a refused connection. It cuts the limit.
	OutcomeDropped
	// OutcomeIgnored: the call says nothing about the host, such as one
	// the caller cancelled. It frees the slot and is not measured.
	OutcomeIgnored
)

// String returns "success", "dropped" or "ignored".
func (o Outcome) String() string {
	switch o {
	case OutcomeSuccess:
		return "success"
	case OutcomeDropped:
		return "dropped"
	case OutcomeIgnored:
		return "ignored"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// A Limiter caps the calls in flight to one host by a limit that follows
// the host's latency and drops; see the package documentation. Create one
// with [New].
//
// A Limiter is safe for concurrent use by any number of goroutines. It
// starts no goroutine and holds no timer of its own, so it needs no
// Close: it looks at the calls in flight whenever a call asks to be
// admitted and whenever one is Done.
type Limiter struct {
	cfg   config
	epoch time.Time
	pool  waiterPool

	mu       sync.Mutex
	last     time.Duration // latest time since epoch seen
	inflight int
	slots    slots
	est      estimator
	queues   [3]queue // by Priority+1: low, normal, critical
	waits    [3]int   // waiters in each queue
}

// New returns a Limiter, or an error naming the first field of s out of
// range.
func New(s Settings) (*Limiter, error) {
	c, err := s.config()
	if err != nil {
		return nil, err
	}
	l := &Limiter{cfg: c, epoch: c.now()}
	l.est = newEstimator(&l.cfg, rand.Float64)
	return l, nil
}

// Allow admits a call at once, or refuses it with [ErrLimited]; it never
// waits. The call's priority is read from ctx ([PriorityFrom]); a call
// is refused while calls of its priority or higher wait, so that it does
// not pass them. If ctx is already done, Allow returns its error and
// takes nothing.
//
// A call that is admitted must hand its Ticket to [Limiter.Done] exactly
// once, whatever happens: defer it next to the admission.
//
// Allow does not allocate.
func (l *Limiter) Allow(ctx context.Context) (Ticket, error) {
	if err := ctx.Err(); err != nil {
		return Ticket{}, err
	}
	p := PriorityFrom(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.tryAdmit(p)
	if !ok {
		return Ticket{}, ErrLimited
	}
	return t, nil
}

// Done reports the outcome of the call that t admitted and frees its
// slot, which goes to the first waiting call that may take it. A Ticket
// that was already handed back, and the zero Ticket, are ignored, so the
// count of calls in flight stays right; a Ticket must go back to the
// Limiter that issued it. An Outcome other than the three defined counts
// as OutcomeIgnored.
//
// Done does not allocate.
func (l *Limiter) Done(t Ticket, o Outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	win, ok := l.slots.give(t.slot, t.seq)
	if !ok {
		return
	}
	l.inflight--
	now := l.now()
	l.est.ended(now, t.start, win, o, l.inflight)
	l.watch(now)
	l.dispatch()
}

// Limit returns the number of normal-priority calls that may be in
// flight now, for metrics. It is half the adaptive limit while the
// limiter measures the host's latency at low load.
func (l *Limiter) Limit() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.est.admitLimit()
}

// InFlight returns the number of calls admitted and not yet Done.
func (l *Limiter) InFlight() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inflight
}

// Waiting returns the number of calls waiting in Wait.
func (l *Limiter) Waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waits[0] + l.waits[1] + l.waits[2]
}

// now returns the time since the limiter's epoch; it never goes
// backwards. l.mu is held.
func (l *Limiter) now() time.Duration {
	d := l.cfg.now().Sub(l.epoch)
	if d < l.last {
		return l.last
	}
	l.last = d
	return d
}

// watch lets the calls still in flight cut the limit (estimator.stall).
// It reports whether the limit fell. l.mu is held.
func (l *Limiter) watch(now time.Duration) bool {
	c, ok := l.slots.oldest(stallRank(l.inflight))
	return ok && l.est.stall(now, c)
}

// tryAdmit admits a call of priority p if it may start now, once the calls
// in flight have had their say: a call that fits under a limit they cut
// is not admitted. l.mu is held.
func (l *Limiter) tryAdmit(p Priority) (Ticket, bool) {
	if !l.admits(p) {
		return Ticket{}, false
	}
	now := l.now()
	if l.watch(now) && !l.admits(p) {
		return Ticket{}, false
	}
	return l.admit(now), true
}

// fits reports whether a call of priority p may start now, waiters
// aside. l.mu is held.
func (l *Limiter) fits(p Priority) bool {
	switch p {
	case PriorityCritical:
		return l.inflight < l.cfg.maxLimit
	case PriorityLow:
		return float64(l.inflight) < lowShare*float64(l.est.admitLimit())
	}
	return l.inflight < l.est.admitLimit()
}

// admits reports whether a new call of priority p may start now: it fits
// and no call of its priority or higher is waiting. l.mu is held.
func (l *Limiter) admits(p Priority) bool {
	for q := p; q <= PriorityCritical; q++ {
		if l.queues[q+1].Len() > 0 {
			return false
		}
	}
	return l.fits(p)
}

// admit takes a slot for a call starting now. l.mu is held.
func (l *Limiter) admit(now time.Duration) Ticket {
	l.inflight++
	i, seq := l.slots.take(l.est.admitted(now, l.inflight))
	return Ticket{start: now, slot: i, seq: seq}
}

// dispatch hands free slots to the waiters at the head of the queues,
// highest priority first. l.mu is held.
func (l *Limiter) dispatch() {
	for p := PriorityCritical; p >= PriorityLow; p-- {
		q := &l.queues[p+1]
		for q.Len() > 0 && l.fits(p) {
			w := q.Front()
			l.dequeue(w)
			w.ticket = l.admit(l.now())
			w.state = stateGranted
			w.ready <- struct{}{}
		}
		if q.Len() > 0 {
			return // lower priorities fit even less
		}
	}
}
