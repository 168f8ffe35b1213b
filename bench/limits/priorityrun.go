package limits

import (
	"fmt"
	"strings"
	"time"

	"github.com/rebound-go/rebound/limit"

	"github.com/rebound-go/rebound/bench/harness"
)

// PriorityOptions scale RunPriority.
type PriorityOptions struct {
	Workers  int           // the server's workers
	Service  time.Duration // the server's service time per request
	Warmup   time.Duration // a first stretch at the same load, left out of the table
	Duration time.Duration // the measured stretch
	Load     float64       // offered rate, as a multiple of the server's capacity
	Deadline time.Duration // each call's deadline
	MaxWait  time.Duration // the longest a call over rebound's limit waits for a slot
	Mix      []Share       // the calls' priorities
	Seed     uint64        // the arrivals and their priorities
}

// DefaultPriorityOptions are those of the published table: 16 workers of
// 20 ms (800 requests a second), calls offered at 1.5 × capacity, 40 %
// low, 40 % normal and 20 % critical (critical and normal alone are 0.9 ×
// capacity), 2 s of warm-up, then 10 s measured; 1 s deadline; a call
// over rebound's limit waits at most one service time, so that its queue
// serves the waiting calls by priority.
func DefaultPriorityOptions() PriorityOptions {
	return PriorityOptions{Workers: 16, Service: 20 * time.Millisecond, Warmup: 2 * time.Second,
		Duration: 10 * time.Second, Load: 1.5, Deadline: time.Second, MaxWait: 20 * time.Millisecond, Seed: 1,
		Mix: []Share{{limit.PriorityLow, 0.4}, {limit.PriorityNormal, 0.4}, {limit.PriorityCritical, 0.2}}}
}

func (o PriorityOptions) capacity() float64 { return float64(o.Workers) / o.Service.Seconds() }

// PriorityContenders are the clients of RunPriority: rebound's adaptive
// limit (a call over it waits at most o.MaxWait), failsafe-go's priority
// limiter (calibrated every 100 ms; see FailsafePriority) and plain
// net/http.
func PriorityContenders(o PriorityOptions) []Contender {
	return []Contender{ReboundLimit(o.MaxWait), FailsafePriority(100 * time.Millisecond), NetHTTP()}
}

// PriorityResult is one RunPriority.
type PriorityResult struct {
	Options PriorityOptions
	Rows    []PriorityRow
}

// PriorityRow is one client's calls of the measured stretch, by priority
// (index p+1 for limit.Priority p) and in all.
type PriorityRow struct {
	Client string
	By     [3]Stats
	All    Stats
}

// RunPriority runs each contender in turn through the same overload.
func RunPriority(o PriorityOptions, cs []Contender) (*PriorityResult, error) {
	rate := o.Load * o.capacity()
	l := load{Service: o.Service, Deadline: o.Deadline, Seed: o.Seed, Mix: o.Mix, Phases: []phase{
		{Duration: o.Warmup, Rate: rate, Workers: o.Workers},
		{Duration: o.Duration, Rate: rate, Workers: o.Workers},
	}}
	res := &PriorityResult{Options: o}
	for _, c := range cs {
		calls, err := runOpen(l, c)
		if err != nil {
			return nil, err
		}
		row := PriorityRow{Client: c.Name, All: summarize(calls, func(c call) bool { return c.Phase == 1 })}
		for i := range row.By {
			p := limit.Priority(i - 1)
			row.By[i] = summarize(calls, func(c call) bool { return c.Phase == 1 && c.Priority == p })
		}
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

// Markdown renders the result: a line on the set-up and one row per
// client and priority, critical first.
func (r *PriorityResult) Markdown() string {
	o := r.Options
	var b strings.Builder
	var mix []string
	for _, s := range o.Mix {
		mix = append(mix, fmt.Sprintf("%s %.0f %%", s.Priority, 100*s.Weight))
	}
	fmt.Fprintf(&b, "Queueing server: %d workers of %v (%.0f req/s); calls offered at %.0f/s (Poisson, %.2g× capacity: %s), %v deadline, one attempt; a call over rebound's limit waits at most %v (failsafe-go's priority limiter queues calls until their deadline, as it must to shed by priority); %v of warm-up, then %v measured. Goodput is the measured stretch's OK calls per second ÷ capacity.\n\n",
		o.Workers, o.Service, o.capacity(), o.Load*o.capacity(), o.Load, strings.Join(mix, ", "),
		o.Deadline, o.MaxWait, o.Warmup, o.Duration)
	b.WriteString("| client | priority | calls | success | refused (not sent) | failed (deadline, error) | p50 | p99 |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|\n")
	for _, row := range r.Rows {
		for i := len(row.By) - 1; i >= 0; i-- {
			s := row.By[i]
			if s.Calls == 0 {
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %.1f %% | %.1f %% | %.1f %% | %s | %s |\n", row.Client, limit.Priority(i-1),
				s.Calls, 100*share(s.OK, s.Calls), 100*share(s.Refused, s.Calls), 100*share(s.Failed, s.Calls),
				harness.Dur(s.P50), harness.Dur(s.P99))
		}
		a := row.All
		fmt.Fprintf(&b, "| %s | all (goodput %.1f %%) | %d | %.1f %% | %.1f %% | %.1f %% | %s | %s |\n", row.Client,
			100*float64(a.OK)/o.Duration.Seconds()/o.capacity(), a.Calls, 100*share(a.OK, a.Calls),
			100*share(a.Refused, a.Calls), 100*share(a.Failed, a.Calls), harness.Dur(a.P50), harness.Dur(a.P99))
	}
	return b.String()
}
