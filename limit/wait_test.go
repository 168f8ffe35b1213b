package limit_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/limit"
)

// full returns a limiter with every one of its 2 normal slots taken (its
// first window runs at half the InitialLimit of 4), and the tickets; with
// MaxLimit 4, the critical slots too.
func full(t *testing.T, s limit.Settings) (*limit.Limiter, []limit.Ticket) {
	t.Helper()
	s.InitialLimit = 4
	l := newLimiter(t, s)
	ts := fill(t, l, t.Context())
	if len(ts) != 2 {
		t.Fatalf("%d slots, want 2", len(ts))
	}
	if s.MaxLimit == 4 {
		ts = append(ts, fill(t, l, limit.WithPriority(t.Context(), limit.PriorityCritical))...)
	}
	return l, ts
}

// A waiter gives up after MaxWait, to the nanosecond of fake time, and
// holds nothing.
func TestWaitBoundedByMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, _ := full(t, limit.Settings{MaxWait: 100 * time.Millisecond})
		start := time.Now()
		_, err := l.Wait(t.Context())
		if err != limit.ErrLimited {
			t.Errorf("Wait: %v, want ErrLimited", err)
		}
		if waited := time.Since(start); waited != 100*time.Millisecond {
			t.Errorf("waited %v, want 100ms", waited)
		}
		if l.InFlight() != 2 || l.Waiting() != 0 {
			t.Errorf("InFlight %d, Waiting %d; want 2 and 0", l.InFlight(), l.Waiting())
		}
	})
}

// A waiter gets the slot freed while it waits, at that instant.
func TestWaiterGetsFreedSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, ts := full(t, limit.Settings{})
		go func() {
			time.Sleep(300 * time.Millisecond) // fake time
			l.Done(ts[0], limit.OutcomeSuccess)
		}()
		start := time.Now()
		tk, err := l.Wait(t.Context())
		if err != nil {
			t.Fatalf("Wait: %v", err)
		}
		if waited := time.Since(start); waited != 300*time.Millisecond {
			t.Errorf("waited %v, want 300ms", waited)
		}
		l.Done(tk, limit.OutcomeSuccess)
		l.Done(ts[1], limit.OutcomeSuccess)
		if l.InFlight() != 0 {
			t.Errorf("InFlight %d, want 0", l.InFlight())
		}
	})
}

// Cancelling the context or reaching its deadline ends the wait at once;
// the error matches both ErrLimited and the context's error, and the
// waiter holds nothing and leaves nothing behind (synctest.Test fails if
// a goroutine is still blocked when the test returns).
func TestWaitEndsWithContext(t *testing.T) {
	for _, c := range []struct {
		name string
		ctx  func(context.Context) (context.Context, context.CancelFunc)
		want error
		at   time.Duration
	}{
		{"cancel", func(ctx context.Context) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(ctx)
			time.AfterFunc(40*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled, 40 * time.Millisecond},
		{"deadline", func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 70*time.Millisecond)
		}, context.DeadlineExceeded, 70 * time.Millisecond},
	} {
		synctest.Test(t, func(t *testing.T) {
			l, _ := full(t, limit.Settings{MaxWait: time.Hour})
			ctx, cancel := c.ctx(t.Context())
			defer cancel()
			start := time.Now()
			_, err := l.Wait(ctx)
			if !errors.Is(err, limit.ErrLimited) || !errors.Is(err, c.want) {
				t.Errorf("%s: Wait: %v, want ErrLimited and %v", c.name, err, c.want)
			}
			if waited := time.Since(start); waited != c.at {
				t.Errorf("%s: returned after %v, want %v", c.name, waited, c.at)
			}
			if l.InFlight() != 2 || l.Waiting() != 0 {
				t.Errorf("%s: InFlight %d, Waiting %d; want 2 and 0", c.name, l.InFlight(), l.Waiting())
			}
		})
	}
}

