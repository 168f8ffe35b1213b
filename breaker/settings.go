package breaker

import (
	"fmt"
	"math"
	"time"
)

// Settings configures a [Breaker]. It is a plain value: the zero
// value of every field is a documented default, so Settings{} makes a
// breaker that opens when at least half of the last 100 calls failed, stays
// open 5 seconds at first and twice as long on each reopening up to a
// minute, and then judges 20 probes by the same rule before it closes.
//
// These defaults follow Resilience4j's CircuitBreakerConfig
// (failureRateThreshold 50 %, a count-based slidingWindowSize of 100 and
// minimumNumberOfCalls 100; https://resilience4j.readme.io/docs/circuitbreaker)
// and Polly's (MinimumThroughput 100, BreakDuration 5 s;
// https://www.pollydocs.org/strategies/circuit-breaker.html). They do not
// trip on a healthy host that fails at random: against one that fails 30 %
// of calls, a rate over 100 calls trips in fewer than one run of 200 calls
// in 5,000, where a rate over 20 calls trips in about one run in 14, and a
// run of 5 consecutive failures in more than one run in 4. The rate rule
// also judges half-open's probes, as it judges closed's calls. The window
// counts calls rather than time, as Resilience4j's does by default: that
// costs less per call (it does not read the clock), and judges 100 calls
// whatever the traffic.
//
// The trip rules are checked after every recorded call, and, when the
// slow-call rule is on, on every Allow as well. A rule that is off never
// trips.
//
// Ride-out, off by default, is set by MaxWaiting, MaxWait and RampUp; see
// [Breaker.Wait].
//
// New copies the Settings, so changing them later has no effect.
// The functions in it are called from many goroutines and must be safe for
// concurrent use.
type Settings struct {
	// Name identifies the breaker in OnStateChange (rebound's Transport
	// names each host's breaker after the host).
	Name string

	// ConsecutiveFailures opens the breaker after this many failures in a
	// row while closed; a success resets the run, an ignored call does not.
	// Zero or negative means off. When it is set and FailureRate is not,
	// it is the only failure rule, and half-open keeps to it as well: one
	// failed probe reopens the breaker, HalfOpenSuccesses close it.
	ConsecutiveFailures int

	// FailureRate opens the breaker when failures/calls over the window is
	// at or above it, once the window holds MinimumCalls calls; in
	// half-open it judges the probes. It must be in (0, 1]. Zero means 0.5,
	// or off when ConsecutiveFailures is set (set both to use both).
	FailureRate float64

	// SlowCallDuration turns the slow-call rule on: a call slower than this
	// is slow, whatever its outcome, and so is a call still in flight
	// that started longer ago than this. Slow calls in flight are counted
	// to within SlowCallDuration/8. In half-open, slow probes are judged
	// by SlowCallRate when FailureRate is on; otherwise a slow probe counts
	// as a failed one, and Allow reopens the breaker as soon as a probe in
	// flight is slow. Zero means off.
	SlowCallDuration time.Duration

	// SlowCallRate opens the breaker when slow calls over the window,
	// including the slow calls still in flight, make up at least this
	// share of the calls, once the window (with those in-flight calls)
	// holds MinimumCalls calls. It must be in (0, 1]; zero means 1 (every
	// call slow) when SlowCallDuration is set. It needs SlowCallDuration.
	SlowCallRate float64

	// WindowSize makes the window the last WindowSize recorded calls. Zero
	// means 100 when WindowDuration is zero. Memory: one byte per call.
	WindowSize int

	// WindowDuration makes the window the calls recorded over this much
	// time instead, kept in WindowBuckets buckets: a call is forgotten
	// between WindowDuration*(WindowBuckets-1)/WindowBuckets and
	// WindowDuration after it finished. Zero means a WindowSize window,
	// which costs less per call: it does not read the clock.
	WindowDuration time.Duration

	// WindowBuckets is the number of buckets of a WindowDuration window.
	// Zero means 10. It is not used with a WindowSize window. Memory: 24
	// bytes per bucket.
	WindowBuckets int

	// MinimumCalls is how many calls the window must hold before
	// FailureRate or SlowCallRate can trip the breaker. Zero means 100, or
	// WindowSize if that is smaller. It must not exceed WindowSize.
	MinimumCalls int

	// OpenTimeout is how long the breaker stays open after tripping from
	// closed. Zero means 5 seconds.
	OpenTimeout time.Duration

	// MaxOpenTimeout lets the open period grow: each time half-open
	// reopens the breaker, the period is multiplied by
	// OpenTimeoutMultiplier, up to MaxOpenTimeout. It goes back to
	// OpenTimeout when the breaker closes. Zero means one minute, or
	// OpenTimeout if that is longer. Set it to OpenTimeout for a period
	// that does not grow.
	MaxOpenTimeout time.Duration

	// OpenTimeoutMultiplier is the growth factor of the open period; it
	// must be at least 1. Zero means 2.
	OpenTimeoutMultiplier float64

	// HalfOpenProbes is how many probe calls half-open lets through. With
	// FailureRate on, it is how many probes are judged, all of which may
	// be in flight at once (Resilience4j's
	// permittedNumberOfCallsInHalfOpenState): the breaker closes when
	// their failure rate (and slow-call rate) is under the threshold and
	// reopens when it is at or above, as soon as the outcome is certain.
	// Otherwise, it is how many probes may be in flight at once. A probe
	// reported as Ignore frees its slot. Zero means 20 with FailureRate,
	// and 1 without. Resilience4j lets 10 through; 20 make a host that
	// fails 15 % of calls in the background reopen the breaker once in
	// about 4,000 half-opens instead of once in 100.
	HalfOpenProbes int

	// HalfOpenSuccesses is, without FailureRate, how many probes must
	// succeed, one after the other or at once, before the breaker closes.
	// Zero means HalfOpenProbes. With FailureRate on it must be zero: the
	// rate judges the probes.
	HalfOpenSuccesses int

	// MaxWaiting turns ride-out on: up to this many calls at once may
	// wait in [Breaker.Wait] for the breaker to let them through instead
	// of being refused. Zero means none:
	// Wait is then Allow. It must not be negative.
	MaxWaiting int

	// MaxWait is the longest one call waits in Wait: a call that waited
	// this long in vain is refused then, and one whose MaxWait (or
	// context's deadline) would end before the open period does is
	// refused at once. Zero means OpenTimeout + RampUp, long enough to
	// ride out one open period and the ramp after it. It needs
	// MaxWaiting.
	MaxWait time.Duration

	// RampUp is how long the calls still waiting when the breaker closes
	// take to be released: evenly over RampUp, in the order they came, so
	// that a recovering host sees its usual load plus at most
	// MaxWaiting/RampUp more calls a second rather than the whole backlog
	// at once. Zero means OpenTimeout. It needs MaxWaiting.
	RampUp time.Duration

	// OnStateChange, if set, is called after each state change with the
	// breaker's name. It is never called with a lock held, so it may use
	// the breaker; the calls for one breaker are made one at a time and in
	// the order of the changes, by whichever goroutine caused the change
	// (for Open to HalfOpen, the breaker's timer), while those of
	// different breakers may overlap. It should return quickly:
	// it delays that goroutine.
	OnStateChange func(name string, from, to State)

	// clock is the source of time, for this package's tests; nil means
	// the system clock.
	clock clock
}

