package limits

import (
	"context"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/rebound-go/rebound/limit"

	"github.com/rebound-go/rebound/bench/clients"
	"github.com/rebound-go/rebound/bench/harness"
)

// ending is how one call of an open-loop run ended.
type ending uint8

// The outcomes of a call.
const (
	endOK      ending = iota // 200, the body read whole, within the deadline
	endRefused               // refused locally by a limiter or bulkhead: not sent
	endFailed                // anything else: the deadline passed, an error, another status
)

// phase is a stretch of an open-loop run: calls arrive at Rate a second
// while the server has Workers workers.
type phase struct {
	Duration time.Duration
	Rate     float64 // offered calls per second
	Workers  int
}

// Share is the part of the calls that carry one priority.
type Share struct {
	Priority limit.Priority
	Weight   float64 // relative to the other shares
}

// load is an open-loop run: calls arrive as a Poisson process (exponential
// gaps, drawn from Seed, so every client meets the same arrivals), each in
// its own goroutine with its own deadline, whatever became of the calls
// before it. Unlike callers in a loop, who slow down with the server, this
// is how independent users arrive: a client that lets the server's queue
// grow sees its latency grow without bound.
type load struct {
	Phases   []phase
	Service  time.Duration // the server's service time per request
	Deadline time.Duration // each call's context deadline
	Mix      []Share       // nil: every call normal
	Seed     uint64
}

// call is one call's record.
type call struct {
	Start    time.Duration // since the run began
	Phase    int
	Priority limit.Priority
	Latency  time.Duration
	End      ending
}

// runOpen runs l through a client made by c against a fresh QueueServer
// and returns every call, in no particular order.
func runOpen(l load, c Contender) ([]call, error) {
	srv := NewQueueServer(l.Phases[0].Workers, l.Service)
	defer srv.Close()
	tr := clients.NewHTTPTransport()
	defer tr.CloseIdleConnections()
	cl, err := c.New(tr)
	if err != nil {
		return nil, err
	}
	defer cl.Close()

	rng := rand.New(rand.NewPCG(l.Seed, 1))
	var (
		mu    sync.Mutex
		calls []call
		wg    sync.WaitGroup
	)
	start := time.Now()
	var end time.Duration // of the phases so far, from start
	for i, ph := range l.Phases {
		srv.SetWorkers(ph.Workers)
		at := end
		end += ph.Duration
		for {
			at += time.Duration(rng.ExpFloat64() / ph.Rate * float64(time.Second))
			if at >= end {
				break
			}
			p := l.pick(rng)
			if d := time.Until(start.Add(at)); d > 0 {
				time.Sleep(d) // pacing the arrivals; late ones go at once
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := openCall(cl, srv.URL, i, p, l.Deadline, start)
				mu.Lock()
				calls = append(calls, r)
				mu.Unlock()
			}()
		}
		if d := time.Until(start.Add(end)); d > 0 {
			time.Sleep(d)
		}
	}
	wg.Wait()
	return calls, nil
}

// pick draws a call's priority from the mix.
func (l load) pick(rng *rand.Rand) limit.Priority {
	total := 0.0
	for _, s := range l.Mix {
		total += s.Weight
	}
	x := rng.Float64() * total
	for _, s := range l.Mix {
		if x < s.Weight {
			return s.Priority
		}
		x -= s.Weight
	}
	return limit.PriorityNormal
}

// openCall makes one call of phase with priority p and records it; run is
// when the run began.
func openCall(cl *Client, url string, phase int, p limit.Priority, deadline time.Duration, run time.Time) call {
	ctx, cancel := context.WithTimeout(withPriority(context.Background(), p), deadline)
	defer cancel()
	start := time.Now()
	resp, err := cl.Do(ctx, &clients.Request{Method: http.MethodGet, URL: url})
	o := classify(resp, err)
	return call{Start: start.Sub(run), Phase: phase, Priority: p, Latency: time.Since(start), End: o}
}

// Stats sums up the calls of one phase (and priority).
type Stats struct {
	Calls, OK, Refused, Failed int
	P50, P99                   time.Duration // of the calls that ended OK
}

// summarize sums up the calls that keep selects.
func summarize(calls []call, keep func(call) bool) Stats {
	var s Stats
	var lat []time.Duration
	for _, c := range calls {
		if !keep(c) {
			continue
		}
		s.Calls++
		switch c.End {
		case endOK:
			s.OK++
			lat = append(lat, c.Latency)
		case endRefused:
			s.Refused++
		default:
			s.Failed++
		}
	}
	slices.Sort(lat)
	s.P50, s.P99 = harness.Percentile(lat, 0.50), harness.Percentile(lat, 0.99)
	return s
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// dur prints a latency, "–" for none.
func dur(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	return harness.Dur(d)
}
