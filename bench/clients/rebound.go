package clients

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/hedge"
	"github.com/rebound-go/rebound/limit"
	"github.com/rebound-go/rebound/ratelimit"
)

// ReboundVariant is one rebound configuration under test.
type ReboundVariant struct {
	Name string
	// Config returns the configuration to measure. It is called once per
	// client instance, and rebound.NewTransport makes a Transport's guards
	// (budgets, breakers, latency trackers, pacers) afresh, so every
	// workload starts from fresh state.
	Config func(s Settings) rebound.Config
	// Only lists the workloads the variant runs on (name prefixes, see
	// Constructor.Only); nil means every workload.
	Only []string
}

// ReboundPolicy is rebound's policy for the common settings: attempts, and
// exponential backoff with equal jitter ([d/2, d)). Everything else is
// rebound's default (Retry-After up to 30 s, idempotency rule, drain cap…).
func ReboundPolicy(s Settings) rebound.Policy {
	return rebound.Policy{
		Attempts: s.Attempts,
		Backoff:  backoff.Exponential{Initial: s.Initial, Max: s.Max, Jitter: backoff.Equal},
	}
}

// GuardBreaker is the per-host breaker of rebound+guards: it opens when half
// the calls of the last 100 (once there are 50) failed, for 1 s, then lets
// one probe through. failsafe-go+guards is given the same rule.
var GuardBreaker = breaker.Settings{FailureRate: 0.5, MinimumCalls: 50, OpenTimeout: time.Second, MaxOpenTimeout: time.Second}

// GuardHedge is the hedging of rebound+hedge: a second copy once an attempt
// has taken longer than the host's recent p95, within [2 ms, 100 ms].
var GuardHedge = hedge.Settings{Percentile: 0.95, MinDelay: 2 * time.Millisecond, MaxDelay: 100 * time.Millisecond}

// ReboundVariants lists the rebound configurations under test. Each is a
// client of its own in every table of the workloads it runs on and in the
// happy-path benchmark. Name variants "rebound" or "rebound+…" (no "/").
var ReboundVariants = []ReboundVariant{
	{Name: "rebound", Config: func(s Settings) rebound.Config {
		return rebound.Config{Policy: ReboundPolicy(s)}
	}},
	// On the POSTs too: rebound+hedge spends the same budget, and this row
	// shows what the budget alone does there.
	{Name: "rebound+budget", Only: append(slices.Clone(GuardWorkloads), "post-"), Config: func(s Settings) rebound.Config {
		return rebound.Config{Policy: ReboundPolicy(s), Budget: rebound.AdaptiveBudget}
	}},
	{Name: "rebound+guards", Only: GuardWorkloads, Config: func(s Settings) rebound.Config {
		b := GuardBreaker
		return rebound.Config{Policy: ReboundPolicy(s), Budget: rebound.AdaptiveBudget, Breaker: &b}
	}},
	{Name: "rebound+hedge", Only: HedgeWorkloads, Config: func(s Settings) rebound.Config {
		h := GuardHedge
		return rebound.Config{Policy: ReboundPolicy(s), Budget: rebound.AdaptiveBudget, Hedge: &h}
	}},
	{Name: "rebound+pace", Only: []string{"quota-429"}, Config: func(s Settings) rebound.Config {
		return rebound.Config{Policy: ReboundPolicy(s), Pace: &ratelimit.Settings{}}
	}},
	// The adaptive concurrency limit at its defaults (issue 16): 503s and
	// an outage cut it. package limits measures it under load.
	{Name: "rebound+limit", Only: []string{"503-30%", "outage"}, Config: func(s Settings) rebound.Config {
		return rebound.Config{Policy: ReboundPolicy(s), Limit: &limit.Settings{}}
	}},
	// The rate learnt from 429s (issue 16); package limits measures it
	// against a quota that sends no rate-limit header.
	{Name: "rebound+learn", Only: []string{"quota-"}, Config: func(s Settings) rebound.Config {
		return rebound.Config{Policy: ReboundPolicy(s), LearnRate: &ratelimit.AdaptiveSettings{}}
	}},
}