// Defaults of Settings.
const (
	defaultFailureRate       = 0.5
	defaultWindowSize        = 100
	maxWindowSize            = 1_000_000 // a byte a call: 1 MB
	maxWindowBuckets         = 10_000    // 24 bytes a bucket
	maxDuration              = 24 * time.Hour
	defaultWindowBuckets     = 10
	defaultMinimumCalls      = 100
	defaultOpenTimeout       = 5 * time.Second
	defaultMaxOpenTimeout    = time.Minute
	defaultMultiplier        = 2
	defaultRateProbes        = 20
	defaultConsecutiveProbes = 1
)

// config is Settings checked and with its defaults filled in.
type config struct {
	consecutive    int // 0: off
	failureRate    float64
	slowDuration   time.Duration // 0: slow-call rule off
	slowRate       float64
	windowSize     int           // count window, when windowDuration is 0
	windowDuration time.Duration // time window
	windowBuckets  int
	minCalls       int
	openTimeout    time.Duration
	maxOpenTimeout time.Duration
	multiplier     float64
	probes         int
	successes      int // 0 when the rate rule judges the probes
	maxWaiting     int // 0: Wait is Allow
	maxWait        time.Duration
	rampUp         time.Duration
	onStateChange  func(name string, from, to State)
	clock          clock
}

