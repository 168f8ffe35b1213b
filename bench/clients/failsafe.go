package clients

import (
	"net/http"

	"github.com/failsafe-go/failsafe-go/budget"
	"github.com/failsafe-go/failsafe-go/failsafehttp"
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
