package budget

import "errors"

// Budget decides whether a retry or a hedge may be sent. A retry loop
// calls Done after every attempt the server answered and Allow before
// every retry or hedge; when Allow says no, the loop gives up and returns
// the last result.
//
// [Adaptive] implements it, and so may any type of the caller's (a
// Tokens() float64 method, if it has one, is reported as rebound's
// HostState.BudgetTokens). Implementations must be safe for concurrent use
// and should not allocate.
type Budget interface {
	// Allow reports whether one more attempt (a retry or a hedge) may be
	// sent now, and if so counts it as spent. A loop asks after it has
	// reported the failed attempt to Done.
	Allow() bool

	// Done records the outcome of an attempt: retry is false for the
	// first attempt of a call (first attempts are the traffic retries are
	// measured against) and true for a retry or a hedge; ok is false when
	// the attempt failed in a way that would be retried (a 503, a reset
	// connection) and true otherwise, even for an answer such as a 404
	// that ends the call. An attempt abandoned by the caller (a hedge
	// that lost, a cancelled context), an attempt a local guard refused
	// (it was never sent) and a 429 (a quota, not a failure) should not
	// be reported: they say nothing about the server's health.
	Done(retry, ok bool)
}

// The two counters of the windows in this package (see internal/window).
const (
	requests = iota // first attempts
	retries         // retries and hedges granted by Allow
)

// ErrExhausted is the reason a retry loop gives when a Budget refused a
// retry or a hedge: the last result goes back instead. Loops that use a
// Budget report it; Budget itself only answers Allow with false.
var ErrExhausted = errors.New("budget: retry budget exhausted")
