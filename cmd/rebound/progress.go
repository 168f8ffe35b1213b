package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/rebound-go/rebound"
)

// reporter prints a call's attempts and waits as they happen, through
// Config.OnEvent, and keeps what the final messages need. With hedging,
// events come from several goroutines: a mutex orders them.
type reporter struct {
	w       io.Writer
	verbose bool // a line for every event (-v)
	retries bool // a line for each retry (on a terminal, without -s)
	limit   int  // attempts allowed; <= 0: no limit

	mu     sync.Mutex
	s      callSummary
	won    map[int]bool // tries a copy has won
	closed bool         // the call has ended: a losing hedge that ends later is not news
}

// callSummary is what the events said of a call, for the final messages.
type callSummary struct {
	tries  int            // the highest try started
	hedges int            // hedged copies sent
	last   attemptOutcome // the last attempt that ended, losing hedges aside
	gaveUp bool           // an EventGiveUp came
	reason error          // its Reason
}

// attemptOutcome is how an attempt ended: a status, or an error.
type attemptOutcome struct {
	status int
	err    error
}

func (o attemptOutcome) String() string {
	if o.err != nil {
		return o.err.Error()
	}
	return statusText(o.status)
}

func newReporter(w io.Writer, o *fetchOptions, limit int, tty bool) *reporter {
	return &reporter{w: w, verbose: o.verbose, retries: tty && !o.silent, limit: limit, won: map[int]bool{}}
}

// onEvent is the Config.OnEvent hook.
func (r *reporter) onEvent(_ context.Context, e rebound.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	switch e.Kind {
	case rebound.EventAttemptStart:
		r.s.tries = max(r.s.tries, e.Attempt)
		if r.verbose && e.Request != nil {
			r.linef("* %s: %s %s", attemptName(e), e.Request.Method, redactURL(e.Request.URL))
		}
	case rebound.EventAttemptDone:
		r.attemptDone(e)
	case rebound.EventWait:
		r.wait(e)
	case rebound.EventRefused:
		if r.verbose {
			r.linef("* %s: not sent: %v", attemptName(e), e.Reason)
		}
	case rebound.EventHedgeSent:
		r.s.hedges++
		if r.verbose {
			r.linef("* attempt %d: no answer within %s; sending hedge %d", e.Attempt, roundDuration(e.Delay), e.Hedge)
		}
	case rebound.EventHedgeWon:
		r.won[e.Attempt] = true
		if r.verbose {
			r.linef("* %s answered first (won)", attemptName(e))
		}
	case rebound.EventGiveUp:
		r.s.gaveUp, r.s.reason = true, e.Reason
	}
}

func (r *reporter) attemptDone(e rebound.Event) {
	abandoned := e.Err != nil && (errors.Is(e.Err, rebound.ErrHedgeLost) || r.won[e.Attempt])
	if !abandoned {
		r.s.last = attemptOutcome{status: e.Status, err: e.Err}
	}
	if !r.verbose {
		return
	}
	switch {
	case abandoned:
		r.linef("* %s: abandoned after %s: another copy answered first", attemptName(e), roundDuration(e.Elapsed))
	case e.Err != nil:
		r.linef("* %s: error after %s: %v", attemptName(e), roundDuration(e.Elapsed), e.Err)
	default:
		r.linef("* %s: %s in %s", attemptName(e), statusText(e.Status), roundDuration(e.Elapsed))
	}
}

func (r *reporter) wait(e rebound.Event) {
	var line string
	switch e.Source {
	case "pacing":
		line = fmt.Sprintf("waiting %s: the host's rate-limit quota is low", roundDuration(e.Delay))
	case "breaker":
		line = "waiting for the host's circuit breaker to let a request through"
	case "retry-after":
		line = fmt.Sprintf("retrying in %s, after the server's Retry-After (%s)", roundDuration(e.Delay), r.left(e.Attempt))
	default:
		line = fmt.Sprintf("retrying in %s (%s)", roundDuration(e.Delay), r.left(e.Attempt))
	}
	switch {
	case r.verbose:
		r.linef("* %s", line)
	case r.retries:
		r.linef("rebound: %s; %s", r.s.last, line)
	}
}

// left says how many attempts remain after attempt n.
func (r *reporter) left(n int) string {
	switch left := r.limit - n; {
	case r.limit <= 0:
		return "no attempt limit"
	case left == 1:
		return "1 attempt left"
	default:
		return fmt.Sprintf("%d attempts left", left)
	}
}

// linef writes one line; r.mu is held.
func (r *reporter) linef(format string, args ...any) {
	fmt.Fprintf(r.w, format+"\n", args...)
}

// printf writes one line, taking the lock: for the command's own lines
// while hedges may still report.
func (r *reporter) printf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.linef(format, args...)
}

// close ends the call's report and returns what the events said: events
// after it, from hedges that lost and end late, are ignored.
func (r *reporter) close() callSummary {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return r.s
}

func attemptName(e rebound.Event) string {
	if e.Hedge > 0 {
		return fmt.Sprintf("attempt %d hedge %d", e.Attempt, e.Hedge)
	}
	return fmt.Sprintf("attempt %d", e.Attempt)
}

// statusText reads like "503 Service Unavailable".
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// roundDuration rounds d for people: "95ms", not "94.978044ms"; "3.05s";
// "12.3s"; "2m5s".
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond)
	case d < time.Second:
		return d.Round(time.Millisecond)
	case d < 10*time.Second:
		return d.Round(10 * time.Millisecond)
	case d < time.Minute:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
