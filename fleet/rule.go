package fleet

import (
	"time"

	"github.com/rebound-go/rebound/breaker"
)

// The breaker's documented defaults, which a zero breaker.Settings means,
// and the fleet's buckets for a breaker that counts calls.
const (
	defaultBuckets     = 10
	defaultWindowSize  = 100
	countWindow        = 5 * time.Second // for a count window: 50 buckets of 100 ms
	countBuckets       = 50
	defaultMinCalls    = 100
	defaultFailureRate = 0.5
	defaultOpenTimeout = 5 * time.Second
)

// newRule returns the fleet-wide rule for breakers made with s, and lease
// as the probe lease: the same failure rate, minimum number of calls and
// open period (s.OpenTimeout). A breaker that counts the last WindowSize
// calls (s.WindowDuration zero) gives a rule over the fleet's last
// WindowSize calls, counted in 100 ms buckets over at most 5 s; one over
// s.WindowDuration gives a rule over the same span in s.WindowBuckets
// buckets. With only s.ConsecutiveFailures set, the fleet trips when that
// many of its last calls all failed. The zero fields of s mean its
// documented defaults.
func newRule(s breaker.Settings, lease time.Duration) Rule {
	r := Rule{Window: s.WindowDuration, Buckets: s.WindowBuckets, MinimumCalls: s.MinimumCalls,
		FailureRate: s.FailureRate, OpenTimeout: s.OpenTimeout, Lease: lease}
	if r.Window <= 0 {
		r.Window, r.Buckets, r.Calls = countWindow, countBuckets, s.WindowSize
		if r.Calls <= 0 {
			r.Calls = defaultWindowSize
		}
	}
	if r.Buckets <= 0 {
		r.Buckets = defaultBuckets
	}
	if r.FailureRate <= 0 {
		r.FailureRate = defaultFailureRate
		if s.ConsecutiveFailures > 0 {
			r.FailureRate, r.MinimumCalls = 1, s.ConsecutiveFailures
			if s.WindowDuration <= 0 {
				r.Calls = s.ConsecutiveFailures
			}
		}
	}
	if r.MinimumCalls <= 0 {
		r.MinimumCalls = defaultMinCalls
		if r.Calls > 0 && r.Calls < r.MinimumCalls {
			r.MinimumCalls = r.Calls
		}
	}
	if r.OpenTimeout <= 0 {
		r.OpenTimeout = defaultOpenTimeout
	}
	return r
}
