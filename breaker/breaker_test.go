package breaker

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// A step advances the fake clock, which may fire the open timer, then does
// one thing to the breaker and checks its state.
type step struct {
	advance time.Duration
	op      op
	key     string  // names the ticket of opStart and opEnd
	outcome Outcome // of opCall and opEnd
	times   int     // opCall repeats; 0 means 1
	wantErr error   // from Allow, in opCall and opStart
	want    State   // after the step
}

type op int

const (
	opNone  op = iota // only advance
	opCall            // Allow, then Done at the same instant
	opStart           // Allow and keep the ticket under key
	opEnd             // Done the ticket kept under key
)

func (s step) String() string {
	switch s.op {
	case opCall:
		return fmt.Sprintf("+%v call %v×%d", s.advance, s.outcome, max(s.times, 1))
	case opStart:
		return fmt.Sprintf("+%v start %s", s.advance, s.key)
	case opEnd:
		return fmt.Sprintf("+%v end %s %v", s.advance, s.key, s.outcome)
	}
	return fmt.Sprintf("+%v", s.advance)
}

func call(o Outcome, times int, want State) step {
	return step{op: opCall, outcome: o, times: times, want: want}
}

func rejected(want State) step {
	return step{op: opCall, wantErr: ErrCircuitOpen, want: want}
}

func start(key string, want State) step { return step{op: opStart, key: key, want: want} }

func startRejected(key string, want State) step {
	return step{op: opStart, key: key, wantErr: ErrCircuitOpen, want: want}
}

func end(key string, o Outcome, want State) step {
	return step{op: opEnd, key: key, outcome: o, want: want}
}

func wait(d time.Duration, want State) step { return step{advance: d, want: want} }

// runSteps runs steps against a breaker made from s with a fake clock, and
// returns the state changes that OnStateChange saw.
func runSteps(t *testing.T, s Settings, steps []step) []string {
	t.Helper()
	var changes []string
	s.OnStateChange = func(_ string, from, to State) {
		changes = append(changes, from.String()+"→"+to.String())
	}
	clock := newFakeClock()
	s.clock = clock
	b, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	tickets := map[string]Ticket{}
	for i, st := range steps {
		clock.advance(st.advance)
		var err error
		switch st.op {
		case opCall:
			for range max(st.times, 1) {
				var tk Ticket
				if tk, err = b.Allow(); err == nil {
					b.Done(tk, st.outcome)
				}
			}
		case opStart:
			tickets[st.key], err = b.Allow()
		case opEnd:
			b.Done(tickets[st.key], st.outcome)
		}
		if !errors.Is(err, st.wantErr) {
			t.Fatalf("step %d (%v): Allow error %v, want %v", i, st, err, st.wantErr)
		}
		if got := b.State(); got != st.want {
			t.Fatalf("step %d (%v): state %v, want %v (counts %+v)", i, st, got, st.want, b.Counts())
		}
	}
	return changes
}

const (
	toOpen     = "closed→open"
	toHalfOpen = "open→half-open"
	reopen     = "half-open→open"
	toClosed   = "half-open→closed"
)

