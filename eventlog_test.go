package rebound

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rebound-go/rebound/internal/redact"
)

// attemptLog collects the Events of one call, for the tests, as a user's
// Config.OnEvent can: one record per attempt (and hedge), what came back,
// the wait that followed and why the call gave up. logEvents is the
// OnEvent that fills it, from the log attached to the call's context with
// withLog. Its methods are safe for concurrent use; URLs are recorded
// redacted, as SlogEvents logs them.
type attemptLog struct {
	mu      sync.Mutex
	entries []attemptRecord
	reason  error
}

type logKey struct{}

// withLog returns ctx carrying l, for logEvents.
func withLog(ctx context.Context, l *attemptLog) context.Context {
	return context.WithValue(ctx, logKey{}, l)
}

// logEvents is a Config.OnEvent that records each event of a call in the
// attemptLog of its context, if any.
func logEvents(ctx context.Context, e Event) {
	if l, ok := ctx.Value(logKey{}).(*attemptLog); ok {
		l.record(e)
	}
}

// both returns an OnEvent that calls each of hooks in turn.
func both(hooks ...func(context.Context, Event)) func(context.Context, Event) {
	return func(ctx context.Context, e Event) {
		for _, h := range hooks {
			h(ctx, e)
		}
	}
}

// attemptRecord is one attempt in an attemptLog.
type attemptRecord struct {
	Attempt  int  // the try, from 1
	Hedge    int  // 0 for the try's first copy, 1… for its hedges
	Won      bool // this hedge answered first, well
	Method   string
	URL      string        // password and query values redacted
	Status   int           // 0 when the attempt ended in an error
	Err      error         // the attempt's error, if any
	Elapsed  time.Duration // how long the attempt took
	Wait     time.Duration // wait that followed it, if any
	WaitWhy  string        // why that wait: backoff, Retry-After, …
	Finished bool          // the attempt has ended
}

// Attempts returns a copy of the records so far.
func (l *attemptLog) Attempts() []attemptRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]attemptRecord(nil), l.entries...)
}

// GaveUp returns why the call stopped without a good result (for example
// ErrRetryAfterTooLong, even when the caller received the last response),
// or nil.
func (l *attemptLog) GaveUp() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reason
}

// String renders the log one line an attempt, for humans.
func (l *attemptLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, r := range l.entries {
		fmt.Fprintf(&b, "attempt %d", r.Attempt)
		if r.Hedge > 0 {
			fmt.Fprintf(&b, " hedge %d", r.Hedge)
		}
		fmt.Fprintf(&b, ": %s %s", r.Method, r.URL)
		switch {
		case r.Err != nil:
			fmt.Fprintf(&b, " → error: %v", r.Err)
		case r.Status != 0:
			fmt.Fprintf(&b, " → %d %s", r.Status, http.StatusText(r.Status))
		}
		if r.Finished {
			fmt.Fprintf(&b, " in %v", r.Elapsed.Round(time.Microsecond))
		}
		if r.Won {
			b.WriteString(" (won)")
		}
		if r.Wait > 0 || r.WaitWhy != "" {
			fmt.Fprintf(&b, "; waiting %v (%s)", r.Wait, r.WaitWhy)
		}
		b.WriteByte('\n')
	}
	if l.reason != nil {
		fmt.Fprintf(&b, "gave up: %v\n", l.reason)
	}
	return b.String()
}

func (l *attemptLog) record(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e.Kind {
	case EventAttemptStart:
		r := attemptRecord{Attempt: e.Attempt, Hedge: e.Hedge}
		if e.Request != nil {
			r.Method = e.Request.Method
			if r.Method == "" {
				r.Method = http.MethodGet
			}
			r.URL = redact.URL(e.Request.URL, e.showQuery)
		}
		l.entries = append(l.entries, r)
	case EventAttemptDone:
		if r := l.find(e.Attempt, e.Hedge); r != nil {
			r.Status, r.Err, r.Elapsed, r.Finished = e.Status, e.Err, e.Elapsed, true
		}
	case EventHedgeWon:
		if r := l.find(e.Attempt, e.Hedge); r != nil {
			r.Won = true
		}
	case EventWait:
		if e.Source == "pacing" {
			break
		}
		if r := l.find(e.Attempt, 0); r != nil {
			r.Wait, r.WaitWhy = e.Delay, e.Source
		}
	case EventGiveUp:
		l.reason = e.Reason
		if l.reason == nil {
			l.reason = e.Err
		}
	}
}

func (l *attemptLog) find(attempt, hedge int) *attemptRecord {
	for i := len(l.entries) - 1; i >= 0; i-- {
		if l.entries[i].Attempt == attempt && l.entries[i].Hedge == hedge {
			return &l.entries[i]
		}
	}
	return nil
}
