package ratelimit

import (
	"fmt"
	"sync"
	"time"

	"github.com/rebound-go/rebound/internal/fleetlink"
)

func init() {
	fleetlink.PacerOf = func(p any) fleetlink.Pacer { return (*fleetPacer)(p.(*Pacer)) }
}

// Defaults of a zero Settings.
const (
	defaultLowShare = 0.2
	defaultLowCount = 10
	defaultMaxWait  = 10 * time.Second
)

// Settings configure a Pacer. The zero value starts pacing when a fifth of
// the quota (or, with no limit known, 10 requests) remains, and never
// waits more than 10 s.
type Settings struct {
	// LowShare: pacing starts when Remaining is at most this share of
	// Limit. 0 means 0.2.
	LowShare float64
	// LowCount: pacing starts when Remaining is at most this, if no Limit
	// is known. 0 means 10.
	LowCount int
	// MaxWait is the longest a request is held back. 0 means 10 s.
	MaxWait time.Duration
}

// Validate reports settings that cannot work.
func (s *Settings) Validate() error {
	switch {
	case !(s.LowShare >= 0 && s.LowShare <= 1):
		return fmt.Errorf("ratelimit: LowShare %v is not in [0, 1]", s.LowShare)
	case s.LowCount < 0:
		return fmt.Errorf("ratelimit: LowCount %d must not be negative", s.LowCount)
	case s.MaxWait < 0:
		return fmt.Errorf("ratelimit: MaxWait %v must not be negative", s.MaxWait)
	}
	return nil
}

// Pacer keeps the latest quota a host reported and spreads requests over
// what is left of the window once little remains, instead of spending it
// at once and being refused. Its zero value uses the default Settings. It
// is safe for concurrent use.
type Pacer struct {
	Settings Settings

	mu        sync.Mutex
	limit     int
	remaining int       // as reported, less the requests let through since
	reset     time.Time // zero: unknown
	next      time.Time // earliest time for the next paced request
	seen      bool

	reported Info // the latest Info given to Update, for takeReported
	fresh    bool // reported has not been taken yet
}

// Update records what a response said. Answers to requests sent together
// arrive in any order, and each counts only the requests the server had
// seen when it left; so within one window the lowest remaining count wins,
// and the pacer's own count of requests let through since is kept. Resets
// given in whole seconds from now jitter by up to a second from one answer
// to the next, so resets less than a second apart are the same window.
func (p *Pacer) Update(i Info) {
	if !i.known() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reported, p.fresh = i, true
	p.update(i)
}

// share records a quota that other processes learned (a fleet's share of
// it, see package fleet): it counts as Update does, but takeReported does
// not return it, so a fleet never hands its own view back as the server's.
func (p *Pacer) share(i Info) {
	if !i.known() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.update(i)
}

// takeReported returns the latest Info given to Update since the previous
// takeReported, and false when there was none: what the server itself
// said, for a fleet to share.
func (p *Pacer) takeReported() (Info, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	i, ok := p.reported, p.fresh
	p.fresh = false
	return i, ok
}

// fleetPacer is a Pacer as package fleet drives it, through
// internal/fleetlink.
type fleetPacer Pacer

// Share is share, in the terms of fleetlink.Pacer.
func (fp *fleetPacer) Share(limit, remaining int, reset time.Time) {
	(*Pacer)(fp).share(Info{Limit: limit, Remaining: remaining, Reset: reset})
}

// TakeReported is takeReported, in the terms of fleetlink.Pacer.
func (fp *fleetPacer) TakeReported() (limit, remaining int, reset time.Time, ok bool) {
	i, ok := (*Pacer)(fp).takeReported()
	return i.Limit, i.Remaining, i.Reset, ok
}

// update records i. p.mu is held.
func (p *Pacer) update(i Info) {
	sameWindow := p.seen && (i.Reset.IsZero() || absDiff(i.Reset, p.reset) < time.Second)
	if i.Limit >= 0 {
		p.limit = i.Limit
	}
	if i.Remaining >= 0 && !(sameWindow && i.Remaining > p.remaining) {
		p.remaining = i.Remaining
	}
	if !i.Reset.IsZero() && !(sameWindow && i.Reset.After(p.reset)) {
		p.reset = i.Reset // within a window, the earliest reset is the least rounded
	}
	p.seen = true
}

func absDiff(a, b time.Time) time.Duration {
	if d := a.Sub(b); d >= 0 {
		return d
	}
	return b.Sub(a)
}

// Reserve takes a slot for one request at now and returns how long to
// wait before sending it, at most MaxWait. capped reports that the pacer
// wanted longer.
func (p *Pacer) Reserve(now time.Time) (wait time.Duration, capped bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.seen || p.reset.IsZero() {
		return 0, false
	}
	if !now.Before(p.reset) { // the window refilled: wait for new news
		p.seen = false
		return 0, false
	}
	if !p.low() {
		p.remaining--
		return 0, false
	}
	// Spread what remains evenly over what is left of the window; with
	// nothing left, wait for the window to refill.
	slot := p.reset
	if p.remaining > 0 {
		slot = now
		if p.next.After(slot) {
			slot = p.next
		}
		p.next = slot.Add(p.reset.Sub(slot) / time.Duration(p.remaining+1))
	}
	p.remaining--
	wait = slot.Sub(now)
	limit := p.Settings.MaxWait
	if limit == 0 {
		limit = defaultMaxWait
	}
	if wait > limit {
		return limit, true
	}
	return wait, false
}

func (p *Pacer) low() bool {
	if p.limit > 0 {
		share := p.Settings.LowShare
		if share == 0 {
			share = defaultLowShare
		}
		return float64(p.remaining) <= share*float64(p.limit)
	}
	count := p.Settings.LowCount
	if count == 0 {
		count = defaultLowCount
	}
	return p.remaining <= count
}
