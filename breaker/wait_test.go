package breaker

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The tests of Wait run in a synctest bubble: the breaker's default clock
// is then the bubble's fake one, and synctest.Test fails if a goroutine is
// left behind.

// waited is what one call to Wait returned, and when.
type waited struct {
	t     Ticket
	err   error
	after time.Duration // since the call began
}

// goWait calls b.Wait(ctx) in a goroutine, reports it on the channel, and
// returns once the call has waited or returned; then, if report is set and
// the call was let through, reports a Success to b.
func goWait(b *Breaker, ctx context.Context, report bool) <-chan waited {
	c := make(chan waited, 1)
	go func() {
		start := time.Now()
		t, err := b.Wait(ctx)
		if err == nil && report {
			b.Done(t, Success)
		}
		c <- waited{t, err, time.Since(start)}
	}()
	synctest.Wait() // parked, or returned
	return c
}

// newTripped returns a breaker made from s, opened by failures.
func newTripped(t *testing.T, s Settings) *Breaker {
	t.Helper()
	b, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	for b.State() == Closed {
		fail(b)
	}
	return b
}

// afters returns how long each call waited, failing t if one was refused.
func afters(t *testing.T, cs []<-chan waited) []time.Duration {
	t.Helper()
	var got []time.Duration
	for i, c := range cs {
		w := <-c
		if w.err != nil {
			t.Errorf("call %d: %v after %v", i, w.err, w.after)
		}
		got = append(got, w.after)
	}
	return got
}

// Calls that meet an open breaker wait for it: the first takes the probe
// slot when the open period ends, and once its success closes the
// breaker, the others are released over RampUp, in order.
func TestWaitRidesOutAnOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTripped(t, Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second, MaxWaiting: 10, RampUp: time.Second})
		var calls []<-chan waited
		for range 5 {
			calls = append(calls, goWait(b, t.Context(), true))
		}
		if n := b.Counts().Waiting; n != 5 {
			t.Fatalf("%d calls waiting, want 5", n)
		}
		ms := time.Millisecond
		want := []time.Duration{1000 * ms, 1000 * ms, 1250 * ms, 1500 * ms, 1750 * ms}
		if got := afters(t, calls); !slices.Equal(got, want) {
			t.Errorf("waited %v, want %v", got, want)
		}
		if b.State() != Closed || b.Counts().Waiting != 0 {
			t.Errorf("state %v, counts %+v; want closed with no call waiting", b.State(), b.Counts())
		}
	})
}

// A waiting call whose context ends returns at once, refused and never
// sent: the error wraps both ErrCircuitOpen and the context's error.
func TestWaitReturnsWhenTheContextEnds(t *testing.T) {
	tests := []struct {
		name      string
		ctx       func(context.Context) (context.Context, context.CancelFunc)
		cancelAt  time.Duration // 0: not cancelled by the test
		wantErr   error
		wantAfter time.Duration
	}{
		{"cancelled", context.WithCancel, 300 * time.Millisecond, context.Canceled, 300 * time.Millisecond},
		{"cancelled before", context.WithCancel, -1, context.Canceled, 0},
		{"deadline, while a probe runs", func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 1500*time.Millisecond)
		}, 0, context.DeadlineExceeded, 1500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := newTripped(t, Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second, MaxWaiting: 10, MaxWait: time.Minute})
				probe := goWait(b, t.Context(), false) // takes the probe slot at 1s, and keeps it
				ctx, cancel := tt.ctx(t.Context())
				defer cancel()
				if tt.cancelAt < 0 {
					cancel()
				}
				call := goWait(b, ctx, false)
				if tt.cancelAt > 0 {
					time.Sleep(tt.cancelAt)
					cancel()
				}
				w := <-call
				if !errors.Is(w.err, ErrCircuitOpen) || !errors.Is(w.err, tt.wantErr) || w.after != tt.wantAfter {
					t.Errorf("Wait = %v after %v, want ErrCircuitOpen and %v after %v", w.err, w.after, tt.wantErr, tt.wantAfter)
				}
				wantWaiting := 0
				if b.State() == Open {
					wantWaiting = 1 // the probe's call, until the open period ends
				}
				if n := b.Counts().Waiting; n != wantWaiting {
					t.Errorf("%d calls waiting, want %d", n, wantWaiting)
				}
				if p := <-probe; p.err != nil {
					t.Errorf("probe: %v", p.err)
				}
			})
		})
	}
}

