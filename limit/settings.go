package limit

import (
	"fmt"
	"math"
	"time"
)

// Defaults of a zero Settings.
const (
	defaultMinLimit     = 1   // one call at a time still measures the host
	defaultMaxLimit     = 200 // Netflix concurrency-limits' Gradient2 default
	defaultInitialLimit = 20  // Netflix concurrency-limits' default
	defaultMaxWait      = time.Second
)

// lowShare is the share of the limit that low-priority calls may fill.
const lowShare = 0.8

// Settings configures a [Limiter]. The zero value gives a limit that
// starts at 20 calls in flight and moves between 1 and 200, calls that
// wait up to 1 s for a slot, and up to 200 of them waiting.
//
// New copies the Settings; changing them later has no effect.
type Settings struct {
	// MinLimit is the lowest the limit falls. Zero means 1.
	MinLimit int

	// MaxLimit is the highest the limit grows; it is also the most
	// calls in flight at once, critical calls included. It must be at
	// least MinLimit. Zero means 200 (the default of Netflix
	// concurrency-limits' Gradient2Limit), or MinLimit if that is larger.
	MaxLimit int

	// InitialLimit is where the limit starts, in [MinLimit, MaxLimit];
	// the first window of calls, which measures the host's idle latency,
	// admits half of it. Zero means 20 (the default of Netflix
	// concurrency-limits' limits), brought into [MinLimit, MaxLimit].
	InitialLimit int

	// MaxWait is the longest Wait holds a call over the limit before it
	// refuses it with ErrLimited; the call's context may end the wait
	// sooner. Zero means 1 s. To refuse at once rather than wait, call
	// Allow instead of Wait.
	MaxWait time.Duration

	// MaxWaiting is how many normal and low calls may wait at once; a
	// call that finds the queue full is refused at once, unless it
	// displaces a waiter of lower priority. Critical calls are not
	// counted. Zero means MaxLimit.
	MaxWaiting int

	// Now returns the current time, from which the limiter measures each
	// call's latency and the probe interval. Nil means time.Now. Waits
	// use the runtime's timers whatever Now is.
	Now func() time.Time
}

// config is Settings resolved and checked.
type config struct {
	minLimit, maxLimit, initial int
	maxWait                     time.Duration
	maxWaiting                  int
	now                         func() time.Time
}

// config resolves the defaults of s and checks its fields, naming the
// first one out of range.
func (s Settings) config() (config, error) {
	c := config{
		minLimit: s.MinLimit, maxLimit: s.MaxLimit, initial: s.InitialLimit,
		maxWait: s.MaxWait, maxWaiting: s.MaxWaiting, now: s.Now,
	}
	switch {
	case c.minLimit < 0:
		return c, fmt.Errorf("limit: MinLimit %d is negative", c.minLimit)
	case c.maxLimit < 0:
		return c, fmt.Errorf("limit: MaxLimit %d is negative", c.maxLimit)
	case c.maxLimit > math.MaxInt32:
		return c, fmt.Errorf("limit: MaxLimit %d is above %d", c.maxLimit, math.MaxInt32)
	case c.initial < 0:
		return c, fmt.Errorf("limit: InitialLimit %d is negative", c.initial)
	case c.maxWait < 0:
		return c, fmt.Errorf("limit: MaxWait %v is negative", c.maxWait)
	case c.maxWaiting < 0:
		return c, fmt.Errorf("limit: MaxWaiting %d is negative", c.maxWaiting)
	}
	if c.minLimit == 0 {
		c.minLimit = defaultMinLimit
	}
	if c.maxLimit == 0 {
		c.maxLimit = max(defaultMaxLimit, c.minLimit)
	}
	if c.maxLimit < c.minLimit {
		return c, fmt.Errorf("limit: MaxLimit %d is below MinLimit %d", c.maxLimit, c.minLimit)
	}
	if c.initial == 0 {
		c.initial = min(max(defaultInitialLimit, c.minLimit), c.maxLimit)
	}
	if c.initial < c.minLimit || c.initial > c.maxLimit {
		return c, fmt.Errorf("limit: InitialLimit %d is not in [MinLimit %d, MaxLimit %d]", c.initial, c.minLimit, c.maxLimit)
	}
	if c.maxWait == 0 {
		c.maxWait = defaultMaxWait
	}
	if c.maxWaiting == 0 {
		c.maxWaiting = c.maxLimit
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}
