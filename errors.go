package rebound

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Reasons a retry loop stops before the policy's attempts are used up, or
// because they are. They appear as [RetryError.Reason] and in
// [Event.Reason] (of an EventGiveUp), and are matched with errors.Is.
var (
	// ErrAttemptsExhausted: every attempt the policy allows was made.
	ErrAttemptsExhausted = errors.New("rebound: attempts exhausted")
	// ErrWaitPastDeadline: the next wait would end after the context's
	// deadline, so it was not started and the last result came back at once.
	ErrWaitPastDeadline = errors.New("rebound: next wait would pass the context deadline")
	// ErrRetryAfterTooLong: the server asked for a wait longer than the
	// policy's MaxRetryAfter; the last response came back at once.
	ErrRetryAfterTooLong = errors.New("rebound: server asked for a wait longer than the policy allows")
	// ErrBodyNotReplayable: the request body could not be sent again (it
	// was larger than the buffer cap and bytes of it had left).
	ErrBodyNotReplayable = errors.New("rebound: request body cannot be replayed")
)

// RetryError is the error a retry loop returns when it ends on an error
// after more than one attempt, or for a reason of its own. It wraps both the
// last attempt's error and the reason, so errors.Is and errors.As see
// through it to either.
type RetryError struct {
	// Attempts is how many attempts were made, the first included.
	Attempts int
	// Reason says why the loop stopped: ErrAttemptsExhausted,
	// ErrWaitPastDeadline, ErrRetryAfterTooLong, ErrBodyNotReplayable, the
	// context's error, or nil when the last error was not retryable.
	Reason error
	// Err is the last attempt's error; a *StatusError when the last
	// attempt returned a response that had to be discarded.
	Err error
}

// Error reads like "max retry attempts (3) reached: <cause>".
func (e *RetryError) Error() string {
	switch {
	case e.Reason == ErrAttemptsExhausted:
		return fmt.Sprintf("max retry attempts (%d) reached: %v", e.Attempts, e.Err)
	case e.Reason == nil:
		return fmt.Sprintf("rebound: attempt %d failed: %v", e.Attempts, e.Err)
	case e.Err == nil && e.Attempts == 0:
		return fmt.Sprintf("%v: nothing sent", e.Reason)
	case e.Err == nil:
		return fmt.Sprintf("%v after %d attempts", e.Reason, e.Attempts)
	}
	return fmt.Sprintf("%v after %d attempts: %v", e.Reason, e.Attempts, e.Err)
}

// Unwrap returns the last error and the reason, whichever are set.
func (e *RetryError) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	if e.Reason != nil {
		errs = append(errs, e.Reason)
	}
	return errs
}

// Timeout reports whether the call ended for want of time: the reason or
// the last error is (or wraps) context.DeadlineExceeded or an error whose
// Timeout method says true (an i/o timeout, net/http's "timeout awaiting
// response headers"), or the reason is ErrWaitPastDeadline, the deadline
// being what stopped the retries. So url.Error.Timeout, which calls its
// Err's own Timeout method, is true for a call that timed out through a
// rebound Transport, as it is through net/http alone. A nil *RetryError
// reports false.
func (e *RetryError) Timeout() bool {
	if e == nil {
		return false
	}
	if errors.Is(e.Reason, ErrWaitPastDeadline) {
		return true
	}
	return isTimeout(e.Reason) || isTimeout(e.Err)
}

// isTimeout reports context.DeadlineExceeded, or an error whose Timeout
// method says true, anywhere in err's tree.
func isTimeout(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// StatusError stands for a response that had to be discarded when the loop
// ended on an error, such as a cancelled context during the wait after a 503.
type StatusError struct {
	StatusCode int
}

// Error reads like "HTTP status 503 Service Unavailable".
func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP status %d %s", e.StatusCode, http.StatusText(e.StatusCode))
}

// Permanent marks err as not worth retrying: the loop of [Retry] stops.
// It returns err itself when it came on the first attempt, and otherwise a
// *RetryError ("rebound: attempt 2 failed: …") that wraps it.
// Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// RetryAfter marks err as retryable after at least d, for an operation
// that knows better than the backoff (a server's pushback, a queue's
// visibility timeout): d is a floor, and a Policy adds its backoff on top,
// so that clients told the same instant come back spread out. d is still
// bounded by the policy's MaxRetryAfter.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return &retryAfterError{err, d}
}

type retryAfterError struct {
	err error
	d   time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// unwrapPermanent returns the cause inside a Permanent error.
func unwrapPermanent(err error) error {
	var p *permanentError
	if errors.As(err, &p) {
		return p.err
	}
	return err
}
