package lab

import (
	"context"
	"net/http"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/hedge"
)

// Rebound is a rebound Transport configured by cfg. Each run gets a new
// Transport, so budgets and breakers start afresh.
func Rebound(name string, cfg rebound.Config) Client {
	return Client{Name: name, New: func(tr http.RoundTripper) (Caller, error) {
		rt, err := rebound.NewTransport(attemptNumbers{tr}, cfg)
		if err != nil {
			return nil, err
		}
		hc := &http.Client{Transport: rt}
		return func(ctx context.Context, url string, id int) (int, error) {
			req, err := newRequest(withAttemptCounter(ctx), url, id)
			if err != nil {
				return 0, err
			}
			return finish(hc.Do(req))
		}, nil
	}}
}

// GuardBreaker is the breaker of the guarded client: it opens when half
// of the last 50 attempts (at least 20) failed, and probes again after
// 250 ms, short enough not to outlast an outage by much.
func GuardBreaker() *breaker.Settings {
	return &breaker.Settings{
		FailureRate:    0.5,
		WindowSize:     50,
		MinimumCalls:   20,
		OpenTimeout:    250 * time.Millisecond,
		MaxOpenTimeout: 250 * time.Millisecond,
	}
}

// Guarded is p with every overload guard rebound has that a lab of one
// host can show: the adaptive retry budget, a breaker per host, a bound
// on each attempt (none when attemptTimeout is zero) and hedging at the
// host's p95 latency, which the budget pays for.
func Guarded(p rebound.Policy, attemptTimeout time.Duration) rebound.Config {
	return rebound.Config{
		Policy:         p,
		Budget:         rebound.AdaptiveBudget,
		Breaker:        GuardBreaker(),
		AttemptTimeout: attemptTimeout,
		Hedge:          &hedge.Settings{Percentile: 0.95, MinDelay: 5 * time.Millisecond, MaxDelay: 100 * time.Millisecond},
	}
}

// Clients are the lab's standard clients, in the order of the table:
// plain net/http, a hand-written loop (3 retries, 100 ms apart), rebound
// with policy p, and rebound with p and every guard.
func Clients(p rebound.Policy, attemptTimeout time.Duration) []Client {
	return []Client{
		Plain(),
		Naive(3, 100*time.Millisecond),
		Rebound("rebound", rebound.Config{Policy: p}),
		Rebound("rebound+guards", Guarded(p, attemptTimeout)),
	}
}
