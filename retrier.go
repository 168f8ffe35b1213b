package rebound

import (
	"context"
	"net/http"
	"time"
)

// Retrier decides, after each attempt, whether to try again and how long to
// wait first. [Policy] is rebound's Retrier; implement this interface for
// rules of your own. Implementations must be safe for
// concurrent use.
type Retrier interface {
	// MaxAttempts is the most attempts in total, the first included.
	// Any value below 1 means no limit.
	MaxAttempts() int
	// ShouldRetry reports whether the outcome is worth another attempt.
	ShouldRetry(ctx context.Context, o Outcome) bool
	// Delay is the wait before the next attempt. A non-nil error ends the
	// loop with that reason instead of waiting (see ErrRetryAfterTooLong).
	Delay(o Outcome) (time.Duration, error)
}

// Outcome is what one attempt produced, as a Retrier sees it.
type Outcome struct {
	// Attempt is the number of the attempt that ended, from 1.
	Attempt int
	// Request is the HTTP request, nil for an operation run by Do.
	Request *http.Request
	// Response is the attempt's response; nil when Err is set or outside HTTP.
	// A Retrier may read its header but must not read or close its body.
	Response *http.Response
	// Err is the attempt's error.
	Err error
	// PrevDelay is the wait before this attempt, 0 before the first.
	PrevDelay time.Duration
}

// NoRetry is a Retrier that never retries: one attempt, as if rebound were
// not there. Attach it to a request with WithRetrier to turn retries off
// for that request alone.
var NoRetry Retrier = noRetry{}

type noRetry struct{}

func (noRetry) MaxAttempts() int                          { return 1 }
func (noRetry) ShouldRetry(context.Context, Outcome) bool { return false }
func (noRetry) Delay(Outcome) (time.Duration, error)      { return 0, nil }