// MaxWaiting calls wait at most; the next is refused at once, until one of
// them leaves.
func TestWaitCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTripped(t, Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second, MaxWaiting: 3})
		ctx, cancel := context.WithCancel(t.Context())
		first := goWait(b, ctx, true)
		rest := []<-chan waited{goWait(b, t.Context(), true), goWait(b, t.Context(), true)}
		over := <-goWait(b, t.Context(), true)
		if over.err != ErrCircuitOpen || over.after != 0 {
			t.Errorf("call over the cap: %v after %v, want ErrCircuitOpen at once", over.err, over.after)
		}
		if n := b.Counts().Waiting; n != 3 {
			t.Errorf("%d calls waiting, want 3", n)
		}
		cancel()
		if w := <-first; !errors.Is(w.err, context.Canceled) {
			t.Errorf("cancelled call: %v", w.err)
		}
		rest = append(rest, goWait(b, t.Context(), true)) // a place is free
		if n := b.Counts().Waiting; n != 3 {
			t.Errorf("%d calls waiting, want 3", n)
		}
		afters(t, rest)
	})
}

// After a close, the calls still waiting are released evenly over RampUp:
// 100 calls over 1s, 25 in each quarter of a second.
func TestWaitReleaseFollowsTheRamp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTripped(t, Settings{
			ConsecutiveFailures: 1, OpenTimeout: time.Second, MaxWaiting: 101, RampUp: time.Second, MaxWait: 3 * time.Second,
		})
		epoch := time.Now()
		calls := []<-chan waited{goWait(b, t.Context(), true)} // the probe
		for range 100 {
			calls = append(calls, goWait(b, t.Context(), true))
		}
		got := afters(t, calls)
		closedAt := epoch.Add(got[0]) // the probe's success closes it
		perStep := make([]int, 5)
		for _, d := range got[1:] {
			step := int(epoch.Add(d).Sub(closedAt) / (250 * time.Millisecond))
			perStep[min(step, 4)]++
		}
		if want := []int{25, 25, 25, 25, 0}; !slices.Equal(perStep, want) {
			t.Errorf("released %v per 250ms after the close, want %v", perStep, want)
		}
	})
}

// A call whose deadline or MaxWait would end before the open period does
// is refused at once, not after a wait in vain.
func TestWaitRefusesAtOnceWhatCannotOutlastTheOpenPeriod(t *testing.T) {
	tests := []struct {
		name     string
		maxWait  time.Duration
		deadline time.Duration // 0: none
		wantWait bool
	}{
		{"deadline before the open period ends", time.Minute, 400 * time.Millisecond, false},
		{"deadline after", time.Minute, 600 * time.Millisecond, true},
		{"MaxWait before the open period ends", 400 * time.Millisecond, 0, false},
		{"MaxWait after", 600 * time.Millisecond, 0, true},
		{"the shorter of the two", 400 * time.Millisecond, time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := newTripped(t, Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second, MaxWaiting: 1, MaxWait: tt.maxWait})
				time.Sleep(500 * time.Millisecond) // 500ms of the open period left
				ctx := t.Context()
				if tt.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.deadline)
					defer cancel()
				}
				w := <-goWait(b, ctx, true)
				switch {
				case tt.wantWait && (w.err != nil || w.after != 500*time.Millisecond):
					t.Errorf("Wait = %v after %v, want a ticket after 500ms", w.err, w.after)
				case !tt.wantWait && (w.err != ErrCircuitOpen || w.after != 0):
					t.Errorf("Wait = %v after %v, want ErrCircuitOpen at once", w.err, w.after)
				}
			})
		})
	}
}