// needsWindow reports whether a rate rule is on.
func (c *config) needsWindow() bool { return c.failureRate > 0 || c.slowDuration > 0 }

// rateProbes reports whether half-open judges its probes by rate.
func (c *config) rateProbes() bool { return c.failureRate > 0 }

// config checks s and fills in its defaults.
func (s *Settings) config() (config, error) {
	c := config{
		consecutive:    s.ConsecutiveFailures,
		failureRate:    s.FailureRate,
		slowDuration:   s.SlowCallDuration,
		slowRate:       s.SlowCallRate,
		windowSize:     s.WindowSize,
		windowDuration: s.WindowDuration,
		windowBuckets:  s.WindowBuckets,
		minCalls:       s.MinimumCalls,
		openTimeout:    s.OpenTimeout,
		maxOpenTimeout: s.MaxOpenTimeout,
		multiplier:     s.OpenTimeoutMultiplier,
		probes:         s.HalfOpenProbes,
		successes:      s.HalfOpenSuccesses,
		maxWaiting:     s.MaxWaiting,
		maxWait:        s.MaxWait,
		rampUp:         s.RampUp,
		onStateChange:  s.OnStateChange,
		clock:          s.clock,
	}
	if err := c.checkRules(); err != nil {
		return c, err
	}
	if err := c.checkWindow(); err != nil {
		return c, err
	}
	if err := c.checkOpen(); err != nil {
		return c, err
	}
	if err := c.checkProbes(); err != nil {
		return c, err
	}
	if err := c.checkWait(); err != nil {
		return c, err
	}
	if c.clock == nil {
		c.clock = systemClock{}
	}
	return c, nil
}

// checkRules checks the trip rules and fills in their defaults.
func (c *config) checkRules() error {
	if c.failureRate != 0 && !(c.failureRate > 0 && c.failureRate <= 1) {
		return fmt.Errorf("breaker: FailureRate %v is not in (0, 1]", c.failureRate)
	}
	if c.slowRate != 0 && !(c.slowRate > 0 && c.slowRate <= 1) {
		return fmt.Errorf("breaker: SlowCallRate %v is not in (0, 1]", c.slowRate)
	}
	if c.slowDuration < 0 {
		return fmt.Errorf("breaker: SlowCallDuration %v is negative", c.slowDuration)
	}
	if c.slowDuration > maxDuration {
		return fmt.Errorf("breaker: SlowCallDuration %v is more than %v: no call is that slow, and time sums would overflow", c.slowDuration, maxDuration)
	}
	if c.slowRate != 0 && c.slowDuration == 0 {
		return fmt.Errorf("breaker: SlowCallRate %v is set but SlowCallDuration is zero", c.slowRate)
	}
	if c.slowDuration > 0 && c.slowRate == 0 {
		c.slowRate = 1
	}
	if c.consecutive < 0 {
		c.consecutive = 0
	}
	if c.consecutive == 0 && c.failureRate == 0 {
		c.failureRate = defaultFailureRate
	}
	return nil
}

// checkOpen checks the open period and fills in its defaults.
func (c *config) checkOpen() error {
	if c.openTimeout < 0 {
		return fmt.Errorf("breaker: OpenTimeout %v is negative", c.openTimeout)
	}
	if c.openTimeout == 0 {
		c.openTimeout = defaultOpenTimeout
	}
	if c.maxOpenTimeout < 0 {
		return fmt.Errorf("breaker: MaxOpenTimeout %v is negative", c.maxOpenTimeout)
	}
	if c.maxOpenTimeout == 0 {
		c.maxOpenTimeout = max(defaultMaxOpenTimeout, c.openTimeout)
	}
	if c.maxOpenTimeout < c.openTimeout {
		return fmt.Errorf("breaker: MaxOpenTimeout %v is less than OpenTimeout %v", c.maxOpenTimeout, c.openTimeout)
	}
	if c.multiplier != 0 && !(c.multiplier >= 1 && !math.IsInf(c.multiplier, 1)) {
		return fmt.Errorf("breaker: OpenTimeoutMultiplier %v is not in [1, +Inf)", c.multiplier)
	}
	if c.multiplier == 0 {
		c.multiplier = defaultMultiplier
	}
	return nil
}