func (v ReboundVariant) constructor() func(http.RoundTripper, Settings) (Client, error) {
	return func(next http.RoundTripper, s Settings) (Client, error) {
		cfg := v.Config(s)
		var obs *reboundObserver
		if s.Observe {
			obs = &reboundObserver{starts: map[tryKey]time.Time{}}
			cfg.OnEvent = obs.event
		}
		t, err := rebound.NewTransport(next, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.Name, err)
		}
		return &reboundClient{stdClient: stdClient{name: v.Name, c: &http.Client{Transport: t}}, t: t, obs: obs}, nil
	}
}

// reboundClient is a rebound Transport behind an *http.Client, with what
// its guards did for Notes.
type reboundClient struct {
	stdClient
	t   *rebound.Transport
	obs *reboundObserver // nil unless Settings.Observe
}

// Notes says what the guards did: hedges (from Stats), and, when observed,
// the hedge delays, retries the budget refused, breaker changes and
// rejections, and pacing waits.
func (c *reboundClient) Notes() string {
	st := c.t.Stats()
	var parts []string
	if st.Hedges > 0 {
		parts = append(parts, fmt.Sprintf("%d hedges sent, %d won", st.Hedges, st.HedgeWins))
	}
	if c.obs != nil {
		parts = append(parts, c.obs.notes()...)
	}
	return strings.Join(parts, "; ")
}

type tryKey struct {
	req     *http.Request
	attempt int
}

// reboundObserver counts guard events through Config.OnEvent.
type reboundObserver struct {
	budgetRefused, rejected, paced atomic.Int64

	mu          sync.Mutex
	starts      map[tryKey]time.Time // first copy of a try, until it is hedged or ends
	hedgeDelays []time.Duration      // from a try's first copy to its hedge
	pacedTotal  time.Duration
	opens       int
}

func (o *reboundObserver) event(_ context.Context, e rebound.Event) {
	switch e.Kind {
	case rebound.EventAttemptStart:
		if e.Hedge == 0 {
			o.mu.Lock()
			o.starts[tryKey{e.Request, e.Attempt}] = time.Now()
			o.mu.Unlock()
		}
	case rebound.EventAttemptDone:
		if e.Hedge == 0 {
			o.mu.Lock()
			delete(o.starts, tryKey{e.Request, e.Attempt})
			o.mu.Unlock()
		}
		if errors.Is(e.Err, breaker.ErrCircuitOpen) {
			o.rejected.Add(1)
		}
	case rebound.EventHedgeSent:
		now := time.Now()
		k := tryKey{e.Request, e.Attempt}
		o.mu.Lock()
		if start, ok := o.starts[k]; ok && e.Hedge == 1 {
			o.hedgeDelays = append(o.hedgeDelays, now.Sub(start))
		}
		o.mu.Unlock()
	case rebound.EventGiveUp:
		if errors.Is(e.Reason, budget.ErrExhausted) {
			o.budgetRefused.Add(1)
		}
	case rebound.EventBreakerChange:
		if e.To == breaker.Open {
			o.mu.Lock()
			o.opens++
			o.mu.Unlock()
		}
	case rebound.EventWait:
		if e.Source != "pacing" {
			break
		}
		o.paced.Add(1)
		o.mu.Lock()
		o.pacedTotal += e.Delay
		o.mu.Unlock()
	}
}

func (o *reboundObserver) notes() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var parts []string
	if n := len(o.hedgeDelays); n > 0 {
		d := slices.Clone(o.hedgeDelays)
		slices.Sort(d)
		q := func(p float64) time.Duration { return d[min(int(p*float64(n)), n-1)] }
		parts = append(parts, fmt.Sprintf("hedge delay p50 %v, p90 %v, max %v",
			q(0.5).Round(10*time.Microsecond), q(0.9).Round(10*time.Microsecond), d[n-1].Round(10*time.Microsecond)))
	}
	if n := o.budgetRefused.Load(); n > 0 {
		parts = append(parts, fmt.Sprintf("budget refused %d retries (the last response went back)", n))
	}
	if o.opens > 0 || o.rejected.Load() > 0 {
		parts = append(parts, fmt.Sprintf("breaker opened %d×, rejected %d calls", o.opens, o.rejected.Load()))
	}
	if n := o.paced.Load(); n > 0 {
		parts = append(parts, fmt.Sprintf("paced %d attempts, %v in all", n, o.pacedTotal.Round(time.Millisecond)))
	}
	return parts
}
