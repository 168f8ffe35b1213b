package limits

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/rebound-go/rebound/bench/harness"
)

// QueueServer is a loopback HTTP server with a number of workers: a request
// holds a free worker for the service time and then answers 200 with
// harness.OKBody; while every worker is busy, requests wait in one FIFO
// queue, without bound. Its latency is the service time while fewer than
// Workers requests are in flight and rises by one service time per Workers
// requests queued beyond them: a c-server queue (M/D/c under Poisson
// arrivals, in Kendall's notation). Its capacity is Workers / service time.
//
// A request whose client has gone away (its context is done) while it
// queued is dropped when its turn comes, as a Go handler that checks its
// request's context does; one that reached a worker is served to the end.
//
// A QueueServer is safe for concurrent use; SetWorkers may be called while
// requests are in flight.
type QueueServer struct {
	*httptest.Server
	service time.Duration

	mu      sync.Mutex
	workers int
	busy    int             // workers serving a request, or handed to a waiter
	queue   []chan struct{} // waiting requests, oldest first
}

// NewQueueServer starts a QueueServer with the given number of workers (at
// least 1) and service time per request. Close it when done.
func NewQueueServer(workers int, service time.Duration) *QueueServer {
	q := &QueueServer{service: service, workers: max(1, workers)}
	q.Server = httptest.NewServer(http.HandlerFunc(q.serve))
	return q
}

// SetWorkers changes the number of workers (at least 1). Requests in service
// finish; past a cut, no queued request starts until fewer than n are busy.
func (q *QueueServer) SetWorkers(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.workers = max(1, n)
	for q.busy < q.workers && len(q.queue) > 0 {
		q.busy++
		q.handOver()
	}
}

// Capacity returns the requests per second the server can serve now.
func (q *QueueServer) Capacity() float64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return float64(q.workers) / q.service.Seconds()
}

func (q *QueueServer) serve(w http.ResponseWriter, r *http.Request) {
	if !q.acquire(r.Context()) {
		return
	}
	defer q.release()
	t := time.NewTimer(q.service) // the work, not interrupted once begun
	<-t.C
	harness.OK(w)
}

// acquire takes a worker, waiting in turn; it reports false, holding none,
// if ctx ended first.
func (q *QueueServer) acquire(ctx context.Context) bool {
	q.mu.Lock()
	if q.busy < q.workers && len(q.queue) == 0 {
		q.busy++
		q.mu.Unlock()
		return true
	}
	ch := make(chan struct{})
	q.queue = append(q.queue, ch)
	q.mu.Unlock()
	select {
	case <-ch:
		if ctx.Err() != nil {
			q.release()
			return false
		}
		return true
	case <-ctx.Done():
		q.mu.Lock()
		if i := slices.Index(q.queue, ch); i >= 0 {
			q.queue = slices.Delete(q.queue, i, i+1)
			q.mu.Unlock()
			return false
		}
		q.mu.Unlock()
		q.release() // the worker was handed over as ctx ended
		return false
	}
}

// release frees a worker, or hands it to the oldest waiter.
func (q *QueueServer) release() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.busy <= q.workers && len(q.queue) > 0 {
		q.handOver()
		return
	}
	q.busy--
}

// handOver gives a worker to the oldest waiter; q.mu is held.
func (q *QueueServer) handOver() {
	close(q.queue[0])
	q.queue[0] = nil
	q.queue = q.queue[1:]
}
