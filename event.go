package rebound

import (
	"context"
	"net/http"
	"time"

	"github.com/rebound-go/rebound/breaker"
)

// EventKind says what an Event reports.
type EventKind uint8

// The kinds of Event, in the order a call meets them.
const (
	// EventAttemptStart: an attempt is about to be sent.
	EventAttemptStart EventKind = iota + 1
	// EventAttemptDone: an attempt ended; Status or Err says how.
	EventAttemptDone
	// EventRefused: a guard refused attempt Attempt (copy Hedge): it was
	// not sent. Reason is the guard's error (breaker.ErrCircuitOpen,
	// throttle.ErrThrottled, bulkhead.ErrFull, budget.ErrExhausted for a
	// hedge, ErrWaitPastDeadline for pacing, or the context's error).
	EventRefused
	// EventWait: the call waits Delay; Source says why ("backoff",
	// "retry-after", "retrier" before a retry; "pacing" before an
	// attempt while the host's quota runs low; "breaker" while an open
	// breaker holds the attempt until the host is back, Delay unknown
	// and 0: the attempt's start is its release, an EventRefused its end
	// without one).
	EventWait
	// EventHedgeSent: hedge Hedge of try Attempt is going out, the
	// earlier copies having not answered within Delay.
	EventHedgeSent
	// EventHedgeWon: hedge Hedge (1 or more) of try Attempt answered
	// first, well; when the first copy wins, there is no such event.
	EventHedgeWon
	// EventGiveUp: the call stopped without a good result; Reason says
	// why (nil when the last error was not retryable).
	EventGiveUp
	// EventBreakerChange: the circuit breaker of host Key went From → To.
	// It is not tied to a call: the context is context.Background() and
	// Request is nil.
	EventBreakerChange
)

// String names the kind, as the slog adapter logs it.
func (k EventKind) String() string {
	switch k {
	case EventAttemptStart:
		return "attempt"
	case EventAttemptDone:
		return "attempt done"
	case EventRefused:
		return "refused"
	case EventWait:
		return "wait"
	case EventHedgeSent:
		return "hedge sent"
	case EventHedgeWon:
		return "hedge won"
	case EventGiveUp:
		return "give up"
	case EventBreakerChange:
		return "breaker"
	}
	return "unknown"
}

// Event describes one step of a call, for Config.OnEvent. The request and
// response are the live objects: an observer may read their headers but
// must not change them or touch a body. With hedging, the events of one
// call can come from several goroutines at once.
type Event struct {
	Kind    EventKind
	Key     string        // the host (see Config.Key); "" for an operation of a Runner
	Attempt int           // the try concerned, from 1 (a try is an attempt and its hedges)
	Hedge   int           // which copy of the try: 0 for the first, 1… for hedges
	Request *http.Request // nil for operations of a Runner
	Status  int           // EventAttemptDone, EventHedgeWon: the response's status, 0 on error; EventWait: the status being retried
	Err     error         // EventAttemptDone: the attempt's error; EventWait: the error being retried; EventGiveUp: what the caller gets
	Elapsed time.Duration // EventAttemptDone: how long the attempt took
	Delay   time.Duration // EventWait: how long; EventHedgeSent: the delay that passed before it
	Source  string        // EventWait: why: "backoff", "retry-after", "retrier", "pacing" or "breaker"
	Reason  error         // EventRefused, EventGiveUp: why
	From    breaker.State // EventBreakerChange: the state left
	To      breaker.State // EventBreakerChange: the state entered

	showQuery bool // Config.ShowQueryValues, for the views in this package
}

// observer is where a call reports: Config.OnEvent, when set.
type observer struct {
	onEvent func(context.Context, Event)
}

func (o *observer) active() bool { return o.onEvent != nil }

func (o *observer) emit(ctx context.Context, e Event) {
	if o.onEvent != nil {
		o.onEvent(ctx, e)
	}
}
