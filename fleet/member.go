package fleet

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/internal/fleetlink"
	"github.com/rebound-go/rebound/ratelimit"
)

// Guards are one host's guards that a Fleet shares; each nil when off.
type Guards struct {
	// Breaker is the host's breaker, and BreakerSettings the settings it
	// was made with (for the fleet-wide Rule). The breaker's
	// OnStateChange must call Member.BreakerChanged.
	Breaker         *breaker.Breaker
	BreakerSettings breaker.Settings
	// Budget is the host's local retry budget: it learns the share of
	// traffic retries may take, and decides alone while the fleet is
	// disconnected. Use the budget Member.Budget returns in its place.
	Budget budget.Budget
	// Pacer is the host's pacer: what the server tells it is shared, and
	// it paces on its share of the fleet's quota.
	Pacer *ratelimit.Pacer
}

// A Member is one host's guards in a Fleet. Its methods are safe for
// concurrent use.
type Member struct {
	f      *Fleet
	key    string
	brk    *breaker.Breaker // nil: no breaker
	link   fleetlink.Breaker
	rule   Rule
	budget *leased
	pacer  fleetlink.Pacer // nil: no pacer

	kick   func() // f.poke, made once
	alarmN int    // the breaker's failure alarm, as last set; owned by the loop

	tripped atomic.Bool // the breaker opened by itself since the last report
	closed  atomic.Bool // the breaker's probes, on the fleet's lease, closed it
	probe   atomic.Bool // this process holds the fleet's probe lease
	holding atomic.Bool // the Fleet itself is changing the breaker's state
}

// Join makes key's guards g part of the fleet, from the next sync on,
// until Leave. Several members may share a key (several Transports that
// call one host): their reports add up.
func (f *Fleet) Join(key string, g Guards) *Member {
	m := &Member{f: f, key: key, brk: g.Breaker, kick: f.poke}
	if g.Breaker != nil {
		m.link = fleetlink.DriveBreaker(g.Breaker)
		m.rule = newRule(g.BreakerSettings, f.s.Lease)
		m.setAlarm(1)
	}
	if g.Pacer != nil {
		m.pacer = fleetlink.PacerOf(g.Pacer)
	}
	if g.Budget != nil {
		m.budget = newLeased(g.Budget)
	}
	f.mu.Lock()
	f.members[m] = struct{}{}
	f.mu.Unlock()
	return m
}

// Leave takes the member out of the fleet: its guards are local from now
// on. Leave is idempotent.
func (m *Member) Leave() {
	m.f.mu.Lock()
	delete(m.f.members, m)
	m.f.mu.Unlock()
	m.local()
}

// Budget returns the retry budget to use for the host: Guards.Budget's
// decisions while the fleet is disconnected, and tokens leased from the
// fleet's bucket while it is connected. Nil when Guards.Budget was nil.
func (m *Member) Budget() budget.Budget {
	if m.budget == nil {
		return nil
	}
	return m.budget
}

// BreakerChanged must be called by the breaker's OnStateChange: a breaker
// that opens by itself makes the Fleet sync at once, so the fleet's
// breaker opens within one round trip, and one that its leased probes
// closed closes the fleet's.
func (m *Member) BreakerChanged(from, to breaker.State) {
	if m.holding.Load() {
		return // the fleet's own doing
	}
	switch {
	case to == breaker.Open:
		m.tripped.Store(true)
		m.f.poke()
	case to == breaker.Closed && from == breaker.HalfOpen && m.probe.Load():
		m.closed.Store(true)
		m.f.poke()
	}
}

