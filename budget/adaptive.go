package budget

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rebound-go/rebound/internal/fleetlink"
	"github.com/rebound-go/rebound/internal/window"
)

func init() {
	fleetlink.BudgetShare = func(b any) (float64, bool) {
		a, ok := b.(*Adaptive)
		if !ok {
			return 0, false
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.share(), true
	}
}

// Defaults of [AdaptiveSettings]; the package documentation explains them.
const (
	defaultFloor                = 0.1
	defaultCeiling              = 0.5
	defaultHalfLife             = 8
	defaultBurst                = 100
	defaultAdaptiveMinPerSecond = 1
	defaultAdaptiveWindow       = 10 * time.Second
	defaultAdaptiveBuckets      = 10
)

// AdaptiveSettings configures an [Adaptive] budget. The zero value gives
// the defaults rebound uses when a budget is on.
type AdaptiveSettings struct {
	// Floor is the share of calls that may be retried when retries never
	// succeed, in (0, 1]. It bounds what a full outage costs the server:
	// 1 + Floor attempts per call. Zero means 0.1.
	Floor float64

	// Ceiling is the share of calls that may be retried when retries
	// always succeed, in [Floor, 1]. It bounds what retries cost the
	// server in any weather: 1 + Ceiling attempts per call, plus Burst,
	// plus the MinPerSecond reserve at low traffic. Zero means
	// 0.5.
	Ceiling float64

	// HalfLife is how many retry outcomes it takes for an outcome's
	// weight in the estimate of retry success to halve. It is counted in
	// retries, not time, so the budget adapts as fast at 10 calls a
	// second as at 10 000. Zero means 8; at most 1e9.
	HalfLife int

	// Burst is the most tokens the budget saves up, and so the most
	// retries it can grant at once beyond what calls are paying in. It
	// absorbs retries that come in bunches, and bounds the extra load
	// at the start of an outage. Zero means 100; at most
	// 1e9.
	Burst int

	// MinPerSecond lets a client with little traffic retry at all: a
	// retry is granted without a token while the last Window holds
	// fewer than MinPerSecond·Window retries. The token is owed (at most
	// that many), so the reserve is not added to the share, and costs
	// nothing once traffic is high. Zero means
	// 1; a negative value means none.
	MinPerSecond float64

	// Window is the span over which MinPerSecond is counted. Zero means
	// 10 s.
	Window time.Duration

	// Buckets is how many parts Window is cut into; the oldest part is
	// dropped as a whole. Zero means 10; at most
	// 1000.
	Buckets int

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// Adaptive is a retry budget whose share of traffic follows how often
// recent retries succeeded. It is a token bucket: every call pays in its
// share of a token, every retry or hedge takes one, and the bucket holds at
// most Burst. The share is the decayed rate of retry success, kept between
// Floor and Ceiling. Until enough retries have been seen, the rate of
// first-attempt success stands in for it (with failures independent, a
// retry succeeds as often as any attempt), so a server that is down keeps
// the share at Floor from the first calls, and one that fails at random
// earns a large share as soon as the first calls come back. The package
// documentation gives the reasoning and the figures.
//
// An Adaptive is safe for concurrent use. Create one with [NewAdaptive].
type Adaptive struct {
	now     func() time.Time
	floor   float64
	ceiling float64
	alpha   float64 // weight of the newest retry outcome once warm
	burst   int64   // most tokens the balance holds, in millionths
	reserve int64   // retries a window may take without a token, in millionths

	// full says that a successful first attempt would change nothing:
	// the bucket is full and the first-attempt rate has stopped moving.
	// Done then returns without the lock, which is most calls to a
	// healthy host.
	full atomic.Bool

	mu      sync.Mutex
	win     window.Window // retries over Window, for the reserve
	balance int64         // in millionths of a token, in [-reserve, burst]
	success float64       // decayed rate of retry success, starts at 0
	seen    float64       // retry outcomes seen, counted up to 1/alpha
	first   float64       // decayed rate of first-attempt success, starts at 0
	firsts  float64       // first-attempt outcomes seen, counted up to 1/alpha
}

// NewAdaptive returns an Adaptive budget, or an error naming the first
// setting that is out of range.
func NewAdaptive(s AdaptiveSettings) (*Adaptive, error) {
	floor, err := share("Floor", s.Floor, defaultFloor)
	if err != nil {
		return nil, err
	}
	ceiling, err := share("Ceiling", s.Ceiling, defaultCeiling)
	if err != nil {
		return nil, err
	}
	if floor > ceiling {
		return nil, fmt.Errorf("budget: Floor %v is above Ceiling %v", floor, ceiling)
	}
	half, err := count("HalfLife", s.HalfLife, defaultHalfLife)
	if err != nil {
		return nil, err
	}
	burst, err := count("Burst", s.Burst, defaultBurst)
	if err != nil {
		return nil, err
	}
	w, n, err := span(s.Window, s.Buckets, defaultAdaptiveWindow, defaultAdaptiveBuckets)
	if err != nil {
		return nil, err
	}
	res, err := reserve(s.MinPerSecond, defaultAdaptiveMinPerSecond, w)
	if err != nil {
		return nil, err
	}
	now := clock(s.Now)
	return &Adaptive{
		now:     now,
		floor:   floor,
		ceiling: ceiling,
		alpha:   -math.Expm1(-math.Ln2 / float64(half)), // 1 - 2^(-1/half)
		burst:   int64(burst) * micro,
		reserve: toMicro(res),
		win:     window.New(w, n, now()),
	}, nil
}

// pay adds one call's share to the bucket; a.mu is held.
func (a *Adaptive) pay() {
	a.balance = min(a.balance+toMicro(a.share()), a.burst)
}

// Allow implements [Budget]: a retry takes one token. Without a whole
// token it is granted only while the window holds fewer retries than
// the reserve, and the token is owed.
func (a *Adaptive) Allow() bool {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.balance < micro && (a.win.Total(now)[retries]+1)*micro > a.reserve {
		return false
	}
	a.balance = max(a.balance-micro, -a.reserve)
	a.full.Store(false)
	a.win.Add(now, window.Counts{retries: 1})
	return true
}

// Done implements [Budget]. Each retry moves the estimate of retry
// success a step towards 1 (ok) or 0 (failed); a first attempt feeds the
// stand-in used while few retries have been seen, then pays its call's
// share into the bucket.
func (a *Adaptive) Done(retry, ok bool) {
	if ok && !retry && a.full.Load() {
		return
	}
	x := 0.0
	if ok {
		x = 1
	}
	a.mu.Lock()
	// Until 1/alpha outcomes have been seen, an estimate is the plain mean
	// of the outcomes and one pessimistic prior (a failure); after that it
	// decays with HalfLife. Without this warm-up a new budget would need
	// about two half-lives to trust a server that answers.
	if retry {
		if a.seen < 1/a.alpha {
			a.seen++
		}
		a.success += max(a.alpha, 1/(a.seen+1)) * (x - a.success)
	} else {
		if a.firsts < 1/a.alpha {
			a.firsts++
		}
		a.first += max(a.alpha, 1/(a.firsts+1)) * (x - a.first)
		a.pay()
	}
	// Once warm, a success moves first by alpha·(1−first), which in
	// floating point stops changing it just below 1.
	a.full.Store(a.balance == a.burst && a.firsts >= 1/a.alpha && a.first+a.alpha*(1-a.first) == a.first)
	a.mu.Unlock()
}

// Tokens returns the tokens available now, in retries, for metrics (a
// Transport's HostState.BudgetTokens reads it). It is negative while
// retries granted from the reserve are owed.
func (a *Adaptive) Tokens() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return float64(a.balance) / micro
}

// share returns the share of calls that may be retried now: the decayed
// rate of retry success, between Floor and Ceiling. a.mu is held.
func (a *Adaptive) share() float64 {
	est := a.success
	if warm := a.seen * a.alpha; warm < 1 {
		// Few retries seen: lean on the first attempts, less and less.
		est = warm*a.success + (1-warm)*a.first
	}
	return min(max(est, a.floor), a.ceiling)
}
