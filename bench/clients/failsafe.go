package clients

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/adaptivelimiter"
	"github.com/failsafe-go/failsafe-go/budget"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/failsafehttp"
	"github.com/failsafe-go/failsafe-go/hedgepolicy"
	"github.com/failsafe-go/failsafe-go/retrypolicy"
)

// failsafe-go v0.9.8, failsafehttp.NewRoundTripper with a retry policy from
// failsafehttp.NewRetryPolicyBuilder (errors, 429, 5xx but 501; Retry-After
// on 429/503 when present, integer seconds only), WithMaxAttempts,
// WithBackoff(1 ms, 10 ms) (doubling), WithJitterFactor(0.25) (±25 %), and
// ReturnLastFailure so that exhaustion returns the last response, as rebound
// does, rather than an ExceededError (which would leave that response's
// body for nobody to close).
//
// failsafehttp reads every request body into memory up front (also a
// *bytes.Reader, whose GetBody http.NewRequest already set).
func newFailsafe(next http.RoundTripper, s Settings) (Client, error) {
	policy := failsafehttp.NewRetryPolicyBuilder().
		WithMaxAttempts(s.Attempts).
		WithBackoff(s.Initial, s.Max).
		WithJitterFactor(0.25).
		ReturnLastFailure().
		Build()
	rt := failsafehttp.NewRoundTripper(next, policy)
	return &stdClient{name: "failsafe-go", c: &http.Client{Transport: rt}}, nil
}

// newFailsafeBudget is failsafe-go as above plus its retry budget with the
// defaults of budget.New (retries at most 20 % of executions in flight, at
// least 3 at once), one budget per client. It is not one of the plain peers:
// it is the reference for rebound's own budget (see ReboundVariants). When
// the budget says no, failsafe returns budget.ErrExceeded, not the response.
func newFailsafeBudget(next http.RoundTripper, s Settings) (Client, error) {
	policy := failsafehttp.NewRetryPolicyBuilder().
		WithMaxAttempts(s.Attempts).
		WithBackoff(s.Initial, s.Max).
		WithJitterFactor(0.25).
		ReturnLastFailure().
		WithBudget(budget.New()).
		Build()
	rt := failsafehttp.NewRoundTripper(next, policy)
	return &stdClient{name: "failsafe-go+budget", c: &http.Client{Transport: rt}}, nil
}

// failsafeRetry is the retry policy of newFailsafe with budget b (nil for
// none), stopping at once when the circuit breaker is open, as rebound does.
func failsafeRetry(s Settings, b budget.Budget) retrypolicy.RetryPolicy[*http.Response] {
	rb := failsafehttp.NewRetryPolicyBuilder().
		WithMaxAttempts(s.Attempts).
		WithBackoff(s.Initial, s.Max).
		WithJitterFactor(0.25).
		ReturnLastFailure().
		AbortOnErrors(circuitbreaker.ErrOpen)
	if b != nil {
		rb = rb.WithBudget(b)
	}
	return rb.Build()
}

// failsafeClient is a failsafe RoundTripper with counters for Notes.
type failsafeClient struct {
	stdClient
	hedges, opens atomic.Int64
}

func (c *failsafeClient) Notes() string {
	var parts []string
	if n := c.hedges.Load(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d hedges sent", n))
	}
	if n := c.opens.Load(); n > 0 {
		parts = append(parts, fmt.Sprintf("breaker opened %d×", n))
	}
	return strings.Join(parts, "; ")
}

// newFailsafeGuards is failsafe-go+budget plus its circuit breaker, set as
// close to rebound+guards' as its API allows: open when 50 of the last 100
// executions failed (WithFailureThresholdRatio; rebound's rule, half of at
// least 50 calls, trips on the same 50 failures in an outage), for 1 s,
// one probe; failures are errors and 5xx (429 is not one, as in rebound).
// The breaker sits inside the retry policy (each attempt passes it) and
// the retry policy aborts on circuitbreaker.ErrOpen, as rebound does; with
// failsafehttp's default it would retry the refusals.
func newFailsafeGuards(next http.RoundTripper, s Settings) (Client, error) {
	c := &failsafeClient{stdClient: stdClient{name: "failsafe-go+guards"}}
	cb := circuitbreaker.NewBuilder[*http.Response]().
		HandleIf(func(r *http.Response, err error) bool {
			return err != nil || r != nil && r.StatusCode >= 500
		}).
		WithFailureThresholdRatio(50, 100).
		WithDelay(time.Second).
		OnOpen(func(circuitbreaker.StateChangedEvent) { c.opens.Add(1) }).
		Build()
	c.c = &http.Client{Transport: failsafehttp.NewRoundTripper(next, failsafeRetry(s, budget.New()), cb)}
	return c, nil
}

// newFailsafeHedge is failsafe-go+budget plus its hedge policy, set as
// close to rebound+hedge's as its API allows: one hedge after the p95 of
// recent execution times (NewBuilderWithDelayQuantile(0.95, 1000, 20): a
// memory of about 1000 executions, no hedging before 20 are known; rebound
// hedges after 100 ms then). failsafe has no bounds on the delay (rebound's
// are [2 ms, 100 ms]). The hedges spend the same budget as the retries, as
// in rebound. The hedge policy sits inside the retry policy: each try is
// hedged.
func newFailsafeHedge(next http.RoundTripper, s Settings) (Client, error) {
	c := &failsafeClient{stdClient: stdClient{name: "failsafe-go+hedge"}}
	b := budget.New()
	hp := hedgepolicy.NewBuilderWithDelayQuantile[*http.Response](0.95, 1000, 20).
		WithBudget(b).
		OnHedge(func(failsafe.ExecutionEvent[*http.Response]) { c.hedges.Add(1) }).
		Build()
	c.c = &http.Client{Transport: failsafehttp.NewRoundTripper(next, failsafeRetry(s, b), hp)}
	return c, nil
}

// newFailsafeLimit is failsafe-go as above plus its adaptive concurrency
// limiter at its defaults (adaptivelimiter.NewBuilder().Build(): limit 20
// in [1, 200], no queueing), the counterpart of rebound+limit. The limiter
// sits inside the retry policy (each attempt passes it), and the retry
// policy aborts on adaptivelimiter.ErrExceeded: a refusal by this very
// process's limit is not worth retrying at once.
func newFailsafeLimit(next http.RoundTripper, s Settings) (Client, error) {
	policy := failsafehttp.NewRetryPolicyBuilder().
		WithMaxAttempts(s.Attempts).
		WithBackoff(s.Initial, s.Max).
		WithJitterFactor(0.25).
		ReturnLastFailure().
		AbortOnErrors(adaptivelimiter.ErrExceeded).
		Build()
	l := adaptivelimiter.NewBuilder[*http.Response]().Build()
	return &stdClient{name: "failsafe-go+limit", c: &http.Client{Transport: failsafehttp.NewRoundTripper(next, policy, l)}}, nil
}
