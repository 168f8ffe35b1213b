package limits

import (
	"fmt"
	"strings"
	"time"

	"github.com/rebound-go/rebound/bench/harness"
)

// QueueOptions scale RunQueue.
type QueueOptions struct {
	Workers  int           // the server's workers in the first half; the second half has half as many
	Service  time.Duration // the server's service time per request
	Half     time.Duration // the length of each half
	Settle   time.Duration // the start of each half left out of the "settled" column; at most half a half
	Load     float64       // offered rate, as a multiple of the first half's capacity
	Deadline time.Duration // each call's deadline
	MaxWait  time.Duration // the longest a call over a limit or bulkhead waits for a slot
	Seed     uint64        // the arrivals
}

// DefaultQueueOptions are those of the published table: 16 workers of
// 20 ms (800 requests a second, then 400), halves of 10 s, calls offered at
// 1.25 × the first half's capacity (1000 a second: 1.25 × capacity, then
// 2.5 ×), 1 s deadline, calls over a limit refused after 1 ms; the settled
// columns leave out the first second of each half.
func DefaultQueueOptions() QueueOptions {
	return QueueOptions{Workers: 16, Service: 20 * time.Millisecond, Half: 10 * time.Second, Settle: time.Second,
		Load: 1.25, Deadline: time.Second, MaxWait: time.Millisecond, Seed: 1}
}

// QueueContenders are the clients of RunQueue: rebound's adaptive limit,
// failsafe-go's adaptive limiter, rebound's bulkhead sized for the first
// half, and plain net/http. A call over a limit waits at most o.MaxWait for
// a slot.
func QueueContenders(o QueueOptions) []Contender {
	return []Contender{ReboundLimit(o.MaxWait), FailsafeLimit(o.MaxWait), ReboundBulkhead(o.Workers, o.MaxWait), NetHTTP()}
}

// QueueResult is one RunQueue.
type QueueResult struct {
	Options  QueueOptions
	Unloaded Stats // plain net/http at a quarter of the second half's capacity
	Rows     []QueueRow
}

// QueueRow is one client's halves: the calls that started in each, those
// that started once the half had run for QueueOptions.Settle (how the
// client does once it has adapted), and the calls that ended OK within
// each half, whenever they started (its goodput).
type QueueRow struct {
	Client  string
	Halves  [2]Stats
	Settled [2]Stats
	Done    [2]int
}

// capacity returns the server's requests per second in half h.
func (o QueueOptions) capacity(h int) float64 {
	return float64(o.workers(h)) / o.Service.Seconds()
}

func (o QueueOptions) workers(h int) int { return max(1, o.Workers>>h) }

// Goodput returns the calls that ended OK within half h, per second, as a
// share of the server's capacity in that half.
func (r *QueueResult) Goodput(row QueueRow, h int) float64 {
	return float64(row.Done[h]) / r.Options.Half.Seconds() / r.Options.capacity(h)
}

// RunQueue measures the unloaded latency with plain net/http, then runs
// each contender in turn through the same arrivals: calls offered at
// Load × the first half's capacity for two halves, the server's workers
// halved at the second.
func RunQueue(o QueueOptions, cs []Contender) (*QueueResult, error) {
	res := &QueueResult{Options: o}
	calm := load{Service: o.Service, Deadline: o.Deadline, Seed: o.Seed,
		Phases: []phase{{Duration: min(o.Half, 3*time.Second), Rate: o.capacity(1) / 4, Workers: o.Workers}}}
	calls, err := runOpen(calm, NetHTTP())
	if err != nil {
		return nil, err
	}
	res.Unloaded = summarize(calls, func(call) bool { return true })

	rate := o.Load * o.capacity(0)
	l := load{Service: o.Service, Deadline: o.Deadline, Seed: o.Seed, Phases: []phase{
		{Duration: o.Half, Rate: rate, Workers: o.workers(0)},
		{Duration: o.Half, Rate: rate, Workers: o.workers(1)},
	}}
	for _, c := range cs {
		calls, err := runOpen(l, c)
		if err != nil {
			return nil, err
		}
		row := QueueRow{Client: c.Name}
		settle := min(o.Settle, o.Half/2)
		for h := range row.Halves {
			row.Halves[h] = summarize(calls, func(c call) bool { return c.Phase == h })
			from := time.Duration(h)*o.Half + settle
			row.Settled[h] = summarize(calls, func(c call) bool { return c.Phase == h && c.Start >= from })
		}
		for _, c := range calls {
			if h := int((c.Start + c.Latency) / o.Half); c.End == endOK && h < len(row.Done) {
				row.Done[h]++
			}
		}
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

// Markdown renders the result: a line on the set-up, the unloaded latency,
// and one row per client and half.
func (r *QueueResult) Markdown() string {
	o := r.Options
	var b strings.Builder
	fmt.Fprintf(&b, "Queueing server: %d workers of %v (%.0f req/s), %d from the second half (%.0f req/s); halves of %v; calls offered at %.0f/s (Poisson, %g× the first half's capacity), %v deadline, one attempt; a call over a limit waits at most %v. Unloaded (net/http at %.0f req/s): p50 %s, p99 %s.\n\n",
		o.workers(0), o.Service, o.capacity(0), o.workers(1), o.capacity(1), o.Half, o.Load*o.capacity(0), o.Load,
		o.Deadline, o.MaxWait, o.capacity(1)/4, harness.Dur(r.Unloaded.P50), harness.Dur(r.Unloaded.P99))
	fmt.Fprintf(&b, "| client | half | capacity | calls | p50 | p99 | p99 ÷ unloaded p99 | goodput (200s within the half) ÷ capacity | refused (not sent) | failed (deadline, error) | settled (from %v into the half): p99 ÷ unloaded p99 |\n", min(o.Settle, o.Half/2))
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, row := range r.Rows {
		for h, s := range row.Halves {
			fmt.Fprintf(&b, "| %s | %d | %.0f/s | %d | %s | %s | %s | %.1f %% | %.1f %% | %.1f %% | %s |\n",
				row.Client, h+1, o.capacity(h), s.Calls, dur(s.P50), dur(s.P99),
				r.ratio(s.P99), 100*r.Goodput(row, h),
				100*share(s.Refused, s.Calls), 100*share(s.Failed, s.Calls), r.ratio(row.Settled[h].P99))
		}
	}
	return b.String()
}

// ratio prints p99 ÷ the unloaded p99, "–" when no call ended OK.
func (r *QueueResult) ratio(p99 time.Duration) string {
	if p99 == 0 || r.Unloaded.P99 == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", float64(p99)/float64(r.Unloaded.P99))
}
