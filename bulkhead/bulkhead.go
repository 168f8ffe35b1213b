// Package bulkhead caps the number of calls in flight to a dependency, so
// that one slow dependency cannot tie up every goroutine, connection and
// buffer of the process. A call that finds every slot taken waits for
// one, for at most MaxWait and never past its context, or is rejected at
// once with [ErrFull].
package bulkhead

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrFull is returned by [Bulkhead.Wait] when every slot is taken and
// none came free in time. A retry loop should not retry it at once: the
// dependency is saturated by this very process.
var ErrFull = errors.New("bulkhead: full")

// defaultMaxConcurrent is the number of slots of a zero [Settings],
// Resilience4j's default.
const defaultMaxConcurrent = 25

// Settings configures a [Bulkhead]. The zero value gives 25 slots and no
// waiting, as in Resilience4j.
type Settings struct {
	// MaxConcurrent is the number of calls that may be in flight at
	// once. Zero means 25.
	MaxConcurrent int

	// MaxWait is how long Wait waits for a slot when all are taken.
	// Zero means not at all: Wait rejects at once with ErrFull. A
	// negative value means as long as the context allows.
	MaxWait time.Duration
}

// Bulkhead is a counting semaphore with a bounded wait. Waiters are
// served in the order they arrived.
//
// A Bulkhead is safe for concurrent use. Create one with [New].
type Bulkhead struct {
	slots   chan struct{} // one element per call in flight
	maxWait time.Duration
}

// New returns a Bulkhead, or an error naming the setting that is out of
// range.
func New(s Settings) (*Bulkhead, error) {
	n := s.MaxConcurrent
	if n == 0 {
		n = defaultMaxConcurrent
	}
	if n < 0 {
		return nil, fmt.Errorf("bulkhead: MaxConcurrent %d is negative", n)
	}
	return &Bulkhead{slots: make(chan struct{}, n), maxWait: s.MaxWait}, nil
}

// Wait takes a slot, waiting if Settings.MaxWait allows it. It returns
// nil once the slot is held, to be given back with [Bulkhead.Done];
// [ErrFull] if no slot came free in time; ctx's error, and takes nothing,
// if ctx is done on entry; and an error that matches both ErrFull and
// ctx's error if ctx ended the wait.
//
// A free slot is taken without allocating; only a wait with a positive
// MaxWait allocates (a timer).
func (b *Bulkhead) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case b.slots <- struct{}{}:
		return nil
	default:
	}
	if b.maxWait == 0 {
		return ErrFull
	}
	var expired <-chan time.Time
	if b.maxWait > 0 {
		t := time.NewTimer(b.maxWait)
		defer t.Stop()
		expired = t.C
	}
	select {
	case b.slots <- struct{}{}:
		return nil
	case <-expired:
		return ErrFull
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrFull, ctx.Err())
	}
}

// Done gives back a slot taken by Wait. It panics if no slot is
// held: a Done without its Wait would let a call too many in.
func (b *Bulkhead) Done() {
	select {
	case <-b.slots:
	default:
		panic("bulkhead: Done without Wait")
	}
}

// InUse returns the number of slots taken now, for metrics.
func (b *Bulkhead) InUse() int { return len(b.slots) }
