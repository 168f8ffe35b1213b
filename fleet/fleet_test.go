package fleet

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/internal/fleetlink"
	"github.com/rebound-go/rebound/ratelimit"
)

// fakeStore answers every Sync with the view it is given, or an error,
// and keeps the reports it got.
type fakeStore struct {
	mu      sync.Mutex
	view    View
	err     error
	reports [][]Report
}

func (s *fakeStore) Sync(_ context.Context, _ string, reports []Report, views []View) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reports = append(s.reports, append([]Report(nil), reports...))
	if s.err != nil {
		return s.err
	}
	for i := range views {
		views[i] = s.view
	}
	return nil
}

func (s *fakeStore) set(v View, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.view, s.err = v, err
}

// last returns the latest report and how many syncs there were.
func (s *fakeStore) last() (Report, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reports) == 0 || len(s.reports[len(s.reports)-1]) == 0 {
		return Report{}, len(s.reports)
	}
	r := s.reports[len(s.reports)-1]
	return r[0], len(s.reports)
}

const tick = 100 * time.Millisecond

// step lets the fleet make its next sync and settle.
func step() {
	time.Sleep(tick)
	synctest.Wait()
}

// soon lets a kicked sync happen: at most an eighth of an interval after
// the previous sync, long before the next tick.
func soon() {
	time.Sleep(tick / 8)
	synctest.Wait()
}

func TestSettingsValidation(t *testing.T) {
	st := &fakeStore{}
	tests := []struct {
		name string
		s    Settings
		want string
	}{
		{"no store", Settings{}, "Store"},
		{"negative interval", Settings{Store: st, Interval: -1}, "Interval"},
		{"negative timeout", Settings{Store: st, Timeout: -1}, "Timeout"},
		{"timeout past interval", Settings{Store: st, Interval: tick, Timeout: 2 * tick}, "Timeout"},
		{"negative lease", Settings{Store: st, Lease: -1}, "Lease"},
		{"negative burst", Settings{Store: st, RetryBurst: -1}, "RetryBurst"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.s); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want an error naming %s", err, tt.want)
			}
		})
	}
	s := Settings{Store: st}
	if err := s.validate(); err != nil || s.Interval != 100*time.Millisecond || s.Timeout != 50*time.Millisecond ||
		s.Lease != time.Second || s.RetryBurst != 100 {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
}

func TestRule(t *testing.T) {
	tests := []struct {
		name string
		s    breaker.Settings
		want Rule
	}{
		{"defaults", breaker.Settings{}, Rule{5 * time.Second, 50, 100, 100, 0.5, 5 * time.Second, time.Second}},
		{"consecutive only", breaker.Settings{ConsecutiveFailures: 5}, Rule{5 * time.Second, 50, 5, 5, 1, 5 * time.Second, time.Second}},
		{"small count window", breaker.Settings{WindowSize: 20}, Rule{5 * time.Second, 50, 20, 20, 0.5, 5 * time.Second, time.Second}},
		{"time window", breaker.Settings{WindowDuration: time.Minute, WindowBuckets: 6, MinimumCalls: 30, FailureRate: 0.25, OpenTimeout: time.Second},
			Rule{time.Minute, 6, 0, 30, 0.25, time.Second, time.Second}},
		{"time window, default buckets", breaker.Settings{WindowDuration: time.Minute, ConsecutiveFailures: 3},
			Rule{time.Minute, 10, 0, 3, 1, 5 * time.Second, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newRule(tt.s, time.Second); got != tt.want {
				t.Fatalf("newRule = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// newMember makes a fleet on st and a member for host "h" with a
// breaker wired as rebound wires it.
func newMember(t *testing.T, st Store, bs breaker.Settings, g Guards) (*Fleet, *Member, *breaker.Breaker) {
	t.Helper()
	f, err := New(Settings{Store: st, Interval: tick})
	if err != nil {
		t.Fatal(err)
	}
	var m *Member
	bs.OnStateChange = func(_ string, from, to breaker.State) { m.BreakerChanged(from, to) }
	b, err := breaker.New(bs)
	if err != nil {
		t.Fatal(err)
	}
	g.Breaker, g.BreakerSettings = b, bs
	m = f.Join("h", g)
	return f, m, b
}

func TestBreakerFollowsTheFleet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &fakeStore{}
		f, _, b := newMember(t, st, breaker.Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second}, Guards{})
		defer f.Close()

		st.set(View{Breaker: BreakerView{OpenFor: 2 * time.Second}}, nil)
		step()
		if !f.Stats().Connected || b.State() != breaker.Open || fleetlink.DriveBreaker(b).OpenRemaining() < time.Second {
			t.Fatalf("fleet open: connected %v, breaker %v for %v", f.Stats().Connected, b.State(), fleetlink.DriveBreaker(b).OpenRemaining())
		}
		st.set(View{Breaker: BreakerView{HalfOpen: true}}, nil)
		time.Sleep(2 * time.Second) // the local period ends: half-open, gated
		step()
		if _, err := b.Allow(); !errors.Is(err, breaker.ErrCircuitOpen) || b.State() != breaker.HalfOpen {
			t.Fatalf("half-open without the lease: %v in %v, want a refusal in half-open", err, b.State())
		}
		if r, _ := st.last(); !r.Breaker.WantProbe {
			t.Fatalf("half-open: report %+v does not ask for the lease", r.Breaker)
		}
		st.set(View{Breaker: BreakerView{HalfOpen: true, Probe: true}}, nil)
		step()
		probe, err := b.Allow()
		if err != nil {
			t.Fatalf("with the lease: %v", err)
		}
		_, n := st.last()
		b.Done(probe, breaker.Success) // closes, and syncs at once
		soon()
		if r, m := st.last(); m != n+1 || !r.Breaker.Closed {
			t.Fatalf("after the probe closed it: %d syncs (want %d), report %+v", m, n+1, r.Breaker)
		}
	})
}

func TestBreakerTripSyncsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &fakeStore{}
		f, _, b := newMember(t, st, breaker.Settings{ConsecutiveFailures: 1, OpenTimeout: 3 * time.Second}, Guards{})
		defer f.Close()
		step()
		_, n := st.last()
		tk, _ := b.Allow()
		b.Done(tk, breaker.Failure)
		soon() // no tick has passed
		r, m := st.last()
		if m != n+1 || r.Breaker.Tripped < 3*time.Second-tick/8 || r.Breaker.Calls != 1 || r.Breaker.Failures != 1 {
			t.Fatalf("after a trip: %d syncs (want %d), report %+v", m, n+1, r.Breaker)
		}
		step() // the fleet (the fake) says closed; the trip was reported: Reset
		if b.State() != breaker.Closed {
			t.Fatalf("fleet closed, breaker %v", b.State())
		}
		// A trip whose report fails is reported again, and not undone.
		st.set(View{}, errors.New("store down"))
		tk, _ = b.Allow()
		b.Done(tk, breaker.Failure)
		soon()
		st.set(View{}, nil)
		step()
		if r, _ := st.last(); r.Breaker.Tripped <= 0 {
			t.Fatalf("after a failed sync, report %+v lost the trip", r.Breaker)
		}
	})
}

func TestFallbackWhenTheStoreFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &fakeStore{}
		inner := &countingBudget{allow: true}
		var errs []error
		f, err := New(Settings{Store: st, Interval: tick, OnError: func(err error) { errs = append(errs, err) }})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		bs := breaker.Settings{ConsecutiveFailures: 1, OpenTimeout: time.Second}
		b, _ := breaker.New(bs)
		m := f.Join("h", Guards{Breaker: b, BreakerSettings: bs, Budget: inner})
		st.set(View{Breaker: BreakerView{HalfOpen: true}}, nil)
		step()
		if b.State() != breaker.Open { // held open while the fleet is half-open
			t.Fatalf("breaker %v, want open", b.State())
		}
		if m.Budget().Allow() { // connected: no token leased
			t.Fatal("a retry without a leased token")
		}
		st.set(View{}, errors.New("store down"))
		step()
		if f.Stats().Connected || len(errs) != 1 || f.Stats().Failures != 1 {
			t.Fatalf("connected %v, errors %v, stats %+v", f.Stats().Connected, errs, f.Stats())
		}
		if !m.Budget().Allow() || inner.allows != 1 {
			t.Fatal("disconnected: the local budget did not decide")
		}
		time.Sleep(time.Second) // the breaker's own period ends: it probes alone
		synctest.Wait()
		if _, err := b.Allow(); err != nil {
			t.Fatalf("disconnected half-open refused a probe: %v", err)
		}
	})
}

// countingBudget is a local budget that says allow, and counts.
type countingBudget struct {
	mu     sync.Mutex
	allow  bool
	allows int
	dones  int
}

func (c *countingBudget) Allow() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.allows++
	return c.allow
}

func (c *countingBudget) Done(retry, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dones++
}

func TestLeasedBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &fakeStore{}
		f, err := New(Settings{Store: st, Interval: tick, RetryBurst: 50})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		inner := &countingBudget{allow: true}
		m := f.Join("h", Guards{Budget: inner})
		bud := m.Budget()
		for range 10 {
			bud.Done(false, true) // ten first attempts
		}
		bud.Done(true, false) // a retry: not a first attempt
		st.set(View{Granted: 2}, nil)
		step()
		r, _ := st.last()
		if r.Budget.Deposit != 10*defaultShare || r.Budget.Want != 4 || r.Budget.Burst != 50 || !r.Budget.On {
			t.Fatalf("report %+v, want a deposit of 10 × %v, 4 wanted, burst 50", r.Budget, defaultShare)
		}
		st.set(View{}, nil)
		if !bud.Allow() || !bud.Allow() || bud.Allow() {
			t.Fatal("want exactly the two leased tokens")
		}
		if inner.allows != 0 || inner.dones != 11 {
			t.Fatalf("inner: %d allows, %d dones; want 0 and 11", inner.allows, inner.dones)
		}
		step()
		if r, _ := st.last(); r.Budget.Want != 4 {
			t.Fatalf("want %d after spending 2, want 4", r.Budget.Want)
		}
		if n := testing.AllocsPerRun(100, func() { bud.Allow(); bud.Done(false, true) }); n != 0 {
			t.Fatalf("%v allocations per call", n)
		}
	})
}

