package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"syscall"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/faults"
)

// Call is how one call went.
type Call struct {
	Start   time.Duration // since the client's start: when it was due, or began if later
	Latency time.Duration // from Start to the end of the call, body read
	Status  int           // the final status, 0 when the call ended in an error
	Err     error
}

// OK reports a call that ended in a 2xx with its body read whole.
func (c Call) OK() bool { return c.Err == nil && c.Status >= 200 && c.Status < 300 }

// Result is what one client did, and what its fault server counted.
type Result struct {
	Client string
	Note   string // what the client does (Client.Note)
	Calls  []Call // by call number
	Wall   time.Duration
	// Server is the fault server's count, taken once it had closed; with
	// Config.Target, the client-side injector's, with the connections
	// the client dialled.
	Server faults.Stats
	// Target is Config.Target: "" when the client called a fault server
	// of its own.
	Target string
	// Load is the requests the server saw in each Bucket of the run;
	// they add up to Server.Requests.
	Load []int64
	// Outages are the scenario's outage windows, from the client's start.
	Outages []Window
	// Breaker lists the changes of the client's breakers, in order;
	// BreakerHosts are the hosts that have one, sorted; BreakerWaits
	// counts the attempts that waited for an open one.
	Breaker      []BreakerChange
	BreakerHosts []string
	BreakerWaits int
}

// Window is a stretch of a run, from its start.
type Window struct{ Start, End time.Duration }

func outages(s faults.Scenario) []Window {
	var ws []Window
	for _, o := range s.Outages {
		ws = append(ws, Window{o.Start, o.End})
	}
	return ws
}

// OK is the number of calls that succeeded.
func (r *Result) OK() int {
	n := 0
	for _, c := range r.Calls {
		if c.OK() {
			n++
		}
	}
	return n
}

// SuccessRate is the share of calls that succeeded.
func (r *Result) SuccessRate() float64 { return float64(r.OK()) / float64(len(r.Calls)) }

// ServerPerCall is the requests the server saw per call made.
func (r *Result) ServerPerCall() float64 {
	return float64(r.Server.Requests) / float64(len(r.Calls))
}

// Latencies returns every call's latency, failed calls included, sorted.
func (r *Result) Latencies() []time.Duration {
	ls := make([]time.Duration, len(r.Calls))
	for i, c := range r.Calls {
		ls[i] = c.Latency
	}
	slices.Sort(ls)
	return ls
}

// LatenciesOf returns the latencies of the calls that succeeded (ok) or
// failed (!ok), sorted.
func (r *Result) LatenciesOf(ok bool) []time.Duration {
	var ls []time.Duration
	for _, c := range r.Calls {
		if c.OK() == ok {
			ls = append(ls, c.Latency)
		}
	}
	slices.Sort(ls)
	return ls
}

// Percentile returns the q-quantile (0 < q ≤ 1) of sorted by the nearest
// rank: the smallest value that at least q of the values do not exceed.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Successes returns the calls that succeeded in each Bucket of the run,
// by when they ended.
func (r *Result) Successes() []int {
	out := make([]int, max(len(r.Load), int(r.Wall/Bucket)+1))
	for _, c := range r.Calls {
		if c.OK() {
			b := int((c.Start + c.Latency) / Bucket)
			for len(out) <= b {
				out = append(out, 0)
			}
			out[b]++
		}
	}
	return out
}

// Failures counts the failed calls by how they ended: a status code such
// as "503", or an error kind such as "reset" or "circuit open".
func (r *Result) Failures() map[string]int {
	m := map[string]int{}
	for _, c := range r.Calls {
		if !c.OK() {
			m[failure(c)]++
		}
	}
	return m
}

func failure(c Call) string {
	err := c.Err
	switch {
	case err == nil:
		return fmt.Sprint(c.Status)
	case errors.Is(err, breaker.ErrCircuitOpen):
		return "circuit open"
	case errors.Is(err, budget.ErrExhausted):
		return "budget"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "cut short"
	}
	return "other error"
}
