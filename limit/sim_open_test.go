package limit_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/limit"
)

// openCall is one call of an open-loop run.
type openCall struct {
	start, latency time.Duration // from the run's start; from before Wait to the answer
	ok             bool          // admitted, and answered within its deadline
}

// openRun offers calls at rate a second, as a Poisson process, for each
// of len(workers) spans of length span, the server having workers[i]
// workers of service each in span i. Each call waits at most 1 ms for a
// slot of l (none if l is nil), then crosses a network of 0.4 to 0.8 ms
// each way, with a 1 s deadline. Every random number is drawn up front,
// from seed, so that the run is the same whatever the goroutines' order.
func openRun(l *limit.Limiter, workers []int, service, span time.Duration, rate float64, seed uint64) []openCall {
	srv := &fifoServer{workers: workers[0]}
	rng := rand.New(rand.NewPCG(seed, 1))
	var (
		mu    sync.Mutex
		calls []openCall
		wg    sync.WaitGroup
	)
	start := time.Now()
	for i, w := range workers {
		srv.setWorkers(w)
		end := time.Duration(i+1) * span
		for at := time.Duration(i) * span; ; {
			at += time.Duration(rng.ExpFloat64() / rate * float64(time.Second))
			if at >= end {
				break
			}
			time.Sleep(time.Until(start.Add(at)))
			out := 400*time.Microsecond + time.Duration(rng.Float64()*float64(400*time.Microsecond))
			back := 400*time.Microsecond + time.Duration(rng.Float64()*float64(400*time.Microsecond))
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				c := openCall{start: at}
				var tk limit.Ticket
				var err error
				if l != nil {
					tk, err = l.Wait(ctx)
				}
				if err == nil {
					time.Sleep(out)
					srv.serve(ctx, service)
					time.Sleep(back)
					c.ok = ctx.Err() == nil
					if l != nil {
						o := limit.OutcomeSuccess
						if !c.ok {
							o = limit.OutcomeDropped
						}
						l.Done(tk, o)
					}
				}
				c.latency = time.Since(start) - at
				mu.Lock()
				calls = append(calls, c)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	return calls
}

// p99 returns the 99th percentile of the latencies of the calls that ended
// OK and keep selects.
func p99(calls []openCall, keep func(openCall) bool) time.Duration {
	var lat []time.Duration
	for _, c := range calls {
		if c.ok && keep(c) {
			lat = append(lat, c.latency)
		}
	}
	slices.Sort(lat)
	return lat[len(lat)*99/100]
}

// The queueing run of bench/limits (issue 16's goal), in fake time: calls
// arrive at random, at 1000 a second whatever became of the earlier ones,
// at a server of 16 workers of 20 ms (800 calls a second) whose workers
// are halved after 10 s. In both halves, counting the calls that started
// right after the halving, while the limit still sat at the old capacity,
// the p99 latency of the calls that succeed stays within twice the
// unloaded p99, and the server is kept at least 90 % busy.
func TestSimulationOpenLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const service, half = 20 * time.Millisecond, 10 * time.Second
		unloaded := p99(openRun(nil, []int{8}, service, 2*time.Second, 100, 2), func(openCall) bool { return true })

		l, err := limit.New(limit.Settings{MaxWait: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		limit.SetRand(l, func() float64 { return 0.5 })
		workers := []int{16, 8}
		calls := openRun(l, workers, service, half, 1000, 1)
		for h, w := range workers {
			in := func(c openCall) bool { return int(c.start/half) == h }
			done := 0
			for _, c := range calls {
				if c.ok && int((c.start+c.latency)/half) == h {
					done++
				}
			}
			got := p99(calls, in)
			goodput := float64(done) / half.Seconds() / (float64(w) / service.Seconds())
			t.Logf("half %d: p99 %v (%.2f× the unloaded %v), goodput %.1f %% of capacity",
				h+1, got, float64(got)/float64(unloaded), unloaded, 100*goodput)
			if got > 2*unloaded {
				t.Errorf("half %d: p99 %v, want at most twice the unloaded %v", h+1, got, unloaded)
			}
			if goodput < 0.9 {
				t.Errorf("half %d: goodput %.1f %% of capacity, want at least 90 %%", h+1, 100*goodput)
			}
		}
	})
}
