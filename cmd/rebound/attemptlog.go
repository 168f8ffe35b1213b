package main

import (
	"sync"

	"github.com/rebound-go/rebound"
)

// attemptLog collects, from the events of the one call a fetch makes,
// what each attempt (and hedge) did and the wait that followed it, for
// --json. Events of hedged copies come from several goroutines at once.
type attemptLog struct {
	mu      sync.Mutex
	entries []attemptJSON
}

// record takes one event of the call into the log.
func (l *attemptLog) record(e rebound.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e.Kind {
	case rebound.EventAttemptStart:
		l.entries = append(l.entries, attemptJSON{Attempt: e.Attempt, Hedge: e.Hedge})
	case rebound.EventAttemptDone:
		if a := l.find(e.Attempt, e.Hedge); a != nil {
			a.Status, a.Time = e.Status, e.Elapsed.Seconds()
			if e.Err != nil {
				a.Error = e.Err.Error()
			}
		}
	case rebound.EventHedgeWon:
		if a := l.find(e.Attempt, e.Hedge); a != nil {
			a.Won = true
		}
	case rebound.EventWait:
		if e.Source == "pacing" {
			break // before an attempt, not after one
		}
		if a := l.find(e.Attempt, 0); a != nil {
			a.Wait, a.WaitReason = e.Delay.Seconds(), e.Source
		}
	}
}

// find returns the latest entry of copy hedge of try attempt, or nil.
// l.mu is held.
func (l *attemptLog) find(attempt, hedge int) *attemptJSON {
	for i := len(l.entries) - 1; i >= 0; i-- {
		if l.entries[i].Attempt == attempt && l.entries[i].Hedge == hedge {
			return &l.entries[i]
		}
	}
	return nil
}

// attempts returns a copy of the entries so far.
func (l *attemptLog) attempts() []attemptJSON {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append(make([]attemptJSON, 0, len(l.entries)), l.entries...)
}
