package breaker

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// Many goroutines share one breaker with every rule on, in fake time, while
// the dependency is, in turn, healthy for 2s and bad (often failing, often
// slow) for 1s. Run with -race; synctest fails the test if a goroutine is
// left behind.
func TestConcurrentUse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu      sync.Mutex
			changes []transition
		)
		b, err := New(Settings{
			ConsecutiveFailures: 8,
			FailureRate:         0.3,
			SlowCallDuration:    80 * time.Millisecond,
			SlowCallRate:        0.3,
			WindowDuration:      time.Second,
			MinimumCalls:        10,
			OpenTimeout:         100 * time.Millisecond,
			MaxOpenTimeout:      time.Second,
			HalfOpenProbes:      5,
			OnStateChange: func(_ string, from, to State) {
				mu.Lock()
				defer mu.Unlock()
				changes = append(changes, transition{from, to})
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		errDown := errors.New("down")
		epoch := time.Now()
		var wg sync.WaitGroup
		for g := range 16 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(g), 1))
				for time.Since(epoch) < 20*time.Second {
					err := callOnce(b, func() error {
						latency, failures := 20, 50 // ms, per 1000
						if time.Since(epoch)%(3*time.Second) >= 2*time.Second {
							latency, failures = 150, 500
						}
						time.Sleep(time.Duration(r.IntN(latency)) * time.Millisecond) // fake clock (synctest): the call's latency
						if r.IntN(1000) < failures {
							return errDown
						}
						return nil
					})
					if err != nil && !errors.Is(err, errDown) && !errors.Is(err, ErrCircuitOpen) {
						t.Errorf("call: %v", err)
					}
					if c := b.Counts(); c.Calls < 0 || c.Failures < 0 || c.SlowCalls < 0 || c.SlowInFlight < 0 {
						t.Errorf("counts %+v", c)
					}
					time.Sleep(time.Millisecond) // fake clock: a caller's pause
				}
			})
		}
		wg.Wait()
		synctest.Wait() // a timer goroutine may be delivering a change

		mu.Lock()
		defer mu.Unlock()
		seen := map[transition]int{}
		last := Closed
		for i, c := range changes {
			if c.from != last {
				t.Fatalf("change %d is %v→%v, after a change to %v", i, c.from, c.to, last)
			}
			last = c.to
			seen[c]++
		}
		if last != b.State() {
			t.Errorf("last change to %v, state %v", last, b.State())
		}
		for _, c := range []transition{{Closed, Open}, {Open, HalfOpen}, {HalfOpen, Open}, {HalfOpen, Closed}} {
			if seen[c] == 0 {
				t.Errorf("no %v→%v in %d changes", c.from, c.to, len(changes))
			}
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.probes != 0 || b.inflight.slow(time.Duration(1<<62)) != 0 {
			t.Errorf("with no call in flight: %d probes, %d calls in flight", b.probes, b.inflight.slow(1<<62))
		}
	})
}

// waitTally counts how the calls to Wait of TestConcurrentWaits ended.
type waitTally struct {
	mu                         sync.Mutex
	atOnce, afterWait, refused int
}

// waitingCaller calls b through Wait until 20s have passed since epoch,
// with deadlines up to 1.5s, against a dependency that is down for 1s
// every 3s and fails 5 % of calls otherwise.
func waitingCaller(t *testing.T, b *Breaker, r *rand.Rand, epoch time.Time, tally *waitTally) {
	for time.Since(epoch) < 20*time.Second {
		ctx, cancel := context.WithTimeout(t.Context(), time.Duration(r.IntN(1500))*time.Millisecond)
		start := time.Now()
		tk, err := b.Wait(ctx)
		cancel()
		tally.mu.Lock()
		switch {
		case err == nil && time.Since(start) > 0:
			tally.afterWait++
		case err == nil:
			tally.atOnce++
		case errors.Is(err, ErrCircuitOpen):
			tally.refused++
		default:
			t.Errorf("Wait: %v", err)
		}
		tally.mu.Unlock()
		if err == nil {
			time.Sleep(time.Duration(r.IntN(20)) * time.Millisecond) // fake clock (synctest): the call
			o := Success
			if down := time.Since(epoch)%(3*time.Second) >= 2*time.Second; down || r.IntN(100) < 5 {
				o = Failure
			}
			if r.IntN(50) == 0 {
				o = Ignore
			}
			b.Done(tk, o)
		}
		time.Sleep(time.Duration(1+r.IntN(5)) * time.Millisecond) // fake clock: a caller's pause
	}
}

// Many goroutines wait on one breaker, in fake time, through outages of
// 1s every 3s, with contexts that end at random; some give up, some are
// let through as probes or by the ramp. Run with -race; synctest fails
// the test if a goroutine is left behind.
func TestConcurrentWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var closes atomic.Int32
		b, err := New(Settings{
			FailureRate:      0.5,
			WindowSize:       20,
			MinimumCalls:     10,
			SlowCallDuration: 80 * time.Millisecond,
			OpenTimeout:      200 * time.Millisecond,
			MaxOpenTimeout:   time.Second,
			HalfOpenProbes:   5,
			MaxWaiting:       16,
			MaxWait:          time.Second,
			RampUp:           200 * time.Millisecond,
			OnStateChange: func(_ string, from, to State) {
				if from == HalfOpen && to == Closed {
					closes.Add(1)
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		epoch := time.Now()
		var (
			wg    sync.WaitGroup
			tally waitTally
		)
		for g := range 32 {
			wg.Go(func() { waitingCaller(t, b, rand.New(rand.NewPCG(uint64(g), 2)), epoch, &tally) })
		}
		wg.Wait()
		synctest.Wait()

		t.Logf("%d calls let through at once, %d after a wait, %d refused; %d recoveries",
			tally.atOnce, tally.afterWait, tally.refused, closes.Load())
		if tally.atOnce == 0 || tally.afterWait == 0 || tally.refused == 0 || closes.Load() < 5 {
			t.Error("want calls let through at once, after a wait, and refused, and a recovery after most of the 6 outages")
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.waiters.Len() != 0 || b.waiters.Front() != nil || b.waiters.Back() != nil || b.waiters.rampStop != nil || b.probes != 0 {
			t.Errorf("with no call left: %+v, %d probes", b.waiters, b.probes)
		}
	})
}

// callOnce makes one call through b, as a caller of Allow and Done does: a
// nil error is a Success, any other a Failure.
func callOnce(b *Breaker, fn func() error) error {
	t, err := b.Allow()
	if err != nil {
		return err
	}
	err = fn()
	o := Success
	if err != nil {
		o = Failure
	}
	b.Done(t, o)
	return err
}
