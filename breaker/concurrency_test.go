package breaker

import (
	"errors"
	"math/rand/v2"
	"sync"
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
			HalfOpenProbes:      3,
			HalfOpenSuccesses:   5,
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
					_, err := Execute(b, func() (int, error) {
						latency, failures := 20, 50 // ms, per 1000
						if time.Since(epoch)%(3*time.Second) >= 2*time.Second {
							latency, failures = 150, 500
						}
						time.Sleep(time.Duration(r.IntN(latency)) * time.Millisecond) // fake clock (synctest): the call's latency
						if r.IntN(1000) < failures {
							return 0, errDown
						}
						return 1, nil
					})
					if err != nil && !errors.Is(err, errDown) && !errors.Is(err, ErrCircuitOpen) {
						t.Errorf("Execute: %v", err)
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
