package faults

import "time"

// Scenario says which faults an Injector injects, how often and when.
// The zero Scenario injects nothing. A Scenario is plain data; it also
// reads from and writes to JSON (see the package documentation).
type Scenario struct {
	// Seed selects the schedule: two injectors with equal scenarios
	// meet equal keys with equal faults.
	Seed uint64

	// IDHeader, when set, names a request header (such as
	// X-Request-Id) whose value keys the schedule in place of the
	// order of arrival. Requests without it use their sequence number.
	IDHeader string

	// AttemptHeader, when set, names a header (such as X-Attempt)
	// whose value joins IDHeader's in the key, so each attempt of one
	// request meets its own fault. It needs IDHeader.
	AttemptHeader string

	// Faults exclude one another: a request meets at most one, picked
	// by one uniform draw in listed order. Their rates add up to at
	// most 1.
	Faults []Fault

	// Latency rules delay requests; each rule draws on its own and the
	// delays of the rules that fire add up.
	Latency []Latency

	// Outages are windows of time in which every request meets the
	// window's fault; the first window that holds the request's time
	// wins over Faults.
	Outages []Outage
}

// Fault is one kind of failure and the rate at which it strikes. Fields
// that do not apply to the kind must be zero.
type Fault struct {
	// Kind is what happens; the zero Kind is Status.
	Kind Kind

	// Rate is the probability, in [0, 1], that a request meets this
	// fault. It must be zero in an Outage, where every request does.
	Rate float64

	// Status is the code a Status fault answers with, in 200-599;
	// zero means 503.
	Status int

	// RetryAfter, when positive, is sent by a Status fault as a
	// Retry-After header in whole seconds, rounded up.
	RetryAfter time.Duration

	// Bytes is, for Truncate, how many body bytes get through before
	// the cut (zero: none) and, for Trickle, how many go out at a time
	// (zero: one).
	Bytes int

	// Interval is, for Trickle, the pause before each piece of the
	// body. It must be positive.
	Interval time.Duration

	// Forward, for Status, Reset and Hang, passes the request on before
	// the fault replaces the answer: it models a server that did the
	// work and a response that was lost. Truncate and Trickle always
	// pass the request on.
	Forward bool
}

// Latency adds delay before a request is served: with probability Rate,
// a delay drawn uniformly from [Min, Max), or exactly Min when Max is not
// above Min. A fixed delay for everyone is {Rate: 1, Min: d}; a long
// tail such as "5 % of requests take 200 ms" is {Rate: 0.05, Min:
// 200 * time.Millisecond}.
type Latency struct {
	// Rate is the probability, in [0, 1], that the rule fires.
	Rate float64
	// Min is the shortest delay.
	Min time.Duration
	// Max, when above Min, is the bound the delay stays below.
	Max time.Duration
}

// Outage makes every request from Start to End (offsets from the
// creation of the Injector; End excluded) meet Fault. The zero Fault
// answers 503.
type Outage struct {
	// Start is when the outage begins, after the Injector's creation.
	Start time.Duration
	// End is when it is over; it must be after Start.
	End time.Duration
	// Fault is what every request in the window meets; its Rate must
	// be zero.
	Fault Fault
}

// code returns the status a Status fault answers with.
func (f *Fault) code() int {
	if f.Status == 0 {
		return 503
	}
	return f.Status
}
