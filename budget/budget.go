package budget

// Budget decides whether a retry or a hedge may be sent. A retry loop
// calls Request once per call it starts, Result after every attempt, and
// Withdraw before every retry or hedge; when Withdraw says no, the loop
// gives up and returns the last result.
//
// [Percent], [TokenBucket] and [Adaptive] implement it, and so may any
// type of the caller's. Implementations must be safe for concurrent use
// and should not allocate.
type Budget interface {
	// Request records that a call made its first attempt. First attempts
	// are the traffic that retries are measured against.
	Request()

	// Withdraw reports whether one more attempt (a retry or a hedge) may
	// be sent now, and if so counts it as spent. A loop asks after it has
	// reported the failed attempt to Result.
	Withdraw() bool

	// Result records the outcome of an attempt: retry is false for the
	// first attempt of a call and true for a retry or a hedge; ok is
	// false when the attempt failed in a way that would be retried (a
	// 503, a reset connection) and true otherwise, even for an answer
	// such as a 404 that ends the call. An attempt abandoned by the
	// caller (a hedge that lost, a cancelled context) should not be
	// reported: it says nothing about the server.
	Result(retry, ok bool)
}

// The two counters of the windows in this package (see internal/window).
const (
	requests = iota // first attempts
	retries         // retries and hedges granted by Withdraw
)
