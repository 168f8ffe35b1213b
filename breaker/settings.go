package breaker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// Settings configures a [Breaker] or a [Set]. It is a plain value: the zero
// value of every field is a documented default, so Settings{} makes a breaker
// that opens after 5 consecutive failures for 30 seconds and then lets one
// probe through.
//
// The trip rules are checked after every recorded call, and, when the
// slow-call rule is on, on every Allow as well. A rule that is off never
// trips; at least one must be on.
//
// New and NewSet copy the Settings, so changing them later has no effect.
// The functions in it are called from many goroutines and must be safe for
// concurrent use.
type Settings struct {
	// Name identifies the breaker in OnStateChange. A Set ignores it and
	// names each breaker after its key.
	Name string

	// ConsecutiveFailures opens the breaker after this many failures in a
	// row while closed; a success resets the run, an ignored call does not.
	// Zero means 5 when FailureRate is zero, and off when it is set (the
	// rate rule takes over; set both to use both). Negative means off.
	ConsecutiveFailures int

	// FailureRate opens the breaker when failures/calls over the window is
	// at or above it, once the window holds MinimumCalls calls. It must be
	// in (0, 1]; zero means off.
	FailureRate float64

	// SlowCallDuration turns the slow-call rule on: a call slower than this
	// is slow, whatever its outcome, and so is a call still in flight
	// that started longer ago than this. Slow calls in flight are counted
	// to within SlowCallDuration/8. In half-open, a slow probe counts as a
	// failed one, and Allow reopens the breaker as soon as a probe in
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
	// WindowDuration after it finished. Zero means a WindowSize window.
	WindowDuration time.Duration

	// WindowBuckets is the number of buckets of a WindowDuration window.
	// Zero means 10. It is not used with a WindowSize window. Memory: 24
	// bytes per bucket.
	WindowBuckets int

	// MinimumCalls is how many calls the window must hold before
	// FailureRate or SlowCallRate can trip the breaker. Zero means 20, or
	// WindowSize if that is smaller. It must not exceed WindowSize.
	MinimumCalls int

	// OpenTimeout is how long the breaker stays open after tripping from
	// closed. Zero means 30 seconds.
	OpenTimeout time.Duration

	// MaxOpenTimeout lets the open period grow: each time a probe fails
	// and the breaker reopens, the period is multiplied by
	// OpenTimeoutMultiplier, up to MaxOpenTimeout. It goes back to
	// OpenTimeout when the breaker closes. Zero means OpenTimeout: no
	// growth.
	MaxOpenTimeout time.Duration

	// OpenTimeoutMultiplier is the growth factor of the open period; it
	// must be at least 1. Zero means 2.
	OpenTimeoutMultiplier float64

	// HalfOpenProbes is how many probe calls may be in flight at once in
	// half-open. Zero means 1.
	HalfOpenProbes int

	// HalfOpenSuccesses is how many probes must succeed, one after the
	// other or at once, before the breaker closes. Zero means
	// HalfOpenProbes.
	HalfOpenSuccesses int

	// OnStateChange, if set, is called after each state change with the
	// breaker's name. It is never called with a lock held, so it may use
	// the breaker; the calls for one breaker are made one at a time and in
	// the order of the changes, by whichever goroutine caused the change
	// (for Open to HalfOpen, the breaker's timer), while those for
	// different breakers of a Set may overlap. It should return quickly:
	// it delays that goroutine.
	OnStateChange func(name string, from, to State)

	// Classify gives the Outcome of a call made through Execute from the
	// error it returned. Nil means: a nil error is a Success, an error
	// that wraps context.Canceled is Ignored, and any other is a Failure.
	Classify func(err error) Outcome

	// Clock is the source of time. Nil means the system clock.
	Clock Clock
}

