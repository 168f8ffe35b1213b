package otel

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/limit"
	"github.com/rebound-go/rebound/ratelimit"
	"github.com/rebound-go/rebound/throttle"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// This file turns what an Event says into the small, fixed sets of values
// that attributes may take, so every metric's attribute sets stay bounded
// whatever the traffic.

// Values of rebound.outcome, how a sent attempt ended.
const (
	outcomeOK          = "ok"           // a status below 400
	outcomeClientError = "client_error" // 4xx but 429
	outcomeRateLimited = "rate_limited" // 429
	outcomeServerError = "server_error" // 5xx
	outcomeTimeout     = "timeout"      // a deadline or an i/o timeout
	outcomeCanceled    = "canceled"     // the caller's context was cancelled
	outcomeHedgeLost   = "hedge_lost"   // abandoned: another copy answered first
	outcomeError       = "error"        // any other error
)

// attemptOutcome classifies a sent attempt. ctx is the caller's context,
// as an Event carries it: a copy cancelled while the caller still waits
// was abandoned by rebound's hedging, not by the caller.
func attemptOutcome(ctx context.Context, status int, err error) string {
	if err == nil {
		switch {
		case status >= 500:
			return outcomeServerError
		case status == http.StatusTooManyRequests:
			return outcomeRateLimited
		case status >= 400:
			return outcomeClientError
		}
		return outcomeOK
	}
	switch {
	case hedgeLost(ctx, err):
		return outcomeHedgeLost
	case isTimeout(err):
		return outcomeTimeout
	case errors.Is(err, context.Canceled):
		return outcomeCanceled
	}
	return outcomeError
}

// hedgeLost reports an attempt abandoned because another copy of its try
// answered first: net/http returns the context's cause (ErrHedgeLost);
// a RoundTripper that returns context.Canceled instead is recognised by
// the caller's context being still alive.
func hedgeLost(ctx context.Context, err error) bool {
	if errors.Is(err, rebound.ErrHedgeLost) {
		return true
	}
	return errors.Is(err, context.Canceled) && ctx.Err() == nil
}

// isTimeout reports an error that means "out of time": a deadline, or an
// error whose Timeout method says so (net.Error).
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// reasonName names why a call gave up, or why an attempt was refused:
// the value of rebound.reason.
func reasonName(err error) string {
	switch {
	case err == nil:
		return "not_retryable"
	case errors.Is(err, rebound.ErrAttemptsExhausted):
		return "attempts_exhausted"
	case errors.Is(err, rebound.ErrWaitPastDeadline):
		return "wait_past_deadline"
	case errors.Is(err, rebound.ErrRetryAfterTooLong):
		return "retry_after_too_long"
	case errors.Is(err, rebound.ErrBodyNotReplayable):
		return "body_not_replayable"
	case errors.Is(err, breaker.ErrCircuitOpen):
		return "circuit_open"
	case errors.Is(err, budget.ErrExhausted):
		return "budget_exhausted"
	case errors.Is(err, throttle.ErrThrottled):
		return "throttled"
	case errors.Is(err, bulkhead.ErrFull):
		return "bulkhead_full"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline_exceeded"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "other"
}

// guardName names the guard that refused an attempt: the value of
// rebound.guard. Pacing is the only guard that refuses with
// ErrWaitPastDeadline; a context that ended during admission is "context".
func guardName(reason error) string {
	switch {
	case errors.Is(reason, breaker.ErrCircuitOpen):
		return "breaker"
	case errors.Is(reason, throttle.ErrThrottled):
		return "throttle"
	case errors.Is(reason, bulkhead.ErrFull):
		return "bulkhead"
	case errors.Is(reason, budget.ErrExhausted):
		return "budget"
	case errors.Is(reason, limit.ErrLimited):
		return "adaptive_limit"
	case errors.Is(reason, ratelimit.ErrLimited):
		return "learnt_rate"
	case errors.Is(reason, rebound.ErrWaitPastDeadline):
		return "pacing"
	case errors.Is(reason, context.Canceled), errors.Is(reason, context.DeadlineExceeded):
		return "context"
	}
	return "other"
}

// waitSource bounds Event.Source to the values rebound documents.
func waitSource(s string) string {
	switch s {
	case "backoff", "retry-after", "retrier", "pacing", "breaker":
		return s
	}
	return "other"
}

// breakerStateName names a breaker state in the snake case of attribute
// values: closed, half_open, open.
func breakerStateName(s breaker.State) string {
	switch s {
	case breaker.Closed:
		return "closed"
	case breaker.HalfOpen:
		return "half_open"
	case breaker.Open:
		return "open"
	}
	return "other"
}

// requestMethod is http.request.method as the HTTP semantic conventions
// define it: one of the methods of RFC 9110 and PATCH (RFC 5789), or
// _OTHER; an empty method is GET, as in net/http.
func requestMethod(m string) string {
	switch m {
	case "":
		return http.MethodGet
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "_OTHER"
}

// serverPort is server.port: the URL's port, or the scheme's default.
// 0 means unknown.
func serverPort(u *url.URL) int {
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 65535 {
			return 0
		}
		return n
	}
	switch u.Scheme {
	case "http":
		return 80
	case "https":
		return 443
	}
	return 0
}

// errorType is error.type for http.client.request.duration: the status
// code when it says the request failed (4xx and 5xx, as for a CLIENT
// span's status), "timeout" and "canceled" for the context's ends and
// i/o timeouts, and otherwise the error's type as otelhttp names it
// (semconv.ErrorType), so spans and metrics agree. "" means no error.
func errorType(status int, err error) string {
	switch {
	case err == nil && status >= 400:
		return strconv.Itoa(status)
	case err == nil:
		return ""
	case isTimeout(err):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return semconv.ErrorType(err).Value.AsString()
}
