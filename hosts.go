package rebound

import (
	"context"
	"net/http"
	"sync"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/hedge"
	"github.com/rebound-go/rebound/ratelimit"
	"github.com/rebound-go/rebound/throttle"
)

// hostGuards keeps one set of guards per host (or per Config.Key), made on
// a host's first request. Hosts are never forgotten: a Transport that
// talks to an unbounded set of hosts should key them coarser.
type hostGuards struct {
	key      func(*http.Request) string
	budget   func() budget.Budget
	breakers *breaker.Set
	throttle *throttle.Settings
	bulkhead *bulkhead.Settings
	pace     *ratelimit.Settings
	timeouts guards   // the attempt timeouts every host shares
	hosts    sync.Map // key → *guards
}

// newHostGuards returns nil when no per-host guard is configured.
func newHostGuards(cfg *Config, timeouts guards) (*hostGuards, error) {
	adaptiveHedge := cfg.Hedge != nil && cfg.Hedge.Percentile > 0
	if cfg.Budget == nil && cfg.Breaker == nil && cfg.Throttle == nil && cfg.Bulkhead == nil && !adaptiveHedge && cfg.Pace == nil {
		return nil, nil
	}
	onEvent := cfg.OnEvent
	h := &hostGuards{key: cfg.Key, budget: cfg.Budget, throttle: cfg.Throttle, bulkhead: cfg.Bulkhead, pace: cfg.Pace, timeouts: timeouts}
	if h.key == nil {
		h.key = func(r *http.Request) string { return r.URL.Host }
	}
	if cfg.Budget != nil && cfg.Budget() == nil {
		return nil, errorf("Config.Budget returned a nil budget")
	}
	if cfg.Breaker != nil {
		s := *cfg.Breaker
		if user, ctx := s.OnStateChange, context.Background(); onEvent != nil || user != nil {
			s.OnStateChange = func(name string, from, to breaker.State) {
				if user != nil {
					user(name, from, to)
				}
				if onEvent != nil {
					onEvent(ctx, Event{Kind: BreakerChange, Key: name, From: from, To: to})
				}
			}
		}
		set, err := breaker.NewSet(s)
		if err != nil {
			return nil, err
		}
		h.breakers = set
	}
	if cfg.Throttle != nil {
		if _, err := throttle.New(*cfg.Throttle); err != nil {
			return nil, err
		}
	}
	if cfg.Bulkhead != nil {
		if _, err := bulkhead.New(*cfg.Bulkhead); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// onlyBudget reports that a retry budget is the only per-host guard.
func (h *hostGuards) onlyBudget() bool {
	return h.budget != nil && h.breakers == nil && h.throttle == nil && h.bulkhead == nil &&
		h.pace == nil && h.timeouts.hedge == nil
}

// forRequest returns the guards of req's host, making them on first use.
func (h *hostGuards) forRequest(req *http.Request) *guards {
	key := h.key(req)
	if g, ok := h.hosts.Load(key); ok {
		return g.(*guards)
	}
	g := new(guards)
	*g = h.timeouts
	if g.hedge != nil && g.hedge.Percentile > 0 {
		g.latencies = new(hedge.Latencies)
	}
	if h.pace != nil {
		g.pacer = &ratelimit.Pacer{Settings: *h.pace}
	}
	if h.budget != nil {
		g.budget = h.budget()
	}
	if h.breakers != nil {
		g.breaker = h.breakers.Get(key)
	}
	if h.throttle != nil {
		g.throttle, _ = throttle.New(*h.throttle) // validated in newHostGuards
	}
	if h.bulkhead != nil {
		g.bulkhead, _ = bulkhead.New(*h.bulkhead)
	}
	actual, _ := h.hosts.LoadOrStore(key, g)
	return actual.(*guards)
}