func TestTransitions(t *testing.T) {
	tests := []struct {
		name        string
		settings    Settings
		steps       []step
		wantChanges []string
	}{{
		name:     "default: half of 100 calls failing opens it for 5s, and 20 probes judged by rate close it",
		settings: Settings{},
		steps: []step{
			call(Failure, 49, Closed),
			call(Success, 50, Closed), // 49/99: under MinimumCalls
			call(Failure, 1, Open),    // 50/100
			rejected(Open),
			wait(5*time.Second-time.Nanosecond, Open),
			wait(time.Nanosecond, HalfOpen), // the timer, with no caller
			call(Success, 10, HalfOpen),     // 10 probes left could still fail
			call(Success, 1, Closed),        // at most 9 of 20 can fail now
			call(Failure, 99, Closed),       // the window starts over
			call(Failure, 1, Open),
		},
		wantChanges: []string{toOpen, toHalfOpen, toClosed, toOpen},
	}, {
		name:     "ConsecutiveFailures alone: five in a row open it, one good probe closes it",
		settings: Settings{ConsecutiveFailures: 5},
		steps: []step{
			call(Failure, 4, Closed),
			call(Success, 1, Closed), // resets the run
			call(Failure, 4, Closed),
			call(Failure, 1, Open),
			rejected(Open),
			wait(5*time.Second, HalfOpen),
			call(Success, 1, Closed),
			call(Failure, 4, Closed), // the run starts over
		},
		wantChanges: []string{toOpen, toHalfOpen, toClosed},
	}, {
		name:     "ignored calls neither count nor break a run of failures",
		settings: Settings{ConsecutiveFailures: 2},
		steps: []step{
			call(Failure, 1, Closed),
			call(Ignore, 50, Closed),
			call(Failure, 1, Open),
		},
		wantChanges: []string{toOpen},
	}, {
		name:     "a failed probe reopens",
		settings: Settings{ConsecutiveFailures: 1, MaxOpenTimeout: 5 * time.Second},
		steps: []step{
			call(Failure, 1, Open),
			wait(5*time.Second, HalfOpen),
			call(Failure, 1, Open),
			wait(5*time.Second, HalfOpen), // no growth: MaxOpenTimeout is OpenTimeout
		},
		wantChanges: []string{toOpen, toHalfOpen, reopen, toHalfOpen},
	}, {
		name: "the open period grows on each reopening up to MaxOpenTimeout, and starts over once closed",
		settings: Settings{
			ConsecutiveFailures: 1, OpenTimeout: 10 * time.Second, MaxOpenTimeout: 25 * time.Second,
		},
		steps: []step{
			call(Failure, 1, Open),
			wait(10*time.Second, HalfOpen),
			call(Failure, 1, Open),
			wait(20*time.Second-time.Nanosecond, Open),
			wait(time.Nanosecond, HalfOpen),
			call(Failure, 1, Open),
			wait(25*time.Second-time.Nanosecond, Open), // 40s, capped
			wait(time.Nanosecond, HalfOpen),
			call(Failure, 1, Open),
			wait(25*time.Second, HalfOpen),
			call(Success, 1, Closed),
			call(Failure, 1, Open),
			wait(10*time.Second, HalfOpen),
		},
		wantChanges: []string{
			toOpen, toHalfOpen, reopen, toHalfOpen, reopen, toHalfOpen, reopen, toHalfOpen,
			toClosed, toOpen, toHalfOpen,
		},
	}, {
		name: "OpenTimeoutMultiplier sets the growth",
		settings: Settings{
			ConsecutiveFailures: 1, OpenTimeout: 10 * time.Second, MaxOpenTimeout: time.Minute,
			OpenTimeoutMultiplier: 1.5,
		},
		steps: []step{
			call(Failure, 1, Open),
			wait(10*time.Second, HalfOpen),
			call(Failure, 1, Open),
			wait(15*time.Second-time.Nanosecond, Open),
			wait(time.Nanosecond, HalfOpen),
		},
		wantChanges: []string{toOpen, toHalfOpen, reopen, toHalfOpen},
	}, {
		name:     "half-open runs HalfOpenProbes at once and closes after HalfOpenSuccesses",
		settings: Settings{ConsecutiveFailures: 1, HalfOpenProbes: 2, HalfOpenSuccesses: 3},
		steps: []step{
			call(Failure, 1, Open),
			wait(5*time.Second, HalfOpen),
			start("a", HalfOpen),
			start("b", HalfOpen),
			startRejected("c", HalfOpen),
			end("a", Success, HalfOpen),
			start("c", HalfOpen),
			startRejected("d", HalfOpen),
			end("b", Success, HalfOpen),
			end("c", Success, Closed),
		},
		wantChanges: []string{toOpen, toHalfOpen, toClosed},
	}, {
		name:     "an ignored probe frees its slot without counting",
		settings: Settings{ConsecutiveFailures: 1},
		steps: []step{
			call(Failure, 1, Open),
			wait(5*time.Second, HalfOpen),
			start("a", HalfOpen),
			startRejected("b", HalfOpen),
			end("a", Ignore, HalfOpen),
			start("b", HalfOpen),
			end("b", Success, Closed),
		},
		wantChanges: []string{toOpen, toHalfOpen, toClosed},
	}, {
		name:     "any failed probe reopens, and the other probes' results no longer count",
		settings: Settings{ConsecutiveFailures: 1, HalfOpenProbes: 3},
		steps: []step{
			call(Failure, 1, Open),
			wait(5*time.Second, HalfOpen),
			start("a", HalfOpen),
			start("b", HalfOpen),
			start("c", HalfOpen),
			end("a", Success, HalfOpen),
			end("b", Failure, Open),
			end("c", Success, Open),
			wait(10*time.Second, HalfOpen),
		},
		wantChanges: []string{toOpen, toHalfOpen, reopen, toHalfOpen},
	}, {
		name:     "results from an earlier generation are ignored",
		settings: Settings{ConsecutiveFailures: 2},
		steps: []step{
			start("early", Closed),
			start("earlier", Closed),
			call(Failure, 2, Open),
			wait(5*time.Second, HalfOpen),
			end("early", Success, HalfOpen), // would close it
			start("probe", HalfOpen),        // the slot is still free
			end("probe", Success, Closed),
			end("earlier", Failure, Closed),
			call(Failure, 1, Closed), // "earlier" did not start a run
			call(Failure, 1, Open),
		},
		wantChanges: []string{toOpen, toHalfOpen, toClosed, toOpen},
	}, {
		name:     "the failure rate waits for MinimumCalls; setting it turns off the consecutive rule",
		settings: Settings{FailureRate: 0.5, WindowSize: 10, MinimumCalls: 8},
		steps: []step{
			call(Failure, 7, Closed),
			call(Success, 1, Open), // 7/8
		},
		wantChanges: []string{toOpen},
	}, {
		name:     "the failure rate trips at the threshold, not below",
		settings: Settings{FailureRate: 0.5, WindowSize: 10, MinimumCalls: 4},
		steps: []step{
			call(Success, 2, Closed),
			call(Failure, 1, Closed),
			call(Success, 1, Closed), // 1/4
			call(Failure, 1, Closed), // 2/5
			call(Failure, 1, Open),   // 3/6
		},
		wantChanges: []string{toOpen},
	}, {
		name:     "both rules when both are set",
		settings: Settings{ConsecutiveFailures: 3, FailureRate: 0.5, WindowSize: 100, MinimumCalls: 100},
		steps: []step{
			call(Success, 10, Closed),
			call(Failure, 3, Open),
		},
		wantChanges: []string{toOpen},
	}, {
		name:     "a WindowSize window forgets its oldest call",
		settings: Settings{FailureRate: 0.5, WindowSize: 4, MinimumCalls: 4},
		steps: []step{
			call(Success, 1, Closed),
			call(Failure, 1, Closed),
			call(Success, 2, Closed), // S F S S: 1/4
			call(Success, 2, Closed), // S S S S: the failure is gone
			call(Failure, 1, Closed), // S S S F: 1/4
			call(Failure, 1, Open),   // S S F F: 2/4, but 3/8 had it not forgotten
		},
		wantChanges: []string{toOpen},
	}, {
		name:     "a WindowDuration window keeps calls up to WindowDuration",
		settings: Settings{FailureRate: 0.5, WindowDuration: 10 * time.Second, MinimumCalls: 3},
		steps: []step{
			call(Failure, 2, Closed),
			wait(10*time.Second-time.Nanosecond, Closed),
			call(Success, 1, Open), // 2/3
		},
		wantChanges: []string{toOpen},
	}, {
		name:     "a WindowDuration window forgets a bucket when it expires",
		settings: Settings{FailureRate: 0.5, WindowDuration: 10 * time.Second, MinimumCalls: 3},
		steps: []step{
			call(Failure, 2, Closed),
			wait(10*time.Second, Closed),
			call(Success, 2, Closed),
			call(Failure, 1, Closed), // 1/3, but 3/5 had it not forgotten
			call(Failure, 1, Open),   // 2/4
		},
		wantChanges: []string{toOpen},
	}, {
		name: "slow calls that finished trip the slow-call rate",
		settings: Settings{
			SlowCallDuration: time.Second, SlowCallRate: 0.5, WindowSize: 10, MinimumCalls: 4,
		},
		steps: []step{
			call(Success, 1, Closed),
			start("a", Closed),
			wait(time.Second, Closed),
			end("a", Success, Closed), // exactly 1s is not slow: 0/2
			start("b", Closed),
			wait(time.Second+time.Nanosecond, Closed),
			end("b", Success, Closed), // slow: 1/3, under MinimumCalls
			start("c", Closed),
			wait(2*time.Second, Closed), // nothing asks
			end("c", Failure, Open),     // slow whatever the outcome: 2/4
		},
		wantChanges: []string{toOpen},
	}, {
		name: "calls in flight that are already slow trip the breaker on Allow",
		settings: Settings{
			SlowCallDuration: time.Second, SlowCallRate: 0.5, WindowSize: 10, MinimumCalls: 4,
		},
		steps: []step{
			call(Success, 2, Closed),
			start("a", Closed),
			start("b", Closed),
			// Starts are told apart to SlowCallDuration/8: a and b count
			// as slow from 1.125s on.
			wait(time.Second+124*time.Millisecond, Closed),
			start("c", Closed),
			wait(time.Millisecond, Closed),
			startRejected("d", Open), // (0+2)/(2+2) slow
			end("a", Failure, Open),  // an earlier generation
		},
		wantChanges: []string{toOpen},
	}, {
		name: "calls in flight that are already slow trip the breaker on Done",
		settings: Settings{
			SlowCallDuration: time.Second, SlowCallRate: 0.75, WindowSize: 10, MinimumCalls: 4,
		},
		steps: []step{
			start("a", Closed),
			start("b", Closed),
			start("c", Closed),
			wait(2*time.Second, Closed),
			call(Success, 1, Open), // (0+3)/(1+3) slow
		},
		wantChanges: []string{toOpen},
	}, {
		name: "calls in flight that are not slow do not count",
		settings: Settings{
			SlowCallDuration: time.Second, SlowCallRate: 0.5, WindowSize: 10, MinimumCalls: 4,
		},
		steps: []step{
			start("a", Closed),
			start("b", Closed),
			start("c", Closed),
			call(Success, 2, Closed),
			wait(time.Second, Closed),
			call(Success, 2, Closed),
			end("a", Success, Closed),
		},
	}, {
		name:     "SlowCallRate defaults to 1 with SlowCallDuration",
		settings: Settings{SlowCallDuration: time.Second, WindowSize: 4, MinimumCalls: 2},
		steps: []step{
			start("a", Closed),
			start("b", Closed),
			call(Success, 1, Closed),
			wait(2*time.Second, Closed),
			end("a", Success, Closed), // S s, and b in flight: 2/3
			end("b", Success, Closed), // S s s: 2/3
			call(Success, 1, Closed),  // S s s S
			start("c", Closed),
			start("d", Closed),
			start("e", Closed),
			start("f", Closed),
			wait(2*time.Second, Closed),
			end("c", Success, Closed), // s s S s, and d e f: 6/7
			end("d", Success, Closed), // s S s s, and e f: 5/6
			end("e", Success, Closed), // S s s s, and f: 4/5
			end("f", Success, Open),   // s s s s
		},
		wantChanges: []string{toOpen},
	}, {
		name:     "a slow probe counts as a failed one",
		settings: Settings{ConsecutiveFailures: 1, SlowCallDuration: time.Second},
		steps: []step{
			call(Failure, 1, Open),
			wait(5*time.Second, HalfOpen),
			start("probe", HalfOpen),
			wait(2*time.Second, HalfOpen),
			end("probe", Success, Open),
		},
		wantChanges: []string{toOpen, toHalfOpen, reopen},
	}, {
		name:     "a probe in flight that is already slow reopens the breaker",
		settings: Settings{ConsecutiveFailures: 1, SlowCallDuration: time.Second, HalfOpenProbes: 2},
		steps: []step{
			call(Failure, 1, Open),
			wait(5*time.Second, HalfOpen),
			start("a", HalfOpen),
			wait(2*time.Second, HalfOpen),
			startRejected("b", Open),
			end("a", Success, Open),
		},
		wantChanges: []string{toOpen, toHalfOpen, reopen},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runSteps(t, tt.settings, tt.steps)
			if !slices.Equal(got, tt.wantChanges) {
				t.Errorf("state changes %q, want %q", got, tt.wantChanges)
			}
		})
	}
}

