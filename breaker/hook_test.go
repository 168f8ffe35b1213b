package breaker

import (
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func fail(b *Breaker) {
	if t, err := b.Allow(); err == nil {
		b.Done(t, Failure)
	}
}

// In a synctest bubble the system clock is fake, so this runs the real
// timer of an open breaker without waiting for it.
func TestOpenTimerMovesToHalfOpenWithNoCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		changes := make(chan string, 10)
		b, err := New(Settings{
			ConsecutiveFailures: 1, OpenTimeout: time.Minute, MaxOpenTimeout: 3 * time.Minute,
			OnStateChange: func(_ string, from, to State) { changes <- from.String() + "→" + to.String() },
		})
		if err != nil {
			t.Fatal(err)
		}
		expect := func(want string, state State) {
			t.Helper()
			synctest.Wait()
			select {
			case got := <-changes:
				if got != want {
					t.Fatalf("change %s, want %s", got, want)
				}
			default:
				if want != "" {
					t.Fatalf("no change, want %s", want)
				}
			}
			if got := b.State(); got != state {
				t.Fatalf("state %v, want %v", got, state)
			}
		}
		fail(b)
		expect(toOpen, Open)
		// Inside the synctest bubble: each Sleep moves the fake clock, exactly.
		time.Sleep(time.Minute - time.Nanosecond)
		expect("", Open)
		time.Sleep(time.Nanosecond)
		expect(toHalfOpen, HalfOpen)

		fail(b) // the probe: open for 2m now
		expect(reopen, Open)
		time.Sleep(2*time.Minute - time.Nanosecond)
		expect("", Open)
		time.Sleep(time.Nanosecond)
		expect(toHalfOpen, HalfOpen)

		fail(b) // 3m, the cap
		expect(reopen, Open)
		time.Sleep(3 * time.Minute)
		expect(toHalfOpen, HalfOpen)

		// Half-open holds no timer: nothing happens however long it waits.
		time.Sleep(time.Hour)
		expect("", HalfOpen)
	})
}

// The hook finds the lock free and uses the breaker. The hook also
// changes the state itself, and must still see every change once, in
// order, and never nested.
func TestHookRunsOutsideTheLockInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			b       *Breaker
			changes []string
			depth   int
			deepest int
		)
		b, err := New(Settings{
			Name:                "pricing",
			ConsecutiveFailures: 1,
			OnStateChange: func(name string, from, to State) {
				depth++
				deepest = max(deepest, depth)
				defer func() { depth-- }()
				if name != "pricing" {
					t.Errorf("name %q", name)
				}
				if !b.mu.TryLock() {
					t.Errorf("hook for %v→%v called with the lock held", from, to)
				} else {
					b.mu.Unlock()
				}
				if got := b.State(); got != to {
					t.Errorf("in the hook for %v→%v, State() = %v", from, to, got)
				}
				_ = b.Counts()
				changes = append(changes, from.String()+"→"+to.String())
				if to == HalfOpen && len(changes) < 3 {
					fail(b) // the probe fails from inside the hook
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		fail(b)
		time.Sleep(5 * time.Second) // fake clock (synctest): the timer moves it to half-open, and the hook reopens it
		synctest.Wait()
		time.Sleep(10 * time.Second) // fake clock: open for 10s now
		synctest.Wait()
		want := []string{toOpen, toHalfOpen, reopen, toHalfOpen}
		if !slices.Equal(changes, want) {
			t.Errorf("changes %q, want %q", changes, want)
		}
		if deepest != 1 {
			t.Errorf("hook nested %d deep", deepest)
		}
	})
}

func TestHookPanicLeavesBreakerWorking(t *testing.T) {
	clock := newFakeClock()
	var changes []string
	b, err := New(Settings{
		ConsecutiveFailures: 1, clock: clock,
		OnStateChange: func(_ string, from, to State) {
			changes = append(changes, from.String()+"→"+to.String())
			if len(changes) == 1 {
				panic("hook")
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != "hook" {
				t.Fatalf("recovered %v, want the hook's panic", r)
			}
		}()
		fail(b)
	}()
	if b.State() != Open {
		t.Fatalf("state %v, want open", b.State())
	}
	clock.advance(5 * time.Second)
	if b.State() != HalfOpen {
		t.Fatalf("state %v, want half-open", b.State())
	}
	if want := []string{toOpen, toHalfOpen}; !slices.Equal(changes, want) {
		t.Fatalf("changes %q, want %q", changes, want)
	}
}

func TestHalfOpenProbeBoundUnderConcurrency(t *testing.T) {
	clock := newFakeClock()
	b, err := New(Settings{ConsecutiveFailures: 1, HalfOpenProbes: 3, clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	fail(b)
	clock.advance(5 * time.Second)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		admitted []Ticket
		ready    = make(chan struct{})
	)
	for range 64 {
		wg.Go(func() {
			<-ready
			if tk, err := b.Allow(); err == nil {
				mu.Lock()
				admitted = append(admitted, tk)
				mu.Unlock()
			}
		})
	}
	close(ready)
	wg.Wait()
	if len(admitted) != 3 {
		t.Fatalf("%d probes admitted, want 3", len(admitted))
	}
	for _, tk := range admitted {
		b.Done(tk, Success)
	}
	if b.State() != Closed {
		t.Fatalf("state %v after 3 good probes, want closed", b.State())
	}
}

func TestDoneIgnoresZeroTicket(t *testing.T) {
	b, err := New(Settings{ConsecutiveFailures: 1, clock: newFakeClock()})
	if err != nil {
		t.Fatal(err)
	}
	b.Done(Ticket{}, Failure)
	if b.State() != Closed || b.Counts().ConsecutiveFailures != 0 {
		t.Fatalf("the zero Ticket counted: %v %+v", b.State(), b.Counts())
	}
}
