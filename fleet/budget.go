package fleet

import (
	"math"
	"sync/atomic"

	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/internal/fleetlink"
)

// defaultShare is the share of first attempts a budget other than
// budget.Adaptive pays into the fleet's bucket: budget.Adaptive's Floor.
const defaultShare = 0.1

// leased is a retry budget (budget.Budget) shared by a fleet: while the
// Fleet is connected, a retry spends a token leased from the fleet's
// bucket for the host, into which every process's first attempts pay the
// local budget's share; while it is disconnected, the local budget
// decides. Allow and Done read and write local atomics only, never the
// store, and do not allocate. A leased is safe for concurrent use;
// Member.Budget returns one.
type leased struct {
	inner  budget.Budget
	shared atomic.Bool  // the Fleet is connected
	tokens atomic.Int64 // leased and not spent
	firsts atomic.Int64 // first attempts since the last report
	spent  atomic.Int64 // leased tokens spent since the last report
}

func newLeased(inner budget.Budget) *leased { return &leased{inner: inner} }

// Allow implements budget.Budget: while the Fleet is connected, it takes
// one leased token (false when none is left until the next sync grants
// more); otherwise it asks the local budget.
func (l *leased) Allow() bool {
	if !l.shared.Load() {
		return l.inner.Allow()
	}
	for {
		n := l.tokens.Load()
		if n <= 0 {
			return false
		}
		if l.tokens.CompareAndSwap(n, n-1) {
			l.spent.Add(1)
			return true
		}
	}
}

// Done implements budget.Budget: the local budget learns from every
// outcome, and each first attempt earns the fleet its share of a token.
func (l *leased) Done(retry, ok bool) {
	l.inner.Done(retry, ok)
	if !retry {
		l.firsts.Add(1)
	}
}

// Tokens returns the retries the budget can grant now, for metrics: the
// leased tokens held while the Fleet is connected; otherwise the local
// budget's own Tokens, or NaN when it does not say.
func (l *leased) Tokens() float64 {
	if l.shared.Load() {
		return float64(l.tokens.Load())
	}
	if t, ok := l.inner.(interface{ Tokens() float64 }); ok {
		return t.Tokens()
	}
	return math.NaN()
}

// report pays in what the first attempts since the last report earned,
// and asks for twice the tokens spent since (at least 4), less those held.
func (l *leased) report(burst int) BudgetReport {
	share, ok := fleetlink.BudgetShare(l.inner)
	if !ok {
		share = defaultShare
	}
	want := max(2*l.spent.Swap(0), 4) - l.tokens.Load()
	return BudgetReport{On: true, Deposit: float64(l.firsts.Swap(0)) * share,
		Want: int(min(max(want, 0), int64(burst))), Burst: burst, PerSecond: 1}
}

// grant adds the tokens a sync leased, and turns sharing on.
func (l *leased) grant(n int) {
	l.tokens.Add(int64(n))
	l.shared.Store(true)
}
