package lab

import (
	"math"
	"time"
)

// The load figures below come from Result.Load, the fault server's own
// request counter read every 10 ms, and are measured against the first
// outage of the scenario. Each is NaN when it cannot be measured: no
// outage, an outage at the very start, or no time left after it.

// SteadyRate is the requests a second the server saw before the first
// outage; without an outage, over the whole run.
func (r *Result) SteadyRate() float64 {
	if len(r.Outages) == 0 {
		return rate(r.Load, 0, len(r.Load))
	}
	return rate(r.Load, 0, bucketAt(r.Outages[0].Start))
}

// OutageLoad is the server's request rate during the first outage, as a
// multiple of SteadyRate: what the client's retries did to a server that
// was down.
func (r *Result) OutageLoad() float64 {
	if len(r.Outages) == 0 {
		return math.NaN()
	}
	o := r.Outages[0]
	return rate(r.Load, bucketAt(o.Start), bucketAt(o.End)) / r.SteadyRate()
}

// AfterOutage is the server's busiest second after the first outage
// ended (any run of 1 s of buckets, to the end of the run), as a multiple
// of SteadyRate: how hard the client came back.
func (r *Result) AfterOutage() float64 {
	if len(r.Outages) == 0 {
		return math.NaN()
	}
	from := bucketAt(r.Outages[0].End)
	if from >= len(r.Load) {
		return math.NaN()
	}
	const per = int(time.Second / Bucket)
	peak := rate(r.Load, from, min(from+per, len(r.Load)))
	for b := from + 1; b+per <= len(r.Load); b++ {
		peak = max(peak, rate(r.Load, b, b+per))
	}
	return peak / r.SteadyRate()
}

// bucketAt is the bucket that starts at or after d.
func bucketAt(d time.Duration) int { return int((d + Bucket - 1) / Bucket) }

// rate is the requests a second in buckets [from, to) of load; NaN for
// an empty range.
func rate(load []int64, from, to int) float64 {
	to = min(to, len(load))
	if to <= from {
		return math.NaN()
	}
	var n int64
	for _, v := range load[from:to] {
		n += v
	}
	return float64(n) / (float64(to-from) * Bucket.Seconds())
}