// A call that waits MaxWait in vain is refused then.
func TestWaitEndsAfterMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTripped(t, Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second, MaxWaiting: 2, MaxWait: 3 * time.Second})
		probe := goWait(b, t.Context(), false) // the probe, which hangs
		w := <-goWait(b, t.Context(), true)
		if w.err != ErrCircuitOpen || w.after != 3*time.Second {
			t.Errorf("Wait = %v after %v, want ErrCircuitOpen after 3s", w.err, w.after)
		}
		if p := <-probe; p.err != nil || b.Counts().Waiting != 0 {
			t.Errorf("probe %v, counts %+v", p.err, b.Counts())
		}
	})
}

// When the probes reopen the breaker, the calls keep waiting, but those
// that could not outlast the longer period are refused then.
func TestWaitThroughAReopening(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTripped(t, Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second, MaxWaiting: 10, MaxWait: 10 * time.Second})
		probe := make(chan waited, 1)
		go func() { // the first probe fails
			start := time.Now()
			tk, err := b.Wait(t.Context())
			if err == nil {
				b.Done(tk, Failure)
			}
			probe <- waited{tk, err, time.Since(start)}
		}()
		synctest.Wait()
		ctx, cancel := context.WithTimeout(t.Context(), 2500*time.Millisecond)
		defer cancel()
		short := goWait(b, ctx, true) // 2.5s: not past the reopened period, at 3s
		long := goWait(b, t.Context(), true)

		if w := <-probe; w.err != nil || w.after != time.Second {
			t.Errorf("first probe: %v after %v, want a ticket after 1s", w.err, w.after)
		}
		if w := <-short; w.err != ErrCircuitOpen || w.after != time.Second {
			t.Errorf("short call: %v after %v, want ErrCircuitOpen at the reopening, after 1s", w.err, w.after)
		}
		if w := <-long; w.err != nil || w.after != 3*time.Second {
			t.Errorf("long call: %v after %v, want a ticket after 3s, as the second probe", w.err, w.after)
		}
		if b.State() != Closed {
			t.Errorf("state %v, want closed", b.State())
		}
	})
}

// With the rate rule, the first waiting calls take every probe slot, ahead
// of Allow; a probe reported as Ignore hands its slot to the next.
func TestWaitingCallsAreTheProbes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTripped(t, Settings{
			FailureRate: 0.5, WindowSize: 2, HalfOpenProbes: 2, OpenTimeout: time.Second, MaxWaiting: 5,
		})
		a, c := goWait(b, t.Context(), false), goWait(b, t.Context(), false)
		third := goWait(b, t.Context(), true)
		time.Sleep(time.Second)
		synctest.Wait() // the breaker's timer, due at the same instant
		if _, err := b.Allow(); err != ErrCircuitOpen || b.State() != HalfOpen {
			t.Fatalf("Allow in half-open with waiting calls: %v, %v; want ErrCircuitOpen", err, b.State())
		}
		pa, pc := <-a, <-c
		if pa.err != nil || pc.err != nil {
			t.Fatalf("probes: %v, %v", pa.err, pc.err)
		}
		b.Done(pa.t, Ignore) // frees a slot: the third call takes it
		synctest.Wait()
		b.Done(pc.t, Success)
		if w := <-third; w.err != nil || w.after != time.Second {
			t.Errorf("third call: %v after %v, want a ticket after 1s", w.err, w.after)
		}
		if b.State() != Closed {
			t.Errorf("state %v after 2 good probes of 2, want closed", b.State())
		}
	})
}

// Without MaxWaiting, Wait is Allow.
func TestWaitIsAllowWhenOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newTripped(t, Settings{ConsecutiveFailures: 1})
		if w := <-goWait(b, t.Context(), false); w.err != ErrCircuitOpen || w.after != 0 {
			t.Errorf("Wait on an open breaker: %v after %v, want ErrCircuitOpen at once", w.err, w.after)
		}
		time.Sleep(5 * time.Second)
		synctest.Wait() // the breaker's timer, due at the same instant
		if w := <-goWait(b, t.Context(), true); w.err != nil || b.State() != Closed {
			t.Errorf("Wait on a half-open breaker: %v, then %v", w.err, b.State())
		}
	})
}

