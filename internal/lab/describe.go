package lab

import (
	"fmt"
	"strings"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
	"github.com/rebound-go/rebound/breaker"
)

// DescribePolicy says in a line what a rebound Policy does, such as
// "4 attempts, backoff 100ms doubling to 5s with equal jitter,
// Retry-After honoured up to 30s".
func DescribePolicy(p rebound.Policy) string {
	ra := "Retry-After ignored"
	switch {
	case p.MaxRetryAfter == 0:
		ra = "Retry-After honoured up to 30s"
	case p.MaxRetryAfter > 0:
		ra = "Retry-After honoured up to " + p.MaxRetryAfter.String()
	}
	return fmt.Sprintf("%d attempts, backoff %s, %s", p.MaxAttempts(), describeBackoff(p.Backoff), ra)
}

func describeBackoff(s backoff.Strategy) string {
	withJitter := func(d string, j backoff.Jitter) string {
		if js := j.String(); js != "" && js != "none" {
			return d + " with " + js + " jitter"
		}
		return d
	}
	upTo := func(max time.Duration) string {
		if max > 0 {
			return " to " + max.String()
		}
		return ""
	}
	switch b := s.(type) {
	case nil:
		return "100ms doubling to 5s with equal jitter"
	case backoff.Exponential:
		grow := "doubling"
		if b.Multiplier != 0 && b.Multiplier != 2 {
			grow = fmt.Sprintf("growing ×%g", b.Multiplier)
		}
		return withJitter(fmt.Sprintf("%v %s%s", b.Initial, grow, upTo(b.Max)), b.Jitter)
	case backoff.Constant:
		return withJitter(b.Interval.String()+" constant", b.Jitter)
	case backoff.Decorrelated:
		return fmt.Sprintf("decorrelated jitter from %v%s", b.Initial, upTo(b.Max))
	}
	return fmt.Sprintf("%T", s)
}

// DescribeGuards says what the guards of cfg do, for the footnote of
// "rebound+guards".
func DescribeGuards(cfg rebound.Config) string {
	parts := []string{"rebound.Recommended() with rebound's policy"}
	if cfg.Budget != nil {
		parts = append(parts, "the adaptive retry budget (retries may take 10–50 % of calls, following how often they succeed)")
	}
	if b := cfg.Breaker; b != nil {
		parts = append(parts, describeBreaker(*b))
		if b.MaxWaiting > 0 {
			parts = append(parts, describeRideOut(*b))
		}
	}
	if cfg.AttemptTimeout > 0 {
		parts = append(parts, fmt.Sprintf("a %v bound on each attempt", cfg.AttemptTimeout))
	}
	if cfg.Hedge != nil {
		parts = append(parts, "hedging")
	}
	return strings.Join(parts, "; ")
}

// describeBreaker reads the breaker's settings with the defaults the
// breaker package documents.
func describeBreaker(b breaker.Settings) string {
	rate := or(b.FailureRate, 0.5)
	window := or(b.WindowSize, 100)
	probes := or(b.HalfOpenProbes, 20)
	open := or(b.OpenTimeout, 5*time.Second)
	maxOpen := or(b.MaxOpenTimeout, max(time.Minute, open))
	growth := or(b.OpenTimeoutMultiplier, 2)
	s := fmt.Sprintf("a breaker per host: opens when %g %% of the last %d calls failed, lets %d probes through %v later",
		100*rate, window, probes, open)
	if maxOpen > open && growth > 1 {
		s += fmt.Sprintf(", then ×%g later after each failed round, up to %v", growth, maxOpen)
	} else {
		s += fmt.Sprintf(", and every %v while the host stays down", open)
	}
	return s
}

func describeRideOut(b breaker.Settings) string {
	open := or(b.OpenTimeout, 5*time.Second)
	ramp := or(b.RampUp, open)
	wait := or(b.MaxWait, open+ramp)
	return fmt.Sprintf("ride-out: a call that meets the open breaker waits for the host, unsent (up to %d calls, %v each), "+
		"and once the probes close it the calls still waiting are released evenly over %v", b.MaxWaiting, wait, ramp)
}

// or returns v, or def when v is zero.
func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
