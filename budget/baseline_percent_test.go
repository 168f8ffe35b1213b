package budget

// Percent and TokenBucket are the fixed-share budgets Adaptive is measured
// against in this package's simulations (see the package documentation):
// baselines for the tests, not part of the API.

import (
	"github.com/rebound-go/rebound/internal/window"
	"sync"
	"time"
)

// Defaults of [PercentSettings], those of Finagle's RetryBudget.
const (
	defaultPercentRatio        = 0.2
	defaultPercentMinPerSecond = 10
	defaultPercentWindow       = 10 * time.Second
	defaultPercentBuckets      = 10
)

// PercentSettings configures a [Percent] budget. The zero value gives
// Finagle's defaults: 20 % of requests plus 10 retries a second, over
// 10 seconds.
type PercentSettings struct {
	// Ratio is the share of the window's requests that may be retried,
	// in (0, 1], kept to six decimals. Zero means 0.2.
	Ratio float64

	// MinPerSecond is a reserve of retries a second granted on top of
	// Ratio, so that a client with little traffic can still retry.
	// Zero means 10; a negative value
	// means no reserve.
	MinPerSecond float64

	// Window is the span of recent traffic the budget looks at. Zero
	// means 10 s.
	Window time.Duration

	// Buckets is how many parts Window is cut into; the oldest part is
	// dropped as a whole. Zero means 10; at most
	// 1000.
	Buckets int

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// Percent is Finagle's RetryBudget
// (https://twitter.github.io/finagle/guide/Clients.html#retries): over a sliding Window, retries may
// not exceed Ratio times the calls plus MinPerSecond times the Window in
// seconds. It does not learn: outcomes do not change it.
//
// A Percent is safe for concurrent use. Create one with [NewPercent].
type Percent struct {
	now     func() time.Time
	ratio   int64 // in millionths, like reserve
	reserve int64 // retries a window may spend whatever its traffic

	mu  sync.Mutex
	win window.Window
}

// NewPercent returns a Percent budget, or an error naming the first
// setting that is out of range.
func NewPercent(s PercentSettings) (*Percent, error) {
	ratio, err := share("Ratio", s.Ratio, defaultPercentRatio)
	if err != nil {
		return nil, err
	}
	w, n, err := span(s.Window, s.Buckets, defaultPercentWindow, defaultPercentBuckets)
	if err != nil {
		return nil, err
	}
	res, err := reserve(s.MinPerSecond, defaultPercentMinPerSecond, w)
	if err != nil {
		return nil, err
	}
	now := clock(s.Now)
	return &Percent{
		now:     now,
		ratio:   toMicro(ratio),
		reserve: toMicro(res),
		win:     window.New(w, n, now()),
	}, nil
}

// Done implements [Budget]: a first attempt counts as a request;
// outcomes do not matter to a Percent budget.
func (p *Percent) Done(retry, ok bool) {
	if retry {
		return
	}
	now := p.now()
	p.mu.Lock()
	p.win.Add(now, window.Counts{requests: 1})
	p.mu.Unlock()
}

// Allow implements [Budget]: it grants a retry while the window's
// retries, this one included, stay within Ratio·requests + reserve.
func (p *Percent) Allow() bool {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.win.Total(now)
	if (t[retries]+1)*micro > p.ratio*t[requests]+p.reserve {
		return false
	}
	p.win.Add(now, window.Counts{retries: 1})
	return true
}
