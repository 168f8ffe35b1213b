package breaker

import (
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// ErrCircuitOpen is returned by [Breaker.Allow] and [Breaker.Wait] when
// the breaker rejects a call: it is open, or half-open with
// every probe slot taken. The call was not made. Retry loops should not
// retry it. Wait may wrap it together with a context's error; test for it
// with errors.Is.
var ErrCircuitOpen = errors.New("breaker: circuit open")

// A Ticket is the permission to make one call, returned by [Breaker.Allow]
// or [Breaker.Wait] and handed back to [Breaker.Done]. It is a small value,
// free to copy and to hand to another goroutine: it holds the breaker's
// generation and the call's start time. The zero Ticket belongs to no
// generation, and Done ignores it.
type Ticket struct {
	gen   uint64
	start time.Duration // since the breaker's epoch, when the breaker measures time
}

// A Breaker is a circuit breaker; see the package documentation. Create
// one with [New]. A Breaker is safe for concurrent use by any number of
// goroutines.
//
// While open, a Breaker holds one timer (time.AfterFunc) that
// moves it to half-open. With ride-out on, each call waiting in Wait may
// hold one more, and a closed breaker that releases waiting calls one for
// its ramp; each ends with the wait or the ramp. Otherwise it holds none,
// so a Breaker needs no Close.
type Breaker struct {
	name  string
	cfg   *config
	timed bool // whether the breaker reads the clock on Allow or Done
	epoch time.Time

	// stateGen is gen<<2 | state: written under mu, read without it, so
	// that Allow neither locks when open nor, without the slow-call rule,
	// when closed.
	stateGen atomic.Uint64
	// clean says that, while stateGen stays as it is, a success would
	// change nothing: closed, no failure in the window, none in a row, no
	// slow-call rule, no fleet counting outcomes. Done then returns
	// without the lock, which is most calls to a healthy host.
	clean atomic.Bool

	mu        sync.Mutex
	state     State
	gen       uint64        // counts state changes
	last      time.Duration // latest time since epoch seen
	failures  int           // consecutive failures while closed
	win       window        // nil without a rate rule
	inflight  inflight      // calls in flight, with the slow-call rule
	probes    int           // probes in flight while half-open
	successes int           // successful probes while half-open, without the rate rule
	judged    tally         // probes reported while half-open, with the rate rule
	openFor   time.Duration // the current or last open period; zero once closed
	openUntil time.Duration // since epoch, when the current open period ends
	waiters   waiters       // calls parked in Wait
	shared    shared        // what a fleet shares (fleet.go)
	notifier
}

const stateBits = 2

// New returns a closed Breaker configured by s, or an error that names the
// first field of s that is out of range.
func New(s Settings) (*Breaker, error) {
	c, err := s.config()
	if err != nil {
		return nil, err
	}
	return newBreaker(s.Name, &c), nil
}

func newBreaker(name string, c *config) *Breaker {
	b := &Breaker{
		name:  name,
		cfg:   c,
		timed: c.slowDuration > 0 || c.windowDuration > 0,
		epoch: c.clock.Now(),
		gen:   1,
		win:   newWindow(c),
	}
	if c.slowDuration > 0 {
		b.inflight = newInflight(c.slowDuration)
	}
	b.stateGen.Store(b.gen<<stateBits | uint64(Closed))
	return b
}

// State returns the breaker's current state.
func (b *Breaker) State() State {
	return State(b.stateGen.Load() & (1<<stateBits - 1))
}

// Allow asks to make a call. If the breaker lets it through, Allow returns
// a Ticket, and the caller must make the call and then report its outcome
// with Done, exactly once, whatever happens: in half-open, a probe whose
// ticket does not come back keeps its slot (with the slow-call rule, it
// reopens the breaker once it is slow). Otherwise Allow returns
// ErrCircuitOpen.
//
// Allow does not allocate, unless it opens the breaker.
func (b *Breaker) Allow() (Ticket, error) {
	sg := b.stateGen.Load()
	switch State(sg & (1<<stateBits - 1)) {
	case Open:
		return Ticket{}, ErrCircuitOpen
	case Closed:
		if b.cfg.slowDuration == 0 {
			return Ticket{gen: sg >> stateBits}, nil
		}
	}
	return b.allowLocked()
}

// allowLocked is Allow when it needs the lock: closed with the slow-call
// rule, which counts calls in flight, or half-open.
func (b *Breaker) allowLocked() (Ticket, error) {
	b.mu.Lock()
	t, ok := b.admit(b.now())
	b.unlock()
	if !ok {
		return Ticket{}, ErrCircuitOpen
	}
	return t, nil
}

// admit lets a call through at now if the breaker's state allows it,
// after opening the breaker if a slow-call rule says so. b.mu is held.
func (b *Breaker) admit(now time.Duration) (Ticket, bool) {
	slowRule := b.cfg.slowDuration > 0
	switch b.state {
	case Open:
		return Ticket{}, false
	case Closed:
		if b.tripped(now) {
			b.open()
			return Ticket{}, false
		}
	case HalfOpen:
		if slowRule && b.probesFailed(now) {
			b.open() // probes in flight are already too slow
			return Ticket{}, false
		}
		if !b.probeSlotFree() {
			return Ticket{}, false
		}
	}
	return b.ticket(now), true
}

// ticket admits a call at now, which Allow or Wait has decided to let
// through, and counts it as a probe in half-open.
func (b *Breaker) ticket(now time.Duration) Ticket {
	if b.state == HalfOpen {
		b.probes++
	}
	if b.cfg.slowDuration > 0 {
		b.inflight.add(now)
	}
	return Ticket{gen: b.gen, start: now}
}

// Done reports the outcome of the call that t allowed. If the breaker has
// changed state since Allow returned t, Done ignores it: the call belongs
// to a past generation. Done treats an Outcome other than Success, Failure
// and Ignore as Ignore.
//
// Done does not allocate, unless it changes the state.
func (b *Breaker) Done(t Ticket, o Outcome) {
	if o == Success && b.clean.Load() && b.stateGen.Load() == t.gen<<stateBits|uint64(Closed) {
		return
	}
	b.mu.Lock()
	if t.gen != b.gen {
		b.mu.Unlock()
		return
	}
	now := b.now()
	slow := false
	if b.cfg.slowDuration > 0 {
		b.inflight.remove(t.start)
		slow = now-t.start > b.cfg.slowDuration
	}
	alarm := b.shared.count(o)
	switch b.state {
	case Closed:
		b.record(now, o, slow)
	case HalfOpen:
		b.probeDone(now, o, slow)
	}
	f := b.shared.alarm
	b.clean.Store(b.successChangesNothing())
	b.unlock()
	if alarm {
		f()
	}
}

// successChangesNothing reports whether a success reported now would
// leave every count as it is. b.mu is held.
func (b *Breaker) successChangesNothing() bool {
	if b.state != Closed || b.failures > 0 || b.cfg.slowDuration > 0 || b.shared.driven {
		return false
	}
	w, ok := b.win.(*countWindow)
	return b.win == nil || ok && w.n == len(w.ring) && w.tally.failures == 0 && w.tally.slow == 0
}

// now returns the time since the breaker's epoch, or zero if the breaker
// does not measure time. It never goes backwards. b.mu is held.
func (b *Breaker) now() time.Duration {
	if !b.timed {
		return 0
	}
	return b.elapsed()
}

// elapsed returns the time since the breaker's epoch, which never goes
// backwards, whether or not the breaker measures calls. b.mu is held.
func (b *Breaker) elapsed() time.Duration {
	d := b.cfg.clock.Now().Sub(b.epoch)
	if d < b.last {
		return b.last
	}
	b.last = d
	return d
}

// addSat returns a+d for d >= 0, or the largest Duration if that
// overflows.
func addSat(a, d time.Duration) time.Duration {
	if s := a + d; s >= a {
		return s
	}
	return math.MaxInt64
}

// record counts a call that finished while closed, and trips the breaker if
// a rule says so.
func (b *Breaker) record(now time.Duration, o Outcome, slow bool) {
	switch o {
	case Success:
		b.failures = 0
	case Failure:
		b.failures++
	default:
		return
	}
	if b.win != nil {
		b.win.record(now, one(o == Failure, slow))
	}
	if b.tripped(now) {
		b.open()
	}
}

// tripped reports whether a trip rule holds.
func (b *Breaker) tripped(now time.Duration) bool {
	c := b.cfg
	if c.consecutive > 0 && b.failures >= c.consecutive {
		return true
	}
	if b.win == nil {
		return false
	}
	t := b.win.total(now)
	if c.failureRate > 0 && t.calls >= c.minCalls &&
		float64(t.failures)/float64(t.calls) >= c.failureRate {
		return true
	}
	if c.slowDuration > 0 {
		s := b.inflight.slow(now)
		if n := t.calls + s; n >= c.minCalls && float64(t.slow+s)/float64(n) >= c.slowRate {
			return true
		}
	}
	return false
}

// open moves the breaker to Open for the next open period, starts the
// timer that will move it to HalfOpen, and refuses the waiting calls that
// could not outlast the period.
func (b *Breaker) open() {
	if b.state == HalfOpen {
		d := float64(b.openFor) * b.cfg.multiplier
		b.openFor = b.cfg.maxOpenTimeout
		if d < float64(b.cfg.maxOpenTimeout) {
			b.openFor = time.Duration(d)
		}
	} else {
		b.openFor = b.cfg.openTimeout
	}
	now := b.elapsed()
	b.openUntil = addSat(now, b.openFor)
	b.setState(Open)
	gen := b.gen
	b.cfg.clock.AfterFunc(b.openFor, func() { b.openTimeout(gen) })
	b.waitersOpened(now)
}

// openTimeout runs when the open period of generation gen ends.
func (b *Breaker) openTimeout(gen uint64) {
	b.mu.Lock()
	if b.gen == gen && b.state == Open {
		if now := b.elapsed(); now < b.openUntil { // HoldOpen made the period longer
			b.cfg.clock.AfterFunc(b.openUntil-now, func() { b.openTimeout(gen) })
			b.unlock()
			return
		}
		b.setState(HalfOpen)
		b.grantProbes()
	}
	b.unlock()
}

// close moves the breaker to Closed with fresh counts, and starts
// releasing the waiting calls.
func (b *Breaker) close(now time.Duration) {
	b.openFor = 0
	b.failures = 0
	if b.win != nil {
		b.win.reset(now)
	}
	b.setState(Closed)
	b.waitersClosed()
}

// setState starts a new generation in state to, and queues the change for
// OnStateChange.
func (b *Breaker) setState(to State) {
	from := b.state
	b.state = to
	b.gen++
	b.stateGen.Store(b.gen<<stateBits | uint64(to))
	b.clean.Store(false)
	b.probes, b.successes, b.judged = 0, 0, tally{}
	b.inflight.reset()
	if b.cfg.onStateChange != nil {
		b.pending = append(b.pending, transition{from, to})
	}
}

// Counts is a snapshot of a breaker's statistics, for monitoring. It is a
// plain value.
type Counts struct {
	// Calls, Failures and SlowCalls are the calls in the window, those
	// that failed and those that were slow. While the breaker is open or
	// half-open, they are those that tripped it (less what a
	// WindowDuration window has forgotten since).
	Calls, Failures, SlowCalls int
	// SlowInFlight is, with the slow-call rule, how many calls (in
	// half-open, probes) in flight are already slow.
	SlowInFlight int
	// ConsecutiveFailures is the current run of failures.
	ConsecutiveFailures int
	// Waiting is how many calls wait in Wait.
	Waiting int
}

// Counts returns a snapshot of the breaker's statistics.
func (b *Breaker) Counts() Counts {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	c := Counts{ConsecutiveFailures: b.failures, Waiting: b.waiters.Len()}
	if b.win != nil {
		t := b.win.total(now)
		c.Calls, c.Failures, c.SlowCalls = t.calls, t.failures, t.slow
	}
	if b.cfg.slowDuration > 0 {
		c.SlowInFlight = b.inflight.slow(now)
	}
	return c
}