func TestClockGoingBackwardsStandsStill(t *testing.T) {
	clock := newFakeClock()
	b, err := New(Settings{SlowCallDuration: time.Second, WindowSize: 10, MinimumCalls: 10, clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := b.Allow()
	clock.mu.Lock()
	clock.now = clock.now.Add(-time.Hour)
	clock.mu.Unlock()
	second, _ := b.Allow() // starts at the first one's instant
	b.Done(second, Success)
	clock.advance(time.Hour + 2*time.Second)
	b.Done(first, Success)
	if c := b.Counts(); c.Calls != 2 || c.SlowCalls != 1 || c.SlowInFlight != 0 {
		t.Fatalf("counts %+v, want 2 calls, the first one slow", c)
	}
}

// Done skips the lock for a success that would change nothing; the
// window must count exactly as if it had taken it.
func TestSuccessFastPathCountsLikeTheLock(t *testing.T) {
	tests := []struct {
		name      string
		successes int
		failures  int // then this many
		open      bool
	}{
		{"window not full: successes count", 5, 5, true},
		{"window not full: one failure short", 6, 4, false},
		{"clean full window, then half fail", 100, 5, true},
		{"clean full window, then fewer fail", 100, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(Settings{FailureRate: 0.5, MinimumCalls: 10, WindowSize: 10})
			if err != nil {
				t.Fatal(err)
			}
			report := func(o Outcome) {
				tk, err := b.Allow()
				if err != nil {
					t.Fatalf("Allow: %v", err)
				}
				b.Done(tk, o)
			}
			for range tt.successes {
				report(Success)
			}
			for range tt.failures {
				report(Failure)
			}
			if got := b.State() == Open; got != tt.open {
				t.Fatalf("open %v after %d successes and %d failures, want %v (counts %+v)", got, tt.successes, tt.failures, tt.open, b.Counts())
			}
		})
	}
}

// A success reported with a ticket of an earlier generation is not
// counted, by the fast path either.
func TestSuccessFastPathIgnoresStaleTicket(t *testing.T) {
	b, err := New(Settings{ConsecutiveFailures: 1, OpenTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		tk, _ := b.Allow()
		b.Done(tk, Success)
	}
	stale, _ := b.Allow()
	tk, _ := b.Allow()
	b.Done(tk, Failure) // opens: a new generation
	b.Done(stale, Success)
	if b.State() != Open {
		t.Fatalf("state %v: a success of the closed generation moved the open breaker", b.State())
	}
}
