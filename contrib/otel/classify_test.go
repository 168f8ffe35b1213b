package otel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"testing"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/throttle"
)

func TestAttemptOutcome(t *testing.T) {
	alive := context.Background()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	timeout := &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}
	for _, tc := range []struct {
		ctx    context.Context
		status int
		err    error
		want   string
	}{
		{alive, 200, nil, "ok"},
		{alive, 304, nil, "ok"},
		{alive, 404, nil, "client_error"},
		{alive, 429, nil, "rate_limited"},
		{alive, 503, nil, "server_error"},
		{alive, 0, rebound.ErrHedgeLost, "hedge_lost"},
		{alive, 0, fmt.Errorf("read: %w", rebound.ErrHedgeLost), "hedge_lost"},
		{alive, 0, context.Canceled, "hedge_lost"}, // the caller still waits: rebound let go
		{done, 0, context.Canceled, "canceled"},
		{alive, 0, context.DeadlineExceeded, "timeout"},
		{alive, 0, timeout, "timeout"},
		{alive, 0, errors.New("connection reset"), "error"},
	} {
		if got := attemptOutcome(tc.ctx, tc.status, tc.err); got != tc.want {
			t.Errorf("attemptOutcome(%d, %v) = %q, want %q", tc.status, tc.err, got, tc.want)
		}
	}
}

func TestReasonAndGuard(t *testing.T) {
	for _, tc := range []struct {
		err           error
		reason, guard string
	}{
		{nil, "not_retryable", "other"},
		{rebound.ErrAttemptsExhausted, "attempts_exhausted", "other"},
		{rebound.ErrWaitPastDeadline, "wait_past_deadline", "pacing"},
		{rebound.ErrRetryAfterTooLong, "retry_after_too_long", "other"},
		{rebound.ErrBodyNotReplayable, "body_not_replayable", "other"},
		{fmt.Errorf("host a: %w", breaker.ErrCircuitOpen), "circuit_open", "breaker"},
		{budget.ErrExhausted, "budget_exhausted", "budget"},
		{throttle.ErrThrottled, "throttled", "throttle"},
		{bulkhead.ErrFull, "bulkhead_full", "bulkhead"},
		{context.DeadlineExceeded, "deadline_exceeded", "context"},
		{context.Canceled, "canceled", "context"},
		{errors.New("mystery"), "other", "other"},
	} {
		if got := reasonName(tc.err); got != tc.reason {
			t.Errorf("reasonName(%v) = %q, want %q", tc.err, got, tc.reason)
		}
		if tc.err == nil {
			continue
		}
		if got := guardName(tc.err); got != tc.guard {
			t.Errorf("guardName(%v) = %q, want %q", tc.err, got, tc.guard)
		}
	}
}

func TestEnums(t *testing.T) {
	for in, want := range map[string]string{
		"backoff": "backoff", "retry-after": "retry-after", "retrier": "retrier", "pacing": "pacing",
		"": "other", "https://x/?q=1": "other",
	} {
		if got := waitSource(in); got != want {
			t.Errorf("waitSource(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[breaker.State]string{
		breaker.Closed: "closed", breaker.HalfOpen: "half_open", breaker.Open: "open", 42: "other",
	} {
		if got := breakerStateName(in); got != want {
			t.Errorf("breakerStateName(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"": "GET", "GET": "GET", "PATCH": "PATCH", "CONNECT": "CONNECT", "get": "_OTHER", "PROPFIND": "_OTHER",
	} {
		if got := requestMethod(in); got != want {
			t.Errorf("requestMethod(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestServerPort(t *testing.T) {
	for in, want := range map[string]int{
		"http://a": 80, "https://a": 443, "http://a:8080": 8080, "https://[::1]:9443/x": 9443, "ftp://a": 0,
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := serverPort(u); got != want {
			t.Errorf("serverPort(%s) = %d, want %d", in, got, want)
		}
	}
	if got := serverPort(&url.URL{Scheme: "http", Host: "a:99999"}); got != 0 {
		t.Errorf("serverPort(a:99999) = %d, want 0", got)
	}
}

func TestErrorType(t *testing.T) {
	for _, tc := range []struct {
		status int
		err    error
		want   string
	}{
		{200, nil, ""},
		{302, nil, ""},
		{404, nil, "404"},
		{503, nil, "503"},
		{0, context.DeadlineExceeded, "timeout"},
		{0, context.Canceled, "canceled"},
		{0, &net.OpError{Op: "dial", Err: errors.New("refused")}, "*net.OpError"},
	} {
		if got := errorType(tc.status, tc.err); got != tc.want {
			t.Errorf("errorType(%d, %v) = %q, want %q", tc.status, tc.err, got, tc.want)
		}
	}
}
