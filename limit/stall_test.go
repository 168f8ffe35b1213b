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

// The calls still in flight cut the limit as soon as the watched one (the
// third oldest, or the last of the oldest quarter) is late and the host
// has kept less than 80 % of its usual pace since it was admitted,
// without waiting for a window to close: to the limit the calls were
// admitted under times the share of its pace the host kept, down to half
// of it, deeper as they age and the host stays slow, but never twice for
// the same state. Recent latencies are all 10 ms here, so a call is late
// after 12.5 ms (the tolerance above the median). The host's pace is
// kept by calls that end as successes at 10 ms, before any is late, each
// replaced by a new call at once.
func TestStallCutsAtOnce(t *testing.T) {
	const base = 10 * time.Millisecond
	type step struct {
		age  time.Duration // of the oldest calls, when one of the newest ends
		want float64       // the limit, as a share of the one they were admitted under; 1 for no cut
	}
	for _, c := range []struct {
		name  string
		s     limit.Settings
		calls int     // admitted at once; 0 for as many as the limit allows
		kept  float64 // share of its usual pace over 20 ms that the host keeps
		steps []step
	}{
		{"on time: no cut", limit.Settings{}, 0, 0, []step{{12 * time.Millisecond, 1}}},
		{"late, the host keeps its pace: no cut", limit.Settings{}, 0, 0.9, []step{{20 * time.Millisecond, 1}}},
		{"late, the host stalls: halved", limit.Settings{}, 0, 0, []step{{20 * time.Millisecond, 0.5}}},
		{"late, the host at 60 % of its pace: cut to 60 %", limit.Settings{}, 0, 0.6,
			[]step{{20 * time.Millisecond, 0.6}}},
		{"cut deeper as they age, once per state", limit.Settings{}, 0, 0.9, []step{
			{20 * time.Millisecond, 1}, {25 * time.Millisecond, 0.72}, {25 * time.Millisecond, 0.72}, {40 * time.Millisecond, 0.5},
		}},
		{"fewer than three in flight: no cut", limit.Settings{InitialLimit: 4, MaxLimit: 4}, 0, 0,
			[]step{{time.Millisecond, 1}, {time.Second, 1}}},
		{"callers use less than half the limit: no cut", limit.Settings{}, 10, 0, []step{{time.Second, 1}}},
		{"not below MinLimit", limit.Settings{MinLimit: 15}, 0, 0, []step{{time.Second, 15.0 / 27}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, clk := newMeasured(t, c.s, base)
			for range 3 { // recent latencies: base, every one
				round(t, l, clk, 0, base, limit.OutcomeSuccess, 0)
			}
			before, _, _ := limit.Estimate(l)
			ts := admit(t, l, c.calls)
			clk.Advance(base)
			kept := int(math.Round(c.kept * limit.Pace(l) * 20))
			replace(t, l, ts, kept)
			if got, _, _ := limit.Estimate(l); got != before {
				t.Fatalf("limit %.3f after %d successes on time, want %.3f", got, kept, before)
			}
			admitted := math.Floor(before)
			waited := base
			for i, s := range c.steps {
				clk.Advance(s.age - waited)
				waited = s.age
				l.Done(ts[len(ts)-1-i], limit.OutcomeIgnored) // one of the newest ends: the limiter looks
				got, _, _ := limit.Estimate(l)
				want := max(admitted*s.want, float64(c.s.MinLimit))
				if s.want == 1 {
					want = before
				}
				if math.Abs(got-want) > 0.02*want {
					t.Errorf("oldest calls %v in flight, %d successes: limit %.3f, want %.3f (admitted under %.2f)",
						s.age, kept, got, want, before)
				}
			}
		})
	}
}

// replace ends the newest of the calls ts holds as a success, and admits
// another in its place, n times.
func replace(t *testing.T, l *limit.Limiter, ts []limit.Ticket, n int) {
	t.Helper()
	for range n {
		l.Done(ts[len(ts)-1], limit.OutcomeSuccess)
		var err error
		if ts[len(ts)-1], err = l.Allow(context.Background()); err != nil {
			t.Fatal(err)
		}
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
