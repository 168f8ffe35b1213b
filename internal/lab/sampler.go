package lab

import (
	"sync"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// sampleEvery is how often the server's request counter is read for the
// timeline: a request is put in the second in which the sample that first
// saw it was taken, so at most this much late.
const sampleEvery = 50 * time.Millisecond

// sampler reads a fault server's request counter while a client runs, to
// draw the load on the server second by second.
type sampler struct {
	start time.Time
	quit  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	load  []int64 // requests first seen in each second
	seen  int64   // requests counted so far
}

func startSampler(srv *faults.Server, start time.Time) *sampler {
	s := &sampler{start: start, quit: make(chan struct{})}
	s.wg.Go(func() {
		tick := time.NewTicker(sampleEvery)
		defer tick.Stop()
		for {
			select {
			case <-s.quit:
				return
			case now := <-tick.C:
				s.add(srv.Stats().Requests, now.Sub(start))
			}
		}
	})
	return s
}

// add puts the requests counted since the last sample in the second of at.
func (s *sampler) add(total int64, at time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := int(at / time.Second)
	for len(s.load) <= sec {
		s.load = append(s.load, 0)
	}
	s.load[sec] += total - s.seen
	s.seen = total
}

// stop ends the sampling and returns the load per second, the final total
// (read once the server has closed) put in the last second, so the
// seconds add up to it exactly.
func (s *sampler) stop(total int64, wall time.Duration) []int64 {
	close(s.quit)
	s.wg.Wait()
	s.add(total, wall)
	return s.load
}