// report is what the member tells the fleet at now.
func (m *Member) report(now time.Time, interval time.Duration) Report {
	r := Report{Key: m.key, Interval: interval}
	if m.brk != nil {
		c, f := m.link.TakeCounts()
		r.Breaker = BreakerReport{On: true, Calls: c, Failures: f, Rule: m.rule,
			Closed: m.closed.Swap(false), WantProbe: m.brk.State() == breaker.HalfOpen}
		if m.tripped.Swap(false) {
			r.Breaker.Tripped = m.link.OpenRemaining()
		}
	}
	if m.budget != nil {
		r.Budget = m.budget.report(m.f.s.RetryBurst)
	}
	if m.pacer != nil {
		r.Pace = PaceReport{On: true, Limit: -1, Remaining: -1}
		if limit, remaining, reset, ok := m.pacer.TakeReported(); ok {
			r.Pace.Seen, r.Pace.Limit, r.Pace.Remaining = true, limit, remaining
			if !reset.IsZero() {
				r.Pace.Reset = max(reset.Sub(now), 0)
			}
		}
	}
	return r
}

// unreport keeps the news of r that must reach the fleet, a trip or a
// close, for the next report: r's Sync failed.
func (m *Member) unreport(r *Report) {
	if r.Breaker.Tripped > 0 {
		m.tripped.Store(true)
	}
	if r.Breaker.Closed {
		m.closed.Store(true)
	}
}

// apply brings the member's guards to the fleet's view v, received at now.
func (m *Member) apply(v View, now time.Time) {
	if m.brk != nil {
		m.applyBreaker(v.Breaker)
		m.setAlarm(max(v.Instances, 1))
	}
	if m.budget != nil {
		m.budget.grant(v.Granted)
	}
	if m.pacer != nil && v.Pace.Known {
		n := max(v.Instances, 1)
		limit, remaining, reset := -1, -1, time.Time{}
		if v.Pace.Limit >= 0 {
			limit = (v.Pace.Limit + n - 1) / n
		}
		if v.Pace.Remaining >= 0 {
			remaining = v.Pace.Remaining / n
		}
		if v.Pace.Reset > 0 {
			reset = now.Add(v.Pace.Reset)
		}
		m.pacer.Share(limit, remaining, reset)
	}
}

// applyBreaker follows the fleet's breaker: open while it is open; in
// half-open, probing only with the lease; closed when it closed.
func (m *Member) applyBreaker(v BreakerView) {
	b := m.link
	switch {
	case v.OpenFor > 0:
		m.probe.Store(false)
		b.GateProbes(true)
		if v.OpenFor-b.OpenRemaining() > time.Millisecond {
			m.hold(func() { b.HoldOpen(v.OpenFor) })
		}
	case v.HalfOpen:
		m.probe.Store(v.Probe)
		b.GateProbes(!v.Probe)
		if m.brk.State() == breaker.Closed {
			// A breaker that missed the fleet's open period: half-open
			// with the others, soon.
			d := m.f.s.Interval
			if v.Probe {
				d = time.Millisecond
			}
			m.hold(func() { b.HoldOpen(d) })
		}
	default: // the fleet's breaker is closed
		m.probe.Store(false)
		b.GateProbes(false)
		if m.brk.State() != breaker.Closed && !m.tripped.Load() {
			m.hold(b.Reset)
		}
	}
}

// setAlarm has the breaker sync the fleet early once this process has
// seen a quarter of its share of the failures that trip the fleet's
// breaker: the rule's minimum calls times its failure rate, over the
// processes calling the host, over four. Reports then reach the store
// sooner than the interval when failures dominate, and only then (at most
// one sync per eighth of an interval).
func (m *Member) setAlarm(instances int) {
	need := float64(m.rule.MinimumCalls) * m.rule.FailureRate
	n := max(int(math.Ceil(need/float64(4*instances))), 1)
	if n != m.alarmN {
		m.alarmN = n
		m.link.SetFailureAlarm(n, m.rule.FailureRate, m.kick)
	}
}

// hold runs f, a change of the breaker's state that the fleet makes,
// without BreakerChanged taking it for the breaker's own.
func (m *Member) hold(f func()) {
	m.holding.Store(true)
	defer m.holding.Store(false)
	f()
}

// local turns the member's guards to local decisions: the fleet is
// disconnected or the member left it.
func (m *Member) local() {
	m.probe.Store(false)
	if m.brk != nil {
		m.link.GateProbes(false)
	}
	if m.budget != nil {
		m.budget.shared.Store(false)
	}
}
