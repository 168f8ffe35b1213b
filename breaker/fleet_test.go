package breaker

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/rebound-go/rebound/internal/fleetlink"
)

func newFleetBreaker(t *testing.T, clock *fakeClock, s Settings) *Breaker {
	t.Helper()
	s.clock = clock
	b, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTakeCounts(t *testing.T) {
	b := newFleetBreaker(t, newFakeClock(), Settings{})
	for _, o := range []Outcome{Success, Failure, Ignore, Failure, Success} {
		tk, err := b.Allow()
		if err != nil {
			t.Fatal(err)
		}
		b.Done(tk, o)
	}
	b.Done(Ticket{}, Failure) // an earlier generation's: not counted
	if c, f := fleetOf(b).TakeCounts(); c != 4 || f != 2 {
		t.Fatalf("TakeCounts = %d, %d; want 4, 2", c, f)
	}
	if c, f := fleetOf(b).TakeCounts(); c != 0 || f != 0 {
		t.Fatalf("second TakeCounts = %d, %d; want 0, 0", c, f)
	}
}

func TestHoldOpen(t *testing.T) {
	s := Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second}
	tests := []struct {
		name  string
		trip  bool          // trip the breaker itself first
		hold  time.Duration // then HoldOpen this long
		after time.Duration // then advance the clock this much
		want  State
		left  time.Duration // OpenRemaining then
	}{
		{"closed, held 3 s, 2 s later", false, 3 * time.Second, 2 * time.Second, Open, time.Second},
		{"closed, held 3 s, 3 s later", false, 3 * time.Second, 3 * time.Second, HalfOpen, 0},
		{"tripped for 1 s, held 3 s, 2 s later", true, 3 * time.Second, 2 * time.Second, Open, time.Second},
		{"tripped for 1 s, held 3 s, 3 s later", true, 3 * time.Second, 3 * time.Second, HalfOpen, 0},
		{"tripped for 1 s, held shorter", true, 500 * time.Millisecond, time.Second, HalfOpen, 0},
		{"held for nothing", false, 0, 0, Closed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			b := newFleetBreaker(t, clock, s)
			if tt.trip {
				tk, _ := b.Allow()
				b.Done(tk, Failure)
			}
			fleetOf(b).HoldOpen(tt.hold)
			clock.advance(tt.after)
			if got := b.State(); got != tt.want {
				t.Fatalf("state %v, want %v", got, tt.want)
			}
			if got := fleetOf(b).OpenRemaining(); got != tt.left {
				t.Fatalf("OpenRemaining %v, want %v", got, tt.left)
			}
		})
	}
}

func TestHoldOpenFromHalfOpen(t *testing.T) {
	clock := newFakeClock()
	b := newFleetBreaker(t, clock, Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second})
	tk, _ := b.Allow()
	b.Done(tk, Failure)
	clock.advance(time.Second)
	probe, err := b.Allow()
	if err != nil || b.State() != HalfOpen {
		t.Fatalf("probe: %v in %v", err, b.State())
	}
	fleetOf(b).HoldOpen(2 * time.Second) // another process's probe failed
	b.Done(probe, Success)               // an earlier generation's: ignored
	if b.State() != Open || fleetOf(b).OpenRemaining() != 2*time.Second {
		t.Fatalf("state %v with %v left, want open with 2s", b.State(), fleetOf(b).OpenRemaining())
	}
}

func TestGateProbes(t *testing.T) {
	clock := newFakeClock()
	b := newFleetBreaker(t, clock, Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second})
	fleetOf(b).GateProbes(true)
	tk, _ := b.Allow()
	b.Done(tk, Failure)
	clock.advance(time.Second)
	if _, err := b.Allow(); !errors.Is(err, ErrCircuitOpen) || b.State() != HalfOpen {
		t.Fatalf("gated half-open: %v in %v, want ErrCircuitOpen in half-open", err, b.State())
	}
	fleetOf(b).GateProbes(false) // this process holds the lease
	probe, err := b.Allow()
	if err != nil {
		t.Fatalf("ungated half-open refused the probe: %v", err)
	}
	if _, err := b.Allow(); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("second probe: %v, want ErrCircuitOpen (one probe slot)", err)
	}
	b.Done(probe, Success)
	if b.State() != Closed {
		t.Fatalf("state %v after a good probe, want closed", b.State())
	}
}

