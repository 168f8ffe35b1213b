package lab

import (
	"context"
	"net/http"
	"time"

	"github.com/rebound-go/rebound"
)

// Rebound is a rebound Transport configured by cfg; note says what it
// does, for the footnotes. Each run gets a new Transport, so budgets and
// breakers start afresh, and what its breakers do goes to the run's
// Recorder.
func Rebound(name, note string, cfg rebound.Config) Client {
	return Client{Name: name, Note: note, New: func(tr http.RoundTripper, rec *Recorder) (Caller, error) {
		c := cfg
		if rec != nil {
			c.OnEvent = rec.hook(cfg.OnEvent)
		}
		rt, err := rebound.NewTransport(attemptNumbers{tr}, c)
		if err != nil {
			return nil, err
		}
		if rec != nil && cfg.Breaker != nil {
			rec.watchBreakers(func() []string {
				var hosts []string
				for _, h := range rt.Hosts() {
					hosts = append(hosts, h.Key)
				}
				return hosts
			})
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

// DefaultPolicy is the policy of the lab's rebound clients:
// rebound.Recommended's.
func DefaultPolicy() rebound.Policy { return rebound.Recommended().Policy }

// Guarded is rebound.Recommended with policy p and, when attemptTimeout
// is positive, that bound on each attempt: the configuration of
// "rebound+guards".
func Guarded(p rebound.Policy, attemptTimeout time.Duration) rebound.Config {
	cfg := rebound.Recommended()
	cfg.Policy = p
	cfg.AttemptTimeout = attemptTimeout
	return cfg
}

// Clients are the lab's standard clients, in the order of the table:
// plain net/http, a hand-written loop making as many attempts as p, 100 ms
// apart, rebound with policy p, and Guarded(p, attemptTimeout).
func Clients(p rebound.Policy, attemptTimeout time.Duration) []Client {
	guards := Guarded(p, attemptTimeout)
	return []Client{
		Plain(),
		Naive(p.MaxAttempts(), 100*time.Millisecond),
		Rebound("rebound", "rebound.Transport: "+DescribePolicy(p), rebound.Config{Policy: p}),
		Rebound("rebound+guards", DescribeGuards(guards), guards),
	}
}