// Waiters are served highest priority first, in the order they came
// within a priority; a newcomer does not pass a waiter of its priority,
// even with Allow.
func TestWaitOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, held := full(t, limit.Settings{MaxLimit: 4, MaxWait: time.Hour})
		arrivals := []limit.Priority{
			limit.PriorityLow, limit.PriorityNormal, limit.PriorityCritical,
			limit.PriorityLow, limit.PriorityNormal, limit.PriorityCritical,
		}
		type grant struct {
			name string
			tk   limit.Ticket
		}
		granted := make(chan grant)
		for i, p := range arrivals {
			go func() {
				tk, err := l.Wait(limit.WithPriority(t.Context(), p))
				if err != nil {
					t.Errorf("waiter %d (%v): %v", i, p, err)
				}
				granted <- grant{p.String() + string(rune('0'+i)), tk}
			}()
			synctest.Wait() // waiter i is queued before waiter i+1 comes
		}
		if _, err := l.Allow(t.Context()); err != limit.ErrLimited {
			t.Errorf("Allow with normal calls waiting: %v, want ErrLimited", err)
		}
		if got := l.Waiting(); got != len(arrivals) {
			t.Errorf("Waiting %d, want %d", got, len(arrivals))
		}
		// Free one slot at a time: each Done hands it to one waiter at most.
		var order []string
		for len(held) > 0 {
			l.Done(held[0], limit.OutcomeIgnored)
			held = held[1:]
			synctest.Wait()
			select {
			case g := <-granted:
				order = append(order, g.name)
				held = append(held, g.tk)
			default:
			}
		}
		want := []string{"critical2", "critical5", "normal1", "normal4", "low0", "low3"}
		if !slices.Equal(order, want) {
			t.Errorf("served %v, want %v", order, want)
		}
	})
}

// With MaxWaiting calls waiting, a newcomer is refused at once unless it
// displaces the newest waiter of a lower priority; critical calls wait
// beyond MaxWaiting.
func TestWaitingCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, ts := full(t, limit.Settings{MaxLimit: 4, MaxWaiting: 2, MaxWait: time.Hour})
		results := make(map[string]error)
		var mu sync.Mutex
		var wg sync.WaitGroup
		wait := func(name string, p limit.Priority) {
			wg.Go(func() {
				tk, err := l.Wait(limit.WithPriority(t.Context(), p))
				if err == nil {
					l.Done(tk, limit.OutcomeIgnored)
				}
				mu.Lock()
				results[name] = err
				mu.Unlock()
			})
			synctest.Wait()
		}
		wait("low1", limit.PriorityLow)
		wait("low2", limit.PriorityLow)
		wait("low3", limit.PriorityLow)       // full: refused at once
		wait("normal1", limit.PriorityNormal) // displaces low2
		wait("normal2", limit.PriorityNormal) // displaces low1
		wait("normal3", limit.PriorityNormal) // full of normal: refused
		wait("critical1", limit.PriorityCritical)
		mu.Lock()
		for _, name := range []string{"low3", "low2", "low1", "normal3"} {
			if err := results[name]; err != limit.ErrLimited {
				t.Errorf("%s: %v, want ErrLimited at once", name, err)
			}
		}
		mu.Unlock()
		if got := l.Waiting(); got != 3 {
			t.Errorf("Waiting %d, want 3 (normal1, normal2, critical1)", got)
		}
		for _, tk := range ts {
			l.Done(tk, limit.OutcomeIgnored)
		}
		wg.Wait()
		for _, name := range []string{"normal1", "normal2", "critical1"} {
			if err := results[name]; err != nil {
				t.Errorf("%s: %v, want a slot", name, err)
			}
		}
	})
}

// A slot freed at the instant the waiter's context ends: whichever wins,
// a Wait that fails holds nothing and one that succeeds holds its slot.
func TestGrantedAsContextEnds(t *testing.T) {
	for range 5 {
		synctest.Test(t, func(t *testing.T) {
			l, ts := full(t, limit.Settings{MaxWait: time.Hour})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			time.AfterFunc(10*time.Millisecond, func() {
				l.Done(ts[0], limit.OutcomeSuccess) // grants the slot to the waiter
				cancel()                            // most likely before it wakes
			})
			tk, err := l.Wait(ctx)
			want := 1 // ts[1]
			if err == nil {
				want = 2
				defer l.Done(tk, limit.OutcomeSuccess)
			} else if !errors.Is(err, limit.ErrLimited) || !errors.Is(err, context.Canceled) {
				t.Errorf("Wait: %v, want ErrLimited and context.Canceled", err)
			}
			if got := l.InFlight(); got != want {
				t.Errorf("Wait: %v with %d in flight, want %d", err, got, want)
			}
		})
	}
}
