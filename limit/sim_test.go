package limit_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/limit"
)

// fifoServer serves each call for service on one of its workers; calls
// beyond the workers queue in order. Its latency therefore rises as soon
// as more calls are in flight than it has workers, like any server with a
// fixed pool of threads. Its sleeps run in synctest's fake time.
type fifoServer struct {
	service time.Duration // mean; each call takes from 0.5 to 1.5 times it (call)

	mu      sync.Mutex
	rng     *rand.Rand
	workers int
	busy    int
	queue   []chan struct{}
}

func (s *fifoServer) call() {
	s.mu.Lock()
	d := time.Duration((0.5 + s.rng.Float64()) * float64(s.service))
	s.mu.Unlock()
	s.serve(context.Background(), d)
}

// serve holds a worker for d, waiting in turn for one; a call whose ctx
// ended while it waited is dropped when its turn comes, as a handler that
// checks its request's context does.
func (s *fifoServer) serve(ctx context.Context, d time.Duration) {
	s.mu.Lock()
	if s.busy < s.workers && len(s.queue) == 0 {
		s.busy++
		s.mu.Unlock()
	} else {
		ch := make(chan struct{})
		s.queue = append(s.queue, ch)
		s.mu.Unlock()
		<-ch // a finishing call handed its worker over
		if ctx.Err() != nil {
			s.release()
			return
		}
	}
	time.Sleep(d) // fake time
	s.release()
}

// release frees a worker, or hands it to the oldest waiter.
func (s *fifoServer) release() {
	s.mu.Lock()
	if len(s.queue) > 0 && s.busy <= s.workers {
		close(s.queue[0])
		s.queue = s.queue[1:]
	} else {
		s.busy--
	}
	s.mu.Unlock()
}

func (s *fifoServer) setWorkers(n int) {
	s.mu.Lock()
	s.workers = n
	s.mu.Unlock()
}

// phase is what the callers saw over part of a run.
type phase struct {
	lat      []time.Duration // of admitted calls, admission to answer
	capacity float64         // calls a second the server can serve
	span     time.Duration
}

func (p *phase) p99() time.Duration {
	slices.Sort(p.lat)
	return p.lat[len(p.lat)*99/100]
}

func (p *phase) goodput() float64 {
	return float64(len(p.lat)) / p.span.Seconds() / p.capacity
}

// halves records the latencies of a run in its two halves, leaving out
// the first 2 s of each: they are the limit's to find its level.
type halves struct {
	start  time.Time
	half   time.Duration
	mu     sync.Mutex
	phases [2]phase
}

func (h *halves) record(began time.Time) {
	el := began.Sub(h.start)
	if i := int(el / h.half); i <= 1 && el%h.half >= 2*time.Second {
		h.mu.Lock()
		h.phases[i].lat = append(h.phases[i].lat, time.Since(began))
		h.mu.Unlock()
	}
}

// The limit follows a server whose capacity halves halfway through: in
// both halves the latency of admitted calls stays under twice the
// unloaded p99 (1.49 times the mean service time), and the server is kept
// at least 90 % busy. Without the limiter the 60 callers would all be in
// flight and see latencies of 3 and 6 times the service time.
func TestSimulationCapacityHalves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const service, half = 20 * time.Millisecond, 10 * time.Second
		srv := &fifoServer{service: service, workers: 20, rng: rand.New(rand.NewPCG(1, 2))}
		l, err := limit.New(limit.Settings{MaxWait: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		limit.SetRand(l, func() float64 { return 0.5 })
		h := &halves{start: time.Now(), half: half, phases: [2]phase{
			{capacity: 20 / service.Seconds(), span: half - 2*time.Second},
			{capacity: 10 / service.Seconds(), span: half - 2*time.Second},
		}}
		ctx, cancel := context.WithTimeout(t.Context(), 2*half)
		defer cancel()
		var wg sync.WaitGroup
		for range 60 {
			wg.Go(func() {
				for ctx.Err() == nil {
					if tk, err := l.Wait(ctx); err == nil {
						began := time.Now()
						srv.call()
						l.Done(tk, limit.OutcomeSuccess)
						h.record(began)
					}
				}
			})
		}
		var limits []int
		for ctx.Err() == nil {
			time.Sleep(500 * time.Millisecond)
			if time.Since(h.start) == half {
				srv.setWorkers(10)
			}
			limits = append(limits, l.Limit())
		}
		wg.Wait()
		t.Logf("limit every 0.5 s: %v", limits)
		unloaded := service * 149 / 100 // p99 of one call alone
		for i := range h.phases {
			p := &h.phases[i]
			t.Logf("half %d: %d calls, p99 %v (%.2f× the unloaded p99), goodput %.1f %% of capacity",
				i+1, len(p.lat), p.p99(), float64(p.p99())/float64(unloaded), 100*p.goodput())
			if p.p99() > 2*unloaded {
				t.Errorf("half %d: p99 %v, want at most %v", i+1, p.p99(), 2*unloaded)
			}
			if p.goodput() < 0.9 {
				t.Errorf("half %d: goodput %.1f %% of capacity, want at least 90 %%", i+1, 100*p.goodput())
			}
		}
	})
}

// Under overload, low-priority calls are shed first and critical calls
// keep succeeding. The server serves 500 calls a second (10 workers, 20
// ms each on average); callers offer 1.4 times that for 10 s, open loop:
// critical 100 a second, normal 300, low 300, each call with a 1 s
// deadline. A call succeeds when it is admitted and answered within its
// deadline.
func TestSimulationPriorities(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const run = 10 * time.Second
		srv := &fifoServer{service: 20 * time.Millisecond, workers: 10, rng: rand.New(rand.NewPCG(3, 4))}
		l, err := limit.New(limit.Settings{})
		if err != nil {
			t.Fatal(err)
		}
		limit.SetRand(l, func() float64 { return 0.5 })
		classes := []struct {
			p       limit.Priority
			perSec  int
			offered atomic.Int64
			ok      atomic.Int64
			shed    atomic.Int64 // refused by the limiter
		}{{p: limit.PriorityCritical, perSec: 100}, {p: limit.PriorityNormal, perSec: 300}, {p: limit.PriorityLow, perSec: 300}}
		var wg sync.WaitGroup
		for i := range classes {
			c := &classes[i]
			wg.Go(func() {
				every := time.Second / time.Duration(c.perSec)
				for start := time.Now(); time.Since(start) < run; time.Sleep(every) {
					c.offered.Add(1)
					wg.Go(func() {
						ctx, cancel := context.WithTimeout(limit.WithPriority(t.Context(), c.p), time.Second)
						defer cancel()
						tk, err := l.Wait(ctx)
						if err != nil {
							c.shed.Add(1)
							return
						}
						srv.call()
						l.Done(tk, limit.OutcomeSuccess)
						if ctx.Err() == nil {
							c.ok.Add(1)
						}
					})
				}
			})
		}
		wg.Wait()
		var success [3]float64
		for i := range classes {
			c := &classes[i]
			success[i] = float64(c.ok.Load()) / float64(c.offered.Load())
			t.Logf("%-8v %5d offered, %5.1f %% succeeded, %5.1f %% shed by the limiter",
				c.p, c.offered.Load(), 100*success[i], 100*float64(c.shed.Load())/float64(c.offered.Load()))
		}
		if success[0] < 0.99 {
			t.Errorf("critical: %.1f %% succeeded, want at least 99 %%", 100*success[0])
		}
		if !(success[2] < success[1]) {
			t.Errorf("low %.1f %% succeeded, normal %.1f %%: want low shed first", 100*success[2], 100*success[1])
		}
	})
}