// checkProbes checks the half-open fields and fills in their defaults.
func (c *config) checkProbes() error {
	if c.probes < 0 {
		return fmt.Errorf("breaker: HalfOpenProbes %d is negative", c.probes)
	}
	if c.successes < 0 {
		return fmt.Errorf("breaker: HalfOpenSuccesses %d is negative", c.successes)
	}
	if c.rateProbes() {
		if c.successes != 0 {
			return fmt.Errorf("breaker: HalfOpenSuccesses %d is set but FailureRate %v judges the probes; set one of them", c.successes, c.failureRate)
		}
		if c.probes == 0 {
			c.probes = defaultRateProbes
		}
		return nil
	}
	if c.probes == 0 {
		c.probes = defaultConsecutiveProbes
	}
	if c.successes == 0 {
		c.successes = c.probes
	}
	return nil
}

// checkWait checks the ride-out fields and fills in their defaults.
func (c *config) checkWait() error {
	if c.maxWaiting < 0 {
		return fmt.Errorf("breaker: MaxWaiting %d is negative", c.maxWaiting)
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"MaxWait", c.maxWait}, {"RampUp", c.rampUp}} {
		switch {
		case f.d < 0:
			return fmt.Errorf("breaker: %s %v is negative", f.name, f.d)
		case f.d > maxDuration:
			return fmt.Errorf("breaker: %s %v is more than %v", f.name, f.d, maxDuration)
		case f.d > 0 && c.maxWaiting == 0:
			return fmt.Errorf("breaker: %s %v is set but MaxWaiting is zero: no call waits", f.name, f.d)
		}
	}
	if c.maxWaiting == 0 {
		return nil
	}
	if c.rampUp == 0 {
		c.rampUp = c.openTimeout
	}
	if c.maxWait == 0 {
		c.maxWait = addSat(c.openTimeout, c.rampUp)
	}
	return nil
}

// checkWindow checks the window fields and fills in their defaults.
func (c *config) checkWindow() error {
	if c.windowSize < 0 {
		return fmt.Errorf("breaker: WindowSize %d is negative", c.windowSize)
	}
	if c.windowSize > maxWindowSize {
		return fmt.Errorf("breaker: WindowSize %d is more than %d", c.windowSize, maxWindowSize)
	}
	if c.windowBuckets > maxWindowBuckets {
		return fmt.Errorf("breaker: WindowBuckets %d is more than %d", c.windowBuckets, maxWindowBuckets)
	}
	if c.windowDuration < 0 {
		return fmt.Errorf("breaker: WindowDuration %v is negative", c.windowDuration)
	}
	if c.windowSize > 0 && c.windowDuration > 0 {
		return fmt.Errorf("breaker: WindowSize %d and WindowDuration %v are both set; choose one", c.windowSize, c.windowDuration)
	}
	if c.minCalls < 0 {
		return fmt.Errorf("breaker: MinimumCalls %d is negative", c.minCalls)
	}
	if c.windowDuration > 0 {
		if c.windowBuckets < 0 {
			return fmt.Errorf("breaker: WindowBuckets %d is negative", c.windowBuckets)
		}
		if c.windowBuckets == 0 {
			c.windowBuckets = defaultWindowBuckets
		}
		if time.Duration(c.windowBuckets) > c.windowDuration {
			return fmt.Errorf("breaker: WindowBuckets %d is too many for WindowDuration %v: buckets would be shorter than 1ns", c.windowBuckets, c.windowDuration)
		}
		if c.minCalls == 0 {
			c.minCalls = defaultMinimumCalls
		}
		return nil
	}
	c.windowBuckets = 0
	if c.windowSize == 0 {
		c.windowSize = defaultWindowSize
	}
	if c.minCalls == 0 {
		c.minCalls = min(defaultMinimumCalls, c.windowSize)
	}
	if c.minCalls > c.windowSize {
		return fmt.Errorf("breaker: MinimumCalls %d is more than WindowSize %d: the rate rules could never trip", c.minCalls, c.windowSize)
	}
	return nil
}
