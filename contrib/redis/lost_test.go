package redis

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/fleet"
)

// Redis is stopped mid-run and started again on the same port: no call
// fails because of it, both instances fall back within one interval, and
// sharing resumes by itself (A trips, B refuses).
func TestRedisLostMidRun(t *testing.T) {
	srv := startRedis(t)
	var bad, good atomic.Int32
	bad.Store(503)
	good.Store(200)
	down, up := statusServer(t, &bad, nil), statusServer(t, &good, nil)
	cfg := func() rebound.Config {
		return rebound.Config{Breaker: &breaker.Settings{ConsecutiveFailures: 3, OpenTimeout: 10 * time.Second},
			Budget: rebound.AdaptiveBudget}
	}
	a := newProcess(t, srv, up.Client().Transport, cfg())
	b := newProcess(t, srv, up.Client().Transport, cfg())
	a.warm(t, up.URL)
	b.warm(t, up.URL)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var calls, failed atomic.Int64
	for _, p := range []*process{a, b} {
		wg.Go(func() {
			for ctx.Err() == nil {
				st, err := p.get(ctx, up.URL)
				if ctx.Err() != nil {
					return
				}
				calls.Add(1)
				if err != nil || st != 200 {
					failed.Add(1)
				}
				time.Sleep(time.Millisecond) // a call a millisecond; not a schedule
			}
		})
	}
	lost := time.Now()
	srv.stop()
	fallback := eventually(t, 2*time.Second, "both fall back", func() bool { return !a.fleet.Stats().Connected && !b.fleet.Stats().Connected })
	t.Logf("fell back %v after Redis stopped (interval %v)", fallback, interval)
	if fallback > interval+50*time.Millisecond {
		t.Errorf("fell back %v after Redis stopped, want within the interval %v (+50ms of slack for -race)", fallback, interval)
	}
	for time.Since(lost) < 3*interval { // calls go on while Redis is gone
		time.Sleep(interval)
	}
	restart := time.Now()
	srv.start()
	eventually(t, 5*time.Second, "both share again", func() bool { return a.fleet.Stats().Connected && b.fleet.Stats().Connected })
	t.Logf("sharing again %v after the restart began", time.Since(restart))
	cancel()
	wg.Wait()
	if failed.Load() != 0 || calls.Load() == 0 {
		t.Fatalf("%d of %d calls failed while Redis was lost", failed.Load(), calls.Load())
	}
	t.Logf("%d calls, none failed", calls.Load())

	// Sharing resumed: A trips on its own failures, B refuses.
	trip := newProcess(t, srv, down.Client().Transport, cfg())
	trip.warm(t, down.URL)
	for range 2 {
		trip.get(context.Background(), down.URL)
	}
	eventually(t, 10*interval, "B refuses after A tripped, Redis restarted", func() bool {
		_, err := b.get(context.Background(), up.URL)
		return errors.Is(err, breaker.ErrCircuitOpen)
	})
}

// Two instances in an outage: with a shared budget the fleet's retries
// stay within one burst and the fleet's share, where each instance alone
// would spend a burst of its own.
func TestBudgetSharedByTheFleet(t *testing.T) {
	srv := startRedis(t)
	var status atomic.Int32
	status.Store(200)
	var hits atomic.Int64
	ts := statusServer(t, &status, &hits)
	cfg := rebound.Config{Budget: rebound.AdaptiveBudget,
		Policy: rebound.Policy{Attempts: 4, Backoff: backoff.Constant{Interval: time.Millisecond}}}
	const burst = 10
	var ps []*process
	for range 2 {
		p := newProcessWith(t, fleet.Settings{Store: NewStore(srv.client(), "test:"), Interval: interval, RetryBurst: burst},
			ts.Client().Transport, cfg)
		p.warm(t, ts.URL)
		ps = append(ps, p)
	}
	status.Store(503)
	hits.Store(0)
	const calls = 100 // per instance, over about a second
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Go(func() {
			for range calls {
				p.get(context.Background(), ts.URL)
				time.Sleep(10 * time.Millisecond) // spread the calls over several syncs; not a schedule
			}
		})
	}
	wg.Wait()
	retries := hits.Load() - 2*calls
	// The fleet's bucket: one burst, 0.1 of each first attempt, 1 a second;
	// each instance may hold a lease of 4 beyond it.
	limit := int64(burst + 0.1*2*calls + 2 + 2*4)
	t.Logf("%d first attempts, %d retries (limit %d; alone, each instance's budget starts with 100 tokens)", 2*calls, retries, limit)
	if retries > limit {
		t.Fatalf("%d retries in the outage, want at most %d", retries, limit)
	}
}
