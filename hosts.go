package rebound

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/fleet"
	"github.com/rebound-go/rebound/internal/hedgeplan"
	"github.com/rebound-go/rebound/ratelimit"
	"github.com/rebound-go/rebound/throttle"
)

// defaultMaxHosts is how many hosts a Transport keeps guards for when
// Config.MaxHosts is zero.
const defaultMaxHosts = 1024

// hostTable keeps one set of guards per host (or per Config.Key), made on
// a host's first call. It remembers at most max hosts: when a new host
// would pass that, the hosts not called since the previous look are
// forgotten, in the way of the CLOCK (second chance) page-replacement
// algorithm, until a quarter of the room is free. A forgotten host that
// comes back starts afresh: closed breaker, new budget.
type hostTable struct {
	key   func(*http.Request) string
	make  func(key string) (*guards, *fleet.Member) // the member nil without a fleet
	max   int
	hosts sync.Map               // key → *guards
	last  atomic.Pointer[guards] // the host found last: most Transports call one host

	// counting turns on the count of each host's attempts in flight, at
	// the first Transport.Hosts: until somebody looks, nobody pays for it.
	counting atomic.Bool

	mu      sync.Mutex // serialises inserts and sweeps
	n       int
	members map[string]*fleet.Member // with Config.Fleet: each host's place in the fleet
}

// get returns the guards of req's host, making them on first use.
func (h *hostTable) get(req *http.Request) *guards {
	key := h.key(req)
	g := h.last.Load()
	if g == nil || g.key != key {
		g = h.find(key)
		h.remember(key, g)
	}
	if !g.used.Load() { // a load first: most calls find it set, and a store would bounce the cache line
		g.used.Store(true)
	}
	return g
}

// find returns the guards of key, making them if the table has none.
func (h *hostTable) find(key string) *guards {
	if v, ok := h.hosts.Load(key); ok {
		return v.(*guards)
	}
	return h.insert(key)
}

// remember makes g, found for key, the last host found. A sweep may have
// forgotten g since find, and its CompareAndSwap found last not yet g:
// so remember looks again after its store, and last never keeps guards
// the table no longer holds (either the sweep's delete comes before that
// look, or its CompareAndSwap after the store).
func (h *hostTable) remember(key string, g *guards) {
	h.last.Store(g)
	if v, ok := h.hosts.Load(key); !ok || v != g {
		h.last.CompareAndSwap(g, nil)
	}
}

func (h *hostTable) insert(key string) *guards {
	h.mu.Lock()
	defer h.mu.Unlock()
	if v, ok := h.hosts.Load(key); ok {
		return v.(*guards)
	}
	if h.max > 0 && h.n >= h.max {
		h.sweep()
	}
	g, m := h.make(key)
	if m != nil {
		h.members[key] = m
	}
	g.used.Store(true)
	h.hosts.Store(key, g)
	h.n++
	return g
}

// sweep forgets hosts until at most three quarters of max remain: first
// those not called since the last sweep, then, on a second pass, those
// whose second chance the first pass used up. h.mu is held.
func (h *hostTable) sweep() {
	target := h.max * 3 / 4
	for pass := 0; pass < 2 && h.n > target; pass++ {
		h.hosts.Range(func(k, v any) bool {
			g := v.(*guards)
			if g.used.Swap(false) {
				return true
			}
			h.hosts.Delete(k)
			h.last.CompareAndSwap(g, nil)
			h.n--
			if m := h.members[k.(string)]; m != nil {
				m.Leave()
				delete(h.members, k.(string))
			}
			return h.n > target
		})
	}
}

// newHostTable returns nil when no per-host guard is configured. cfg has
// been validated; the settings it points to are copied, so that the
// caller cannot change them.
func newHostTable(cfg *Config, shared *guards) (*hostTable, error) {
	adaptiveHedge := cfg.Hedge != nil && cfg.Hedge.Percentile > 0
	if cfg.Budget == nil && cfg.Breaker == nil && cfg.Throttle == nil && cfg.Bulkhead == nil && !adaptiveHedge && cfg.Pace == nil &&
		cfg.Limit == nil && cfg.LearnRate == nil {
		// Nothing per host: the shared guards (timeouts, hedging, rate
		// limit) serve every call.
		return nil, nil
	}
	h := &hostTable{key: cfg.Key, max: cfg.MaxHosts}
	if h.key == nil {
		h.key = func(r *http.Request) string { return r.URL.Host }
	}
	if h.max == 0 {
		h.max = defaultMaxHosts
	}
	if cfg.Budget != nil && cfg.Budget() == nil {
		return nil, errorf("Config.Budget returned a nil budget")
	}
	hs := &hostSettings{shared: shared, adaptiveHedge: adaptiveHedge, newBudget: cfg.Budget, onEvent: cfg.OnEvent, fleet: cfg.Fleet, counting: &h.counting}
	var err error
	if hs.breaker, err = copied(cfg.Breaker, accepted(breaker.New)); err != nil {
		return nil, err
	}
	if hs.throttle, err = copied(cfg.Throttle, accepted(throttle.New)); err != nil {
		return nil, err
	}
	if hs.bulkhead, err = copied(cfg.Bulkhead, accepted(bulkhead.New)); err != nil {
		return nil, err
	}
	if hs.pace, err = copied(cfg.Pace, func(ratelimit.Settings) error { return nil }); err != nil {
		return nil, err
	}
	if hs.addAdaptive, err = adaptiveGuards(cfg); err != nil {
		return nil, err
	}
	if cfg.Fleet != nil {
		h.members = make(map[string]*fleet.Member)
	}
	h.make = hs.guards
	return h, nil
}

