package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
	"github.com/rebound-go/rebound/internal/httpidem"
)

// explainer puts into words why a call stopped where it did, naming the
// flags that set each limit.
type explainer struct {
	policy  *rebound.Policy
	timeout time.Duration // -timeout
}

// why says why the call ended without a good result: why retries stopped
// early (s.reason), or why the last failure was not retried. ctxErr is
// the call's context's error; resp the response the call returned, if
// any. It is "" for a success.
func (x explainer) why(ctxErr error, req *http.Request, resp *http.Response, s callSummary) string {
	if s.gaveUp && s.reason != nil {
		return x.stopReason(s.reason, resp)
	}
	last := s.last
	if last.err == nil && (last.status == 0 || last.status < 400) {
		return ""
	}
	switch {
	case ctxErr != nil:
		return x.stopReason(ctxErr, resp)
	case x.retriedIfIdempotent(req, last) && last.err != nil:
		return fmt.Sprintf("not retried: the %s may have reached the server, and is not idempotent; add -idempotent", req.Method)
	case x.retriedIfIdempotent(req, last):
		return fmt.Sprintf("not retried: %s %d: not idempotent; add -idempotent", req.Method, last.status)
	case last.err != nil:
		return "not retried: the error is not transient"
	case last.status == http.StatusNotImplemented || last.status == http.StatusHTTPVersionNotSupported:
		return fmt.Sprintf("not retried: a %d will not change", last.status)
	case last.status < 500:
		return fmt.Sprintf("not retried: a %d is the request's fault, not the server's", last.status)
	}
	return "not retried"
}

// stopReason words a give-up's reason.
func (x explainer) stopReason(reason error, resp *http.Response) string {
	switch {
	case errors.Is(reason, rebound.ErrAttemptsExhausted):
		return "no attempts left"
	case errors.Is(reason, rebound.ErrWaitPastDeadline):
		return "the next wait would pass the -timeout deadline"
	case errors.Is(reason, rebound.ErrRetryAfterTooLong):
		limit := x.policy.MaxRetryAfter
		if limit == 0 {
			limit = 30 * time.Second
		}
		asked := "longer"
		if resp != nil {
			// The policy's wait with no backoff and no cap is the
			// server's own.
			p := rebound.Policy{Backoff: backoff.Constant{}, MaxRetryAfter: math.MaxInt64}
			if d, err := p.Delay(rebound.Outcome{Attempt: 1, Response: resp}); err == nil && d > 0 {
				asked = roundDuration(d).String()
			}
		}
		return fmt.Sprintf("the server asked to wait %s, over -max-retry-after %s", asked, limit)
	case errors.Is(reason, rebound.ErrBodyNotReplayable):
		return "the request body could not be sent again"
	case errors.Is(reason, context.DeadlineExceeded):
		if x.timeout > 0 {
			return fmt.Sprintf("-timeout %s passed", x.timeout)
		}
		return "the deadline passed"
	case errors.Is(reason, context.Canceled):
		return "interrupted"
	}
	return reason.Error()
}

// retriedIfIdempotent reports whether the policy would have retried the
// last outcome had req carried an Idempotency-Key (or -idempotent).
func (x explainer) retriedIfIdempotent(req *http.Request, last attemptOutcome) bool {
	if req == nil || httpidem.Idempotent(req) {
		return false
	}
	ctx := context.Background()
	r := req.Clone(ctx)
	r.Header.Set("Idempotency-Key", "hypothetical")
	o := rebound.Outcome{Attempt: 1, Request: r, Err: last.err}
	if last.err == nil {
		o.Response = &http.Response{StatusCode: last.status, Header: http.Header{}, Request: r}
	}
	return x.policy.ShouldRetry(ctx, o)
}

// causeOf is the error to show for a failed call: the last attempt's,
// out of the *RetryError and *url.Error around it (a url.Error's text
// repeats the URL, query values and all).
func causeOf(err error) error {
	var re *rebound.RetryError
	if errors.As(err, &re) {
		if re.Err != nil {
			return re.Err
		}
		return re.Reason
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// plural reads like "1 attempt" or "3 attempts".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
