package breaker

import (
	"testing"
	"time"
)

// hotPathSettings are the configurations whose hot paths must not allocate.
var hotPathSettings = []struct {
	name string
	s    Settings
}{
	{"consecutive", Settings{ConsecutiveFailures: 5}},
	{"count-window", Settings{FailureRate: 0.5}},
	{"time-window", Settings{FailureRate: 0.5, WindowDuration: 10 * time.Second}},
	{"slow-calls", Settings{
		FailureRate: 0.5, SlowCallDuration: time.Second, WindowDuration: 10 * time.Second,
	}},
}

// tripped returns a breaker made from s and opened, with a clock that
// never fires its timer.
func tripped(tb testing.TB, s Settings) *Breaker {
	tb.Helper()
	s.clock = newFakeClock()
	b, err := New(s)
	if err != nil {
		tb.Fatal(err)
	}
	b.mu.Lock()
	b.open()
	b.unlock()
	return b
}

func TestHotPathsDoNotAllocate(t *testing.T) {
	for _, c := range hotPathSettings {
		t.Run(c.name, func(t *testing.T) {
			b, err := New(c.s)
			if err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(1000, func() {
				tk, err := b.Allow()
				if err != nil {
					t.Fatal(err)
				}
				b.Done(tk, Success)
			})
			if allocs != 0 {
				t.Errorf("closed Allow+Done: %v allocs, want 0", allocs)
			}
			ws := c.s
			ws.MaxWaiting = 8
			wb, err := New(ws)
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			allocs = testing.AllocsPerRun(1000, func() {
				tk, err := wb.Wait(ctx)
				if err != nil {
					t.Fatal(err)
				}
				wb.Done(tk, Success)
			})
			if allocs != 0 {
				t.Errorf("closed Wait+Done: %v allocs, want 0", allocs)
			}

			b = tripped(t, c.s)
			allocs = testing.AllocsPerRun(1000, func() {
				if _, err := b.Allow(); err != ErrCircuitOpen {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("open Allow: %v allocs, want 0", allocs)
			}
		})
	}
}
