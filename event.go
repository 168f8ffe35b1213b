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
	// AttemptStart: an attempt is about to be made.
	AttemptStart EventKind = iota + 1
	// AttemptDone: an attempt ended; Status or Err says how.
	AttemptDone
	// Wait: the loop will wait Delay before the next attempt; Source says why.
	Wait
	// GiveUp: the loop stopped without a good result; Reason says why.
	GiveUp
	// BreakerChange: the circuit breaker of host Key went From → To. It is
	// not tied to a call: the context is context.Background().
	BreakerChange
	// HedgeSent: hedge Hedge of try Attempt is going out, the earlier
	// copies having not answered within Delay.
	HedgeSent
	// HedgeWon: copy Hedge of try Attempt answered first, well.
	HedgeWon
	// Paced: the host's quota runs low, so the attempt waits Delay first;
	// Reason is ErrPaceCapped when pacing wanted longer.
	Paced
)

// String names the kind, as the slog adapter logs it.
func (k EventKind) String() string {
	switch k {
	case AttemptStart:
		return "attempt"
	case AttemptDone:
		return "attempt done"
	case Wait:
		return "wait"
	case GiveUp:
		return "give up"
	case BreakerChange:
		return "breaker"
	case HedgeSent:
		return "hedge sent"
	case HedgeWon:
		return "hedge won"
	case Paced:
		return "paced"
	}
	return "unknown"
}

// Event describes one step of a call, for Config.OnEvent. The request and
// response are the live objects: an observer may read their headers but
// must not change them or touch a body. With hedging, the events of one
// call can come from several goroutines at once.
type Event struct {
	Kind    EventKind
	Attempt int           // the try concerned, from 1 (a try is an attempt and its hedges)
	Hedge   int           // which copy of the try: 0 for the first, 1… for hedges
	Request *http.Request // nil for operations run by Retry
	Status  int           // AttemptDone: the response's status, 0 on error
	Err     error         // AttemptDone: the attempt's error; GiveUp: what the caller gets
	Elapsed time.Duration // AttemptDone: how long the attempt took
	Delay   time.Duration // Wait, Paced: how long; HedgeSent: the delay that passed before it
	Source  string        // Wait: "backoff", "server asked (Retry-After)", "retrier"
	Reason  error         // GiveUp: ErrAttemptsExhausted and the like, nil when the error was not retryable; Paced: ErrPaceCapped or nil
	Key     string        // BreakerChange: the host (see Config.Key)
	From    breaker.State // BreakerChange: the state left
	To      breaker.State // BreakerChange: the state entered
}

// observer bundles where a call reports: hook and attempt log, each optional.
type observer struct {
	onEvent func(context.Context, Event)
	log     *AttemptLog
}

func (o *observer) active() bool { return o.onEvent != nil || o.log != nil }

func (o *observer) emit(ctx context.Context, e Event) {
	if o.log != nil {
		o.log.record(e)
	}
	if o.onEvent != nil {
		o.onEvent(ctx, e)
	}
}