// TestLeasedBudgetPaysAdaptiveShare: a budget.Adaptive pays its own share
// of each first attempt into the fleet's bucket, not the default.
func TestLeasedBudgetPaysAdaptiveShare(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &fakeStore{}
		f, err := New(Settings{Store: st, Interval: tick})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		inner, err := budget.NewAdaptive(budget.AdaptiveSettings{})
		if err != nil {
			t.Fatal(err)
		}
		bud := f.Join("h", Guards{Budget: inner}).Budget()
		for range 10 {
			bud.Done(false, true) // ten first attempts that succeed: the share is the ceiling, 0.5
		}
		step()
		if r, _ := st.last(); r.Budget.Deposit != 5 {
			t.Fatalf("report %+v, want a deposit of 10 × 0.5", r.Budget)
		}
	})
}

func TestPacerSharesTheQuota(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &fakeStore{}
		f, err := New(Settings{Store: st, Interval: tick})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		p := &ratelimit.Pacer{}
		f.Join("h", Guards{Pacer: p})
		p.Update(ratelimit.Info{Limit: 100, Remaining: 60, Reset: time.Now().Add(2 * time.Second)})
		// The fleet knows less is left: 10 of 100 for two processes.
		st.set(View{Pace: PaceView{Known: true, Limit: 100, Remaining: 10, Reset: time.Second}, Instances: 2}, nil)
		step()
		r, _ := st.last()
		if !r.Pace.Seen || r.Pace.Limit != 100 || r.Pace.Remaining != 60 || r.Pace.Reset != 1900*time.Millisecond { // reported a tick later
			t.Fatalf("report %+v, want what the server said", r.Pace)
		}
		// This process's share: 5 left of 50, over the second to the reset.
		var waits []time.Duration
		for range 6 {
			w, _ := p.Reserve(time.Now())
			waits = append(waits, w)
		}
		if waits[0] != 0 || waits[1] <= 0 || waits[5] < 900*time.Millisecond {
			t.Fatalf("waits %v, want 5 requests spread over the second, the sixth at the reset", waits)
		}
		step()
		if r, _ := st.last(); r.Pace.Seen {
			t.Fatal("the fleet's share was reported as the server's")
		}
	})
}

func TestLeaveAndClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &fakeStore{}
		f, err := New(Settings{Store: st, Interval: tick})
		if err != nil {
			t.Fatal(err)
		}
		m := f.Join("h", Guards{Pacer: &ratelimit.Pacer{}})
		step()
		if _, n := st.last(); n != 1 || f.Stats().Hosts != 1 {
			t.Fatalf("%d syncs, stats %+v", n, f.Stats())
		}
		m.Leave()
		m.Leave()
		step()
		if _, n := st.last(); n != 1 || f.Stats().Hosts != 0 {
			t.Fatalf("after Leave: %d syncs (nothing to sync), stats %+v", n, f.Stats())
		}
		f.Close()
		f.Close()
		if f.Stats().Connected {
			t.Fatal("connected after Close")
		}
	})
}

var _ budget.Budget = (*leased)(nil)

// notifyingStore is a fakeStore that is also a Notifier: notify() makes
// every Fleet watching it sync.
type notifyingStore struct {
	fakeStore
	ch      chan struct{}
	watches int
}

func (s *notifyingStore) Watch(ctx context.Context, changed func()) error {
	s.mu.Lock()
	s.watches++
	first := s.watches == 1
	s.mu.Unlock()
	if first {
		return errors.New("subscription refused") // the Fleet watches again an interval later
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.ch:
			changed()
		}
	}
}

func TestNotifierMakesTheFleetSyncAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &notifyingStore{ch: make(chan struct{})}
		var errs []error
		f, err := New(Settings{Store: st, Interval: tick, OnError: func(err error) { errs = append(errs, err) }})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		f.Join("h", Guards{Pacer: &ratelimit.Pacer{}})
		step()
		step()
		if len(errs) != 1 || st.watches != 2 {
			t.Fatalf("errors %v, %d watches; want the refusal, then a second watch", errs, st.watches)
		}
		_, n := st.last()
		st.ch <- struct{}{}
		soon()
		if _, m := st.last(); m != n+1 {
			t.Fatalf("%d syncs after a notification, want %d", m, n+1)
		}
	})
}
