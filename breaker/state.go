package breaker

import "strconv"

// State is the state of a [Breaker]. It is a plain value.
type State int32

// The states of a Breaker. The zero value is Closed.
const (
	// Closed lets calls through and records their outcomes.
	Closed State = iota
	// HalfOpen lets a bounded number of probe calls through.
	HalfOpen
	// Open rejects every call with ErrCircuitOpen.
	Open
)

// String returns "closed", "half-open" or "open".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case HalfOpen:
		return "half-open"
	case Open:
		return "open"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Outcome is the caller's verdict on a call, reported to [Breaker.Done]. It
// is a plain value; the zero Outcome is Success.
type Outcome uint8

// The outcomes of a call.
const (
	// Success counts as a good call. A successful call that took longer
	// than Settings.SlowCallDuration still counts as slow.
	Success Outcome = iota
	// Failure counts as a failed call.
	Failure
	// Ignore keeps the call out of every count, as if it had not been
	// made: use it for answers that say nothing about the dependency's
	// health, such as a 4xx status or a call the caller cancelled. In
	// half-open, it frees the probe slot without counting as a success.
	Ignore
)

// String returns "success", "failure" or "ignore".
func (o Outcome) String() string {
	switch o {
	case Success:
		return "success"
	case Failure:
		return "failure"
	case Ignore:
		return "ignore"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}