func TestGateProbesReleasesAWaiter(t *testing.T) {
	clock := newFakeClock()
	b := newFleetBreaker(t, clock, Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second, MaxWaiting: 1, MaxWait: time.Hour})
	fleetOf(b).GateProbes(true)
	tk, _ := b.Allow()
	b.Done(tk, Failure)
	got := make(chan error, 1)
	go func() {
		tk, err := b.Wait(context.Background())
		if err == nil {
			b.Done(tk, Success)
		}
		got <- err
	}()
	for b.Counts().Waiting == 0 { // until the waiter is parked
		runtime.Gosched()
	}
	clock.advance(time.Second)
	if b.State() != HalfOpen || b.Counts().Waiting != 1 {
		t.Fatalf("gated: %v with %d waiting, want half-open with 1", b.State(), b.Counts().Waiting)
	}
	fleetOf(b).GateProbes(false)
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}
	if b.State() != Closed {
		t.Fatalf("state %v, want closed", b.State())
	}
}

func TestReset(t *testing.T) {
	clock := newFakeClock()
	b := newFleetBreaker(t, clock, Settings{ConsecutiveFailures: 2, OpenTimeout: time.Second})
	fleetOf(b).Reset() // closed: nothing
	for range 2 {
		tk, _ := b.Allow()
		b.Done(tk, Failure)
	}
	if b.State() != Open {
		t.Fatalf("state %v, want open", b.State())
	}
	fleetOf(b).Reset()
	if b.State() != Closed || b.Counts().ConsecutiveFailures != 0 {
		t.Fatalf("after Reset: %v, %+v", b.State(), b.Counts())
	}
	clock.advance(time.Second) // the old period's timer finds a new generation
	if b.State() != Closed {
		t.Fatalf("state %v after the old timer, want closed", b.State())
	}
}

func TestFleetMethodsDoNotAllocate(t *testing.T) {
	b := newFleetBreaker(t, newFakeClock(), Settings{})
	if n := testing.AllocsPerRun(100, func() {
		tk, _ := b.Allow()
		b.Done(tk, Success)
		fleetOf(b).TakeCounts()
		fleetOf(b).SetFailureAlarm(100, 0.5, func() {})
		fleetOf(b).GateProbes(true)
		fleetOf(b).GateProbes(false)
		_ = fleetOf(b).OpenRemaining()
	}); n != 0 {
		t.Fatalf("%v allocations, want 0", n)
	}
}

func TestFailureAlarm(t *testing.T) {
	b := newFleetBreaker(t, newFakeClock(), Settings{})
	rang := 0
	fleetOf(b).SetFailureAlarm(3, 0.5, func() { rang++ })
	report := func(outcomes ...Outcome) {
		for _, o := range outcomes {
			tk, _ := b.Allow()
			b.Done(tk, o)
		}
	}
	report(Failure, Success, Success, Failure, Success, Failure) // 3 of 6: rings
	if rang != 1 {
		t.Fatalf("rang %d times at 3 failures of 6, want 1", rang)
	}
	report(Failure, Failure)
	if rang != 1 {
		t.Fatalf("rang %d times before TakeCounts, want once", rang)
	}
	fleetOf(b).TakeCounts()
	report(Success, Success, Success, Failure, Failure, Failure, Success) // 3 of 6 when the third failure comes
	if rang != 2 {
		t.Fatalf("rang %d times, want 2", rang)
	}
	fleetOf(b).TakeCounts()
	report(Success, Success, Success, Success, Failure, Failure, Failure) // 3 of 7: under the rate
	if rang != 2 {
		t.Fatalf("rang at 3 failures of 7 with a rate of 0.5")
	}
	fleetOf(b).SetFailureAlarm(0, 0, nil)
	fleetOf(b).TakeCounts()
	report(Failure, Failure, Failure)
	if rang != 2 {
		t.Fatal("rang while off")
	}
}

// fleetOf is b as package fleet drives it.
func fleetOf(b *Breaker) fleetlink.Breaker { return fleetlink.DriveBreaker(b) }
