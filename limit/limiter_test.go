package limit_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rebound-go/rebound/limit"
)

// clock is a fake time source for the limiter's measurements.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newLimiter(t testing.TB, s limit.Settings) *limit.Limiter {
	t.Helper()
	l, err := limit.New(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// fill takes tickets with Allow under ctx until it refuses, and returns
// them.
func fill(t *testing.T, l *limit.Limiter, ctx context.Context) []limit.Ticket {
	t.Helper()
	var ts []limit.Ticket
	for {
		tk, err := l.Allow(ctx)
		if errors.Is(err, limit.ErrLimited) {
			return ts
		}
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tk)
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	for _, c := range []struct {
		s    limit.Settings
		want string
	}{
		{limit.Settings{MinLimit: -1}, "limit: MinLimit -1 is negative"},
		{limit.Settings{MaxLimit: -2}, "limit: MaxLimit -2 is negative"},
		{limit.Settings{InitialLimit: -3}, "limit: InitialLimit -3 is negative"},
		{limit.Settings{MaxWait: -time.Second}, "limit: MaxWait -1s is negative"},
		{limit.Settings{MaxWaiting: -4}, "limit: MaxWaiting -4 is negative"},
		{limit.Settings{MinLimit: 10, MaxLimit: 5}, "limit: MaxLimit 5 is below MinLimit 10"},
		{limit.Settings{MinLimit: 2, MaxLimit: 8, InitialLimit: 9}, "limit: InitialLimit 9 is not in [MinLimit 2, MaxLimit 8]"},
		{limit.Settings{MinLimit: 4, InitialLimit: 3}, "limit: InitialLimit 3 is not in [MinLimit 4, MaxLimit 200]"},
	} {
		_, err := limit.New(c.s)
		if err == nil || err.Error() != c.want {
			t.Errorf("New(%+v): %v, want %q", c.s, err, c.want)
		}
	}
}

// A zero field takes its default, brought within the bounds the other
// fields set.
func TestDefaults(t *testing.T) {
	for _, c := range []struct {
		s         limit.Settings
		wantLimit float64
	}{
		{limit.Settings{}, 20},
		{limit.Settings{MaxLimit: 8}, 8},
		{limit.Settings{MinLimit: 300}, 300},
		{limit.Settings{MinLimit: 30}, 30},
	} {
		l := newLimiter(t, c.s)
		if got, _, _ := limit.Estimate(l); got != c.wantLimit {
			t.Errorf("New(%+v): limit %v, want %v", c.s, got, c.wantLimit)
		}
	}
}

// The first window measures the idle latency at half the limit: Allow
// admits 10 of the initial 20, then refuses; Done frees a slot.
func TestAllowUpToTheLimit(t *testing.T) {
	l := newLimiter(t, limit.Settings{})
	ctx := context.Background()
	ts := fill(t, l, ctx)
	if len(ts) != 10 || l.Limit() != len(ts) || l.InFlight() != len(ts) {
		t.Fatalf("admitted %d, Limit %d, InFlight %d; want %d each", len(ts), l.Limit(), l.InFlight(), 10)
	}
	l.Done(ts[0], limit.OutcomeIgnored)
	if _, err := l.Allow(ctx); err != nil {
		t.Errorf("Allow after Done: %v", err)
	}
	if _, err := l.Allow(ctx); !errors.Is(err, limit.ErrLimited) {
		t.Errorf("Allow over the limit: %v, want ErrLimited", err)
	}
}

// Handing a ticket back twice, or a zero or made-up one, changes nothing:
// the count of calls in flight stays right.
func TestDoneOnceOnly(t *testing.T) {
	l := newLimiter(t, limit.Settings{InitialLimit: 4})
	ctx := context.Background()
	a, _ := l.Allow(ctx)
	b, _ := l.Allow(ctx)
	l.Done(a, limit.OutcomeIgnored)
	l.Done(a, limit.OutcomeIgnored) // twice
	l.Done(limit.Ticket{}, limit.OutcomeSuccess)
	c, _ := l.Allow(ctx)            // takes a's slot again
	l.Done(a, limit.OutcomeDropped) // stale: a's slot is c's now
	if got := l.InFlight(); got != 2 {
		t.Fatalf("InFlight %d, want 2 (b and c)", got)
	}
	l.Done(b, limit.OutcomeSuccess)
	l.Done(c, limit.Outcome(42)) // unknown outcome: ignored, slot freed
	if got := l.InFlight(); got != 0 {
		t.Errorf("InFlight %d, want 0", got)
	}
}

func TestDoneContextTakesNothing(t *testing.T) {
	l := newLimiter(t, limit.Settings{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Allow(ctx); err != context.Canceled {
		t.Errorf("Allow: %v, want context.Canceled", err)
	}
	if _, err := l.Wait(ctx); err != context.Canceled {
		t.Errorf("Wait: %v, want context.Canceled", err)
	}
	if got := l.InFlight(); got != 0 {
		t.Errorf("InFlight %d, want 0", got)
	}
}

// Each priority has its ceiling: low 80 % of the limit, normal the
// limit, critical MaxLimit.
func TestPriorityCeilings(t *testing.T) {
	for _, c := range []struct {
		p    limit.Priority
		want int
	}{
		{limit.PriorityLow, 8}, // 80 % of the probe's 10
		{limit.PriorityNormal, 10},
		{limit.PriorityCritical, 50},
		{limit.Priority(-7), 8}, // out of range: low
		{limit.Priority(9), 50}, // out of range: critical
	} {
		l := newLimiter(t, limit.Settings{MaxLimit: 50})
		ctx := limit.WithPriority(context.Background(), c.p)
		if got := len(fill(t, l, ctx)); got != c.want {
			t.Errorf("priority %v: admitted %d, want %d", c.p, got, c.want)
		}
	}
}

func TestPriorityFrom(t *testing.T) {
	ctx := context.Background()
	if got := limit.PriorityFrom(ctx); got != limit.PriorityNormal {
		t.Errorf("no priority: %v, want normal", got)
	}
	for _, p := range []limit.Priority{limit.PriorityLow, limit.PriorityNormal, limit.PriorityCritical} {
		if got := limit.PriorityFrom(limit.WithPriority(ctx, p)); got != p {
			t.Errorf("PriorityFrom(WithPriority(%v)) = %v", p, got)
		}
	}
	names := []string{limit.PriorityLow.String(), limit.PriorityNormal.String(), limit.PriorityCritical.String(), limit.Priority(5).String()}
	if got := strings.Join(names, " "); got != "low normal critical Priority(5)" {
		t.Errorf("names %q", got)
	}
	outcomes := []string{limit.OutcomeSuccess.String(), limit.OutcomeDropped.String(), limit.OutcomeIgnored.String(), limit.Outcome(7).String()}
	if got := strings.Join(outcomes, " "); got != "success dropped ignored Outcome(7)" {
		t.Errorf("outcomes %q", got)
	}
}

func TestNoAllocsOnAdmission(t *testing.T) {
	// The clock stands still, so the limit can only grow: a low call
	// always fits.
	l := newLimiter(t, limit.Settings{InitialLimit: 4, MaxLimit: 4, Now: newClock().Now})
	ctx := limit.WithPriority(context.Background(), limit.PriorityLow)
	// Warm up: the slot table grows with the first calls.
	ts := fill(t, l, context.Background())
	for _, tk := range ts {
		l.Done(tk, limit.OutcomeSuccess)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		a, _ := l.Allow(ctx)
		b, _ := l.Wait(ctx)
		c, _ := l.Allow(context.Background())
		d, _ := l.Allow(context.Background())
		if _, err := l.Allow(context.Background()); err == nil {
			panic("a fifth call in flight") // t.Fatal would leave AllocsPerRun's state behind
		}
		l.Done(a, limit.OutcomeSuccess)
		l.Done(b, limit.OutcomeSuccess)
		l.Done(c, limit.OutcomeIgnored)
		l.Done(d, limit.OutcomeSuccess)
		l.Done(a, limit.OutcomeSuccess) // stale
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}
