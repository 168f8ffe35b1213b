package rebound

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// AttemptLog records what one call tried, what came back, how long it
// waited and why, without shared state on the client.
// Attach a new log to each call with WithAttemptLog or use Client.DoLogged.
// Its methods are safe for concurrent use. The log never holds header
// values, and URLs are recorded with their password and query values
// redacted.
type AttemptLog struct {
	mu      sync.Mutex
	entries []AttemptRecord
	reason  error
}

// AttemptRecord is one attempt in an AttemptLog.
type AttemptRecord struct {
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
func (l *AttemptLog) Attempts() []AttemptRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]AttemptRecord(nil), l.entries...)
}

// GaveUp returns why the call stopped without a good result (for example
// ErrRetryAfterTooLong, even when the caller received the last response),
// or nil.
func (l *AttemptLog) GaveUp() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reason
}

// String renders the log one line an attempt, for humans.
func (l *AttemptLog) String() string {
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

func (l *AttemptLog) record(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e.Kind {
	case EventAttemptStart:
		r := AttemptRecord{Attempt: e.Attempt, Hedge: e.Hedge}
		if e.Request != nil {
			r.Method = e.Request.Method
			if r.Method == "" {
				r.Method = http.MethodGet
			}
			r.URL = redactedURL(e.Request.URL, e.showQuery)
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

func (l *AttemptLog) find(attempt, hedge int) *AttemptRecord {
	for i := len(l.entries) - 1; i >= 0; i-- {
		if l.entries[i].Attempt == attempt && l.entries[i].Hedge == hedge {
			return &l.entries[i]
		}
	}
	return nil
}