// Defaults of Settings.
const (
	defaultConsecutiveFailures = 5
	defaultWindowSize          = 100
	maxWindowSize              = 1_000_000 // a byte a call: 1 MB
	maxWindowBuckets           = 10_000    // 24 bytes a bucket
	maxDuration                = 24 * time.Hour
	defaultWindowBuckets       = 10
	defaultMinimumCalls        = 20
	defaultOpenTimeout         = 30 * time.Second
	defaultMultiplier          = 2
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
	successes      int
	onStateChange  func(name string, from, to State)
	classify       func(error) Outcome
	clock          Clock
}

// needsWindow reports whether a rate rule is on.
func (c *config) needsWindow() bool { return c.failureRate > 0 || c.slowDuration > 0 }

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
		onStateChange:  s.OnStateChange,
		classify:       s.Classify,
		clock:          s.Clock,
	}

	if c.failureRate != 0 && !(c.failureRate > 0 && c.failureRate <= 1) {
		return c, fmt.Errorf("breaker: FailureRate %v is not in (0, 1]", c.failureRate)
	}
	if c.slowRate != 0 && !(c.slowRate > 0 && c.slowRate <= 1) {
		return c, fmt.Errorf("breaker: SlowCallRate %v is not in (0, 1]", c.slowRate)
	}
	if c.slowDuration < 0 {
		return c, fmt.Errorf("breaker: SlowCallDuration %v is negative", c.slowDuration)
	}
	if c.slowDuration > maxDuration {
		return c, fmt.Errorf("breaker: SlowCallDuration %v is more than %v: no call is that slow, and time sums would overflow", c.slowDuration, maxDuration)
	}
	if c.slowRate != 0 && c.slowDuration == 0 {
		return c, fmt.Errorf("breaker: SlowCallRate %v is set but SlowCallDuration is zero", c.slowRate)
	}
	if c.slowDuration > 0 && c.slowRate == 0 {
		c.slowRate = 1
	}
	switch {
	case c.consecutive == 0 && c.failureRate == 0:
		c.consecutive = defaultConsecutiveFailures
	case c.consecutive < 0:
		c.consecutive = 0
	}
	if c.consecutive == 0 && !c.needsWindow() {
		return c, fmt.Errorf("breaker: no trip rule: ConsecutiveFailures is %d and FailureRate and SlowCallDuration are zero", s.ConsecutiveFailures)
	}

	if err := c.checkWindow(); err != nil {
		return c, err
	}

	if c.openTimeout < 0 {
		return c, fmt.Errorf("breaker: OpenTimeout %v is negative", c.openTimeout)
	}
	if c.openTimeout == 0 {
		c.openTimeout = defaultOpenTimeout
	}
	if c.maxOpenTimeout < 0 {
		return c, fmt.Errorf("breaker: MaxOpenTimeout %v is negative", c.maxOpenTimeout)
	}
	if c.maxOpenTimeout == 0 {
		c.maxOpenTimeout = c.openTimeout
	}
	if c.maxOpenTimeout < c.openTimeout {
		return c, fmt.Errorf("breaker: MaxOpenTimeout %v is less than OpenTimeout %v", c.maxOpenTimeout, c.openTimeout)
	}
	if c.multiplier != 0 && !(c.multiplier >= 1 && !math.IsInf(c.multiplier, 1)) {
		return c, fmt.Errorf("breaker: OpenTimeoutMultiplier %v is not in [1, +Inf)", c.multiplier)
	}
	if c.multiplier == 0 {
		c.multiplier = defaultMultiplier
	}

	if c.probes < 0 {
		return c, fmt.Errorf("breaker: HalfOpenProbes %d is negative", c.probes)
	}
	if c.probes == 0 {
		c.probes = 1
	}
	if c.successes < 0 {
		return c, fmt.Errorf("breaker: HalfOpenSuccesses %d is negative", c.successes)
	}
	if c.successes == 0 {
		c.successes = c.probes
	}

	if c.classify == nil {
		c.classify = classify
	}
	if c.clock == nil {
		c.clock = systemClock{}
	}
	return c, nil
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

// classify is the default Settings.Classify.
func classify(err error) Outcome {
	switch {
	case err == nil:
		return Success
	case errors.Is(err, context.Canceled):
		return Ignore
	}
	return Failure
}
