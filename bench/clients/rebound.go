package clients

import (
	"net/http"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
)

// ReboundVariant is one rebound configuration under test.
type ReboundVariant struct {
	Name string
	// New returns the RoundTripper to measure, sending through next. It is
	// called once per client instance, so a variant that keeps state (a
	// budget, a breaker set) gets fresh state for every workload.
	New func(next http.RoundTripper, s Settings) (http.RoundTripper, error)
}

// ReboundPolicy is rebound's policy for the common settings: attempts, and
// exponential backoff with equal jitter ([d/2, d)). Everything else is
// rebound's default (Retry-After up to 30 s, idempotency rule, drain cap…).
func ReboundPolicy(s Settings) rebound.Policy {
	return rebound.Policy{
		Attempts: s.Attempts,
		Backoff:  backoff.Exponential{Initial: s.Initial, Max: s.Max, Jitter: backoff.Equal},
	}
}

// ReboundVariants lists the rebound configurations every workload measures.
//
// EXTENSION POINT: rebound's guards (the retry budget in package budget, the
// per-host breaker in package breaker, hedging) are being built in
// parallel. When one can be configured on a Transport, add a variant here,
// e.g.
//
//	{Name: "rebound+budget", New: func(next http.RoundTripper, s Settings) (http.RoundTripper, error) {
//		cfg := rebound.Config{Policy: ReboundPolicy(s)}
//		// cfg.Budget = budget.NewAdaptive(...)   (fresh per call of New)
//		return rebound.NewTransport(next, cfg)
//	}},
//
// and it shows up in every table and in the happy-path benchmark with no
// other change. Name variants "rebound" or "rebound+…" (no "/").
var ReboundVariants = []ReboundVariant{
	{Name: "rebound", New: func(next http.RoundTripper, s Settings) (http.RoundTripper, error) {
		return rebound.NewTransport(next, rebound.Config{Policy: ReboundPolicy(s)})
	}},
}

func (v ReboundVariant) constructor() func(http.RoundTripper, Settings) (Client, error) {
	return func(next http.RoundTripper, s Settings) (Client, error) {
		rt, err := v.New(next, s)
		if err != nil {
			return nil, err
		}
		return &stdClient{name: v.Name, c: &http.Client{Transport: rt}}, nil
	}
}