// hostSettings are what each host's guards are made from.
type hostSettings struct {
	shared        *guards // the attempt timeouts, hedging and rate limit every host shares
	adaptiveHedge bool
	newBudget     func() budget.Budget
	breaker       *breaker.Settings
	throttle      *throttle.Settings
	bulkhead      *bulkhead.Settings
	pace          *ratelimit.Settings
	addAdaptive   func(*guards)
	onEvent       func(context.Context, Event)
	fleet         *fleet.Fleet
	counting      *atomic.Bool // the table's: count attempts in flight
}

// guards makes the guards of host key, and its place in the fleet.
func (s *hostSettings) guards(key string) (*guards, *fleet.Member) {
	var member atomic.Pointer[fleet.Member] // set once the breaker is made
	sh := s.shared
	g := &guards{key: key, counting: s.counting, timeout: sh.timeout, fraction: sh.fraction, hedge: sh.hedge, limiter: sh.limiter}
	if s.adaptiveHedge {
		g.latencies = new(hedgeplan.Latencies)
	}
	if s.pace != nil {
		g.pacer = &ratelimit.Pacer{Settings: *s.pace}
	}
	if s.newBudget != nil {
		g.budget = s.newBudget()
	}
	if s.breaker != nil {
		bs := breakerSettings(*s.breaker, key, s.onEvent)
		if s.fleet != nil {
			bs = fleetHook(bs, &member)
		}
		g.breaker, _ = breaker.New(bs) // validated by newHostTable
		g.rideOut = s.breaker.MaxWaiting > 0
	}
	if s.throttle != nil {
		g.throttle, _ = throttle.New(*s.throttle)
	}
	if s.bulkhead != nil {
		g.bulkhead, _ = bulkhead.New(*s.bulkhead)
	}
	s.addAdaptive(g)
	g.admits = g.bulkhead != nil || g.limiter != nil || g.pacer != nil || g.breaker != nil || g.throttle != nil ||
		g.limit != nil || g.learnt != nil
	return g, joinFleet(s.fleet, key, g, s.breaker, &member)
}

// copied returns a copy of *s, or nil for nil, once validate accepts it.
func copied[S any](s *S, validate func(S) error) (*S, error) {
	if s == nil {
		return nil, nil
	}
	c := *s
	if err := validate(c); err != nil {
		return nil, err
	}
	return &c, nil
}

// accepted turns a constructor into a validation of its settings.
func accepted[S, T any](newT func(S) (T, error)) func(S) error {
	return func(s S) error {
		_, err := newT(s)
		return err
	}
}

// joinFleet makes a host's breaker, budget and pacer members of fl, and
// has g spend the fleet's budget; nil when there is no fleet or nothing
// to share. bs are the breaker's settings; member is where the breaker's
// hook finds its member.
func joinFleet(fl *fleet.Fleet, key string, g *guards, bs *breaker.Settings, member *atomic.Pointer[fleet.Member]) *fleet.Member {
	if fl == nil || (g.breaker == nil && g.budget == nil && g.pacer == nil) {
		return nil
	}
	fg := fleet.Guards{Breaker: g.breaker, Budget: g.budget, Pacer: g.pacer}
	if bs != nil {
		fg.BreakerSettings = *bs
	}
	m := fl.Join(key, fg)
	member.Store(m)
	if b := m.Budget(); b != nil {
		g.budget = b
	}
	return m
}

// fleetHook has a host's breaker tell its fleet member of its changes, so
// that a breaker that trips here opens the fleet's at once.
func fleetHook(s breaker.Settings, member *atomic.Pointer[fleet.Member]) breaker.Settings {
	user := s.OnStateChange
	s.OnStateChange = func(name string, from, to breaker.State) {
		if user != nil {
			user(name, from, to)
		}
		if m := member.Load(); m != nil {
			m.BreakerChanged(from, to)
		}
	}
	return s
}

// breakerSettings names a host's breaker and has it report its changes
// as events.
func breakerSettings(s breaker.Settings, key string, onEvent func(context.Context, Event)) breaker.Settings {
	s.Name = key
	if user := s.OnStateChange; onEvent != nil {
		s.OnStateChange = func(name string, from, to breaker.State) {
			if user != nil {
				user(name, from, to)
			}
			onEvent(context.Background(), Event{Kind: EventBreakerChange, Key: name, From: from, To: to})
		}
	}
	return s
}
