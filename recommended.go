package rebound

import (
	"time"

	"github.com/rebound-go/rebound/backoff"
	"github.com/rebound-go/rebound/breaker"
)

// The settings of Recommended; its documentation quotes them, and its
// test holds the two together.
const (
	recommendedAttempts    = 4
	recommendedBackoff     = 300 * time.Millisecond
	recommendedOpenTimeout = time.Second
	recommendedMaxWaiting  = 1000
	recommendedRampUp      = 7 * time.Second
	recommendedMaxWait     = 9 * time.Second
)

// Recommended returns the guard setting rebound recommends for calls to
// a host you do not control, as one value:
//
//	rt, err := rebound.NewTransport(nil, rebound.Recommended())
//
// It is what `rebound lab` measures as "rebound+guards". Each call returns
// a new Config, which the caller may change before use (NewTransport
// copies it). Every choice, and why:
//
// Policy: 4 attempts in all, the first included, waiting 300 ms doubling
// to 5 s with equal jitter (150–300 ms, then 300–600 ms, then
// 600 ms–1.2 s), and honouring Retry-After up to 30 s. Four attempts turn
// a host that fails 15 % of requests at random into one that fails 0.05 %
// of calls. Spread over about 1.6 s (2.1 s at most) rather than the 0.3 s
// of attempts 100 ms apart, they also outlast a blip of a second or so,
// and the jitter keeps callers that failed together from retrying
// together (Marc Brooker, "Exponential Backoff And Jitter", AWS
// Architecture Blog, 2015).
//
// Budget: AdaptiveBudget. Retries may take between 10 % and 50 % of the
// calls to a host, following how often they succeed: random failures are
// retried to success, while a host that is down gets at most 1.1 requests
// a call instead of 4 (the per-client retry budget of the Google SRE
// book, ch. 22, "Addressing Cascading Failures", with a share that
// adapts).
//
// Breaker: one per host, with the breaker package's trip rule, which a
// flaky but healthy host does not trip (half of the last 100 calls
// failed, at least 100 of them), and 20 probes judged by the same rule in
// half-open. It probes 1 s after it opens, and every second after that
// while the host is still down (MaxOpenTimeout = OpenTimeout: the period
// does not grow), so a short outage is noticed within a second of its end,
// at a cost of 20 requests a second to a host that is down.
//
// Ride-out (breaker.Settings.MaxWaiting, MaxWait, RampUp): a call that
// meets the open breaker waits for the host to come back instead of
// failing at once, and is not sent in the meantime. Up to 1000 calls per
// host wait, each at most 9 s and never past its context's deadline (a
// call whose deadline ends before the open period does is refused at
// once, with breaker.ErrCircuitOpen). Once the probes close the breaker,
// the calls still waiting are released evenly over 7 s, in the order
// they came, while new calls pass at once: after an outage of D seconds,
// a host that gets R calls a second sees at most R·D/7 more while the
// backlog drains, so a 2 s outage adds under 30 % to its load rather than
// sending it two seconds' worth of calls at once. MaxWait covers the
// ramp and the open periods before it. 1000 waiting calls cover a 2 s
// outage at up to about 400 calls a second to one host; for busier hosts or
// longer outages raise MaxWaiting, RampUp and MaxWait together, or set
// MaxWaiting to zero to fail fast instead. In an outage longer than
// MaxWait, calls wait MaxWait and then fail with breaker.ErrCircuitOpen.
// Each wait is an EventWait with Source "breaker".
//
// Not included, because they depend on your traffic: an attempt timeout
// (AttemptTimeout, a little above the host's p99.9 latency), hedging
// (Hedge spends requests to save latency), a bulkhead and a rate limit.
//
// Measured by `rebound lab` (2000 calls at 200 a second, 15 % of
// attempts failing and a 2 s outage), this setting lets every call but
// about one in a thousand succeed, costs the host about 1.2 requests a
// call, holds its load during the outage to about a sixth of normal, and
// keeps its busiest second afterwards under 1.5 times its steady load.
func Recommended() Config {
	return Config{
		Policy: Policy{
			Attempts: recommendedAttempts,
			Backoff: backoff.Exponential{
				Initial: recommendedBackoff,
				Max:     5 * time.Second,
				Jitter:  backoff.Equal,
			},
		},
		Budget: AdaptiveBudget,
		Breaker: &breaker.Settings{
			OpenTimeout:    recommendedOpenTimeout,
			MaxOpenTimeout: recommendedOpenTimeout,
			MaxWaiting:     recommendedMaxWaiting,
			MaxWait:        recommendedMaxWait,
			RampUp:         recommendedRampUp,
		},
	}
}
