package lab

import (
	"sync"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// Bucket is the time step of the lab's timelines: requests, successes
// and latencies are counted per Bucket of the run.
const Bucket = 100 * time.Millisecond

// sampleEvery is how often the server's request counter is read for the
// timeline: a request is put in the bucket in which the sample that
// first saw it was taken, so at most this much late.
const sampleEvery = 10 * time.Millisecond

// sampler reads a fault injector's request counter while a client runs,
// to draw the load on the server bucket by bucket.
type sampler struct {
	start time.Time
	quit  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	load  []int64 // requests first seen in each bucket
	seen  int64   // requests counted so far
}

func startSampler(in *faults.Injector, start time.Time) *sampler {
	s := &sampler{start: start, quit: make(chan struct{})}
	s.wg.Go(func() {
		tick := time.NewTicker(sampleEvery)
		defer tick.Stop()
		for {
			select {
			case <-s.quit:
				return
			case now := <-tick.C:
				s.add(in.Stats().Requests, now.Sub(start))
			}
		}
	})
	return s
}

// add puts the requests counted since the last sample in the bucket of at.
func (s *sampler) add(total int64, at time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := int(at / Bucket)
	for len(s.load) <= b {
		s.load = append(s.load, 0)
	}
	s.load[b] += total - s.seen
	s.seen = total
}

// stop ends the sampling and returns the load per bucket, the final total
// (read once the server has closed) put in the last bucket, so the
// buckets add up to it exactly.
func (s *sampler) stop(total int64, wall time.Duration) []int64 {
	close(s.quit)
	s.wg.Wait()
	s.add(total, wall)
	return s.load
}
