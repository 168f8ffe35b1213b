package limit_test

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/limit"
)

// The calls still in flight cut the limit as soon as the third oldest of
// them is late, without waiting for a window to close: to the limit they
// were admitted under times the recent median latency over their age, and
// on as they age, but never twice for the same age. Recent latencies are
// all 10 ms here, so a call is late after 12.5 ms (the tolerance above the
// median).
func TestStallCutsAtOnce(t *testing.T) {
	const base = 10 * time.Millisecond
	type step struct {
		age  time.Duration // of the oldest calls, when one of the newest ends
		want float64       // the limit, as a share of the one they were admitted under
	}
	for _, c := range []struct {
		name  string
		s     limit.Settings
		calls int // admitted at once; 0 for as many as the limit allows
		steps []step
	}{
		{"on time: no cut", limit.Settings{}, 0, []step{{12 * time.Millisecond, 1}}},
		{"twice as slow: halved", limit.Settings{}, 0, []step{{20 * time.Millisecond, 0.5}}},
		{"cut on as they age, once per age", limit.Settings{}, 0,
			[]step{{13 * time.Millisecond, 10.0 / 13}, {13 * time.Millisecond, 10.0 / 13}, {40 * time.Millisecond, 0.25}}},
		{"fewer than three in flight: no cut", limit.Settings{InitialLimit: 4, MaxLimit: 4}, 0,
			[]step{{time.Millisecond, 1}, {time.Second, 1}}},
		{"callers use less than half the limit: no cut", limit.Settings{}, 10, []step{{time.Second, 1}}},
		{"not below MinLimit", limit.Settings{MinLimit: 15}, 0, []step{{time.Second, 15.0 / 27}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, clk := newMeasured(t, c.s, base)
			for range 3 { // recent latencies: base, every one
				round(t, l, clk, 0, base, limit.OutcomeSuccess, 0)
			}
			before, _, _ := limit.Estimate(l)
			ts := admit(t, l, c.calls)
			admitted := math.Floor(before)
			var waited time.Duration
			for i, s := range c.steps {
				clk.Advance(s.age - waited)
				waited = s.age
				l.Done(ts[len(ts)-1-i], limit.OutcomeIgnored) // one of the newest ends: the limiter looks
				got, _, _ := limit.Estimate(l)
				want := max(admitted*s.want, float64(c.s.MinLimit))
				if s.want == 1 {
					want = before
				}
				if math.Abs(got-want) > 1e-9 {
					t.Errorf("oldest calls %v in flight: limit %.3f, want %.3f (admitted under %.2f)", s.age, got, want, before)
				}
			}
		})
	}
}

// admit takes n tickets with Allow, or as many as it admits if n is 0.
func admit(t *testing.T, l *limit.Limiter, n int) []limit.Ticket {
	t.Helper()
	if n == 0 {
		return fill(t, l, context.Background())
	}
	ts := make([]limit.Ticket, n)
	for i := range ts {
		var err error
		if ts[i], err = l.Allow(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return ts
}

// A server's workers halve under 40 callers in a loop: the limit falls to
// near the new capacity within 5 service times, where the windows alone
// took 16, and does not fall below it. The server has 16 workers, then 8,
// each call taking from 10 to 30 ms; the limit found for 16 workers is
// about 27, and the one for 8 workers, 1.25 × 8 + √10 ≈ 13.
func TestStallFollowsCapacityDrop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const service = 20 * time.Millisecond
		srv := &fifoServer{service: service, workers: 16, rng: rand.New(rand.NewPCG(5, 6))}
		l, err := limit.New(limit.Settings{MaxWait: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		limit.SetRand(l, func() float64 { return 0.5 })
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				for ctx.Err() == nil {
					if tk, err := l.Wait(ctx); err == nil {
						srv.call()
						l.Done(tk, limit.OutcomeSuccess)
					}
				}
			})
		}
		defer func() { cancel(); wg.Wait() }()

		time.Sleep(3 * time.Second)
		if got := l.Limit(); got < 20 {
			t.Fatalf("limit %d with 16 workers, want at least 20", got)
		}
		srv.setWorkers(8)
		halved := time.Now()
		for l.Limit() > 16 {
			time.Sleep(time.Millisecond)
		}
		if took := time.Since(halved); took > 5*service {
			t.Errorf("the limit took %v to fall to 16, want at most %v", took, 5*service)
		} else {
			t.Logf("the limit fell to %d in %v", l.Limit(), took)
		}
		time.Sleep(500 * time.Millisecond)
		if got := l.Limit(); got < 8 || got > 16 {
			t.Errorf("limit %d 0.5 s later, want it in [8, 16]", got)
		}
	})
}
