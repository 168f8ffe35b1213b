package reliability_test

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/rebound-go/rebound"
)

// callLog collects the events of one call, as a user's Config.OnEvent
// can: the Transport's OnEvent is logEvents, and the call's context
// carries the log (withLog). Its methods are safe for concurrent use.
type callLog struct {
	mu     sync.Mutex
	events []rebound.Event
}

type logKey struct{}

// withLog returns ctx carrying l, for logEvents.
func withLog(ctx context.Context, l *callLog) context.Context {
	return context.WithValue(ctx, logKey{}, l)
}

// logEvents is a Config.OnEvent that records each event of a call in the
// callLog of its context, if any.
func logEvents(ctx context.Context, e rebound.Event) {
	if l, ok := ctx.Value(logKey{}).(*callLog); ok {
		l.mu.Lock()
		l.events = append(l.events, e)
		l.mu.Unlock()
	}
}

// Attempts returns the call's EventAttemptStart events: one per attempt
// sent, hedges included.
func (l *callLog) Attempts() []rebound.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []rebound.Event
	for _, e := range l.events {
		if e.Kind == rebound.EventAttemptStart {
			out = append(out, e)
		}
	}
	return out
}

// GaveUp returns why the call stopped without a good result, as its
// EventGiveUp says (its Reason, or its Err when there is no reason), or
// nil.
func (l *callLog) GaveUp() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if e.Kind == rebound.EventGiveUp {
			if e.Reason != nil {
				return e.Reason
			}
			return e.Err
		}
	}
	return nil
}

// String renders the events one a line, for failure messages.
func (l *callLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, e := range l.events {
		fmt.Fprintf(&b, "%s attempt %d hedge %d status %d err %v delay %v %s reason %v\n",
			e.Kind, e.Attempt, e.Hedge, e.Status, e.Err, e.Delay, e.Source, e.Reason)
	}
	return b.String()
}
