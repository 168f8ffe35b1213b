package rebound

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/breaker"
)

func TestRetryGeneric(t *testing.T) {
	errPerm := errors.New("bad input")
	tests := []struct {
		name      string
		results   []error // what op returns on each call; the last repeats
		policy    *Policy
		wantCalls int
		wantTook  time.Duration
		wantErr   string
		wantIs    []error
	}{
		{name: "success first time", results: []error{nil}, wantCalls: 1},
		{name: "success after two failures", results: []error{errAny, errAny, nil}, wantCalls: 3, wantTook: 200 * time.Millisecond},
		{name: "exhausted", results: []error{errAny}, wantCalls: 3, wantTook: 200 * time.Millisecond,
			wantErr: "max retry attempts (3) reached: some failure", wantIs: []error{errAny, ErrAttemptsExhausted}},
		{name: "permanent stops at once and unwraps", results: []error{Permanent(errPerm)}, wantCalls: 1, wantErr: "bad input", wantIs: []error{errPerm}},
		{name: "permanent after a retry", results: []error{errAny, Permanent(errPerm)}, wantCalls: 2, wantTook: 100 * time.Millisecond,
			wantErr: "rebound: attempt 2 failed: bad input", wantIs: []error{errPerm}},
		{name: "asked wait, the backoff on top", results: []error{RetryAfter(errAny, 3*time.Second), nil}, wantCalls: 2, wantTook: 3*time.Second + 100*time.Millisecond},
		{name: "asked wait over the cap", results: []error{RetryAfter(errAny, time.Hour), nil}, wantCalls: 1,
			wantErr: "asked 1h0m0s, cap 30s", wantIs: []error{ErrRetryAfterTooLong, errAny}},
		{name: "context error from op is not retried", results: []error{context.Canceled}, wantCalls: 1, wantIs: []error{context.Canceled}},
		{name: "five attempts", policy: &Policy{Attempts: 5, Backoff: tick}, results: []error{errAny}, wantCalls: 5, wantTook: 400 * time.Millisecond, wantIs: []error{ErrAttemptsExhausted}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := tt.policy
				if p == nil {
					p = &Policy{Backoff: tick}
				}
				calls := 0
				start := time.Now()
				err := Retry(context.Background(), p, func(ctx context.Context) error {
					calls++
					r := tt.results[min(calls, len(tt.results))-1]
					if errors.Is(r, context.Canceled) {
						return fmt.Errorf("op: %w", r)
					}
					return r
				})
				if calls != tt.wantCalls || time.Since(start) != tt.wantTook {
					t.Fatalf("calls %d after %v; want %d after %v", calls, time.Since(start), tt.wantCalls, tt.wantTook)
				}
				if tt.wantErr == "" && tt.wantIs == nil {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				for _, target := range tt.wantIs {
					if !errors.Is(err, target) {
						t.Fatalf("errors.Is(%v, %v) = false", err, target)
					}
				}
			})
		})
	}
}

func TestRetryValueAndContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A value is kept by the attempt that succeeds.
		calls, v := 0, 0
		err := Retry(context.Background(), &Policy{Backoff: tick}, func(context.Context) error {
			calls++
			if calls < 2 {
				return errAny
			}
			v = 42
			return nil
		})
		if v != 42 || err != nil {
			t.Fatalf("got %d, %v", v, err)
		}
		err = Retry(context.Background(), NoRetry, func(context.Context) error { return errAny })
		if !errors.Is(err, errAny) {
			t.Fatalf("got %v", err)
		}
		// nil Retrier: the context's, then the default.
		ctx := WithRetrier(context.Background(), &Policy{Attempts: 2, Backoff: tick})
		calls = 0
		Retry(ctx, nil, func(context.Context) error { calls++; return errAny })
		if calls != 2 {
			t.Fatalf("context retrier: %d calls", calls)
		}
		calls = 0
		Retry(context.Background(), nil, func(context.Context) error { calls++; return errAny })
		if calls != defaultAttempts {
			t.Fatalf("default: %d calls", calls)
		}
	})
}

func TestRetryCancelDuringWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		err := Retry(ctx, &Policy{Attempts: -1, Backoff: tick}, func(context.Context) error { return errAny })
		// attempts at 0, 100, …, 900 ms; the wait to 1000 ms would reach the deadline exactly, so it is made and cut.
		if time.Since(start) > time.Second || !errors.Is(err, errAny) {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
		var re *RetryError
		if !errors.As(err, &re) || re.Attempts < 9 {
			t.Fatalf("err %#v", err)
		}
	})
}

// The text of a *RetryError says how the call ended, for each shape.
func TestRetryErrorText(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		err  RetryError
		want string
	}{
		{RetryError{Attempts: 3, Err: boom, Reason: ErrAttemptsExhausted}, "max retry attempts (3) reached: boom"},
		{RetryError{Attempts: 2, Err: boom}, "rebound: attempt 2 failed: boom"},
		{RetryError{Attempts: 0, Reason: breaker.ErrCircuitOpen}, "breaker: circuit open: nothing sent"},
		{RetryError{Attempts: 2, Reason: breaker.ErrCircuitOpen}, "breaker: circuit open after 2 attempts"},
		{RetryError{Attempts: 2, Err: boom, Reason: context.DeadlineExceeded}, "context deadline exceeded after 2 attempts: boom"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.err, got, tt.want)
		}
	}
}