// flipContext is a context that is done from the second time it is
// asked: its caller sees it end while it waits, whatever the order.
type flipContext struct {
	context.Context
	asked atomic.Int32
}

func (c *flipContext) Err() error {
	if c.asked.Add(1) > 1 {
		return context.Canceled
	}
	return nil
}

// A call let through just as its context ends is refused, and gives its
// probe slot back; and no timer outlives the waits.
func TestWaitGivesBackASlotItCannotUse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		b, err := New(Settings{ConsecutiveFailures: 1, clock: clock, MaxWaiting: 1})
		if err != nil {
			t.Fatal(err)
		}
		fail(b)
		done := make(chan error, 1)
		go func() {
			_, err := b.Wait(&flipContext{Context: context.Background()})
			done <- err
		}()
		synctest.Wait() // parked
		if n := b.Counts().Waiting; n != 1 {
			t.Fatalf("%d calls waiting, want 1", n)
		}
		clock.advance(5 * time.Second) // half-open: the call is let through
		if err := <-done; !errors.Is(err, ErrCircuitOpen) || !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait = %v, want ErrCircuitOpen and context.Canceled", err)
		}
		if tk, err := b.Allow(); err != nil {
			t.Fatalf("Allow after the slot was given back: %v", err)
		} else {
			b.Done(tk, Success)
		}
		if b.State() != Closed || clock.pending() != 0 {
			t.Errorf("state %v with %d timers pending, want closed with none", b.State(), clock.pending())
		}
	})
}

// Calls released by the ramp, or gone before their turn, stop their
// timers and the ramp's: none is left once no call waits.
func TestWaitLeavesNoTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := newFakeClock()
		b, err := New(Settings{ConsecutiveFailures: 1, clock: clock, MaxWaiting: 4, RampUp: time.Second, MaxWait: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		fail(b)
		ctx, cancel := context.WithCancel(t.Context())
		var calls []chan error
		for i := range 4 {
			c := make(chan error, 1)
			calls = append(calls, c)
			go func() {
				wctx := t.Context()
				if i == 3 {
					wctx = ctx
				}
				tk, err := b.Wait(wctx)
				if err == nil {
					b.Done(tk, Success)
				}
				c <- err
			}()
			synctest.Wait()
		}
		clock.advance(5 * time.Second) // the probe closes it; the ramp begins
		synctest.Wait()
		<-calls[0]
		<-calls[1]
		if n := b.Counts().Waiting; n != 2 {
			t.Fatalf("%d calls waiting during the ramp, want 2", n)
		}
		clock.advance(400 * time.Millisecond) // the next turn, 1s/3 after the close: the third call
		<-calls[2]
		cancel() // the last leaves: the ramp ends
		if err := <-calls[3]; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled call: %v", err)
		}
		if n := clock.pending(); n != 0 {
			t.Errorf("%d timers pending, want none", n)
		}
	})
}

// The parts of Wait that races reach: the breaker lets the call through
// between Allow and the queue; and the arithmetic at the ends of its range.
func TestWaitEdges(t *testing.T) {
	b, err := New(Settings{ConsecutiveFailures: 1, clock: newFakeClock(), MaxWaiting: 1})
	if err != nil {
		t.Fatal(err)
	}
	if tk, err := b.wait(t.Context()); err != nil || tk.gen != b.gen {
		t.Errorf("wait on a closed breaker: %+v, %v; want a ticket", tk, err)
	}
	if got := addSat(math.MaxInt64-1, 2); got != math.MaxInt64 {
		t.Errorf("addSat overflowing = %v, want the largest Duration", got)
	}
	// (2^63-1)(2^40-1)/2^40 = 2^63 - 2^23 - 1 + 2^-40
	if got := scale(math.MaxInt64, 1<<40-1, 1<<40); got != math.MaxInt64-1<<23 {
		t.Errorf("scale = %d, want %d", got, int64(math.MaxInt64-1<<23))
	}
}
