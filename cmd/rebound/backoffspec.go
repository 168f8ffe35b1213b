package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rebound-go/rebound/backoff"
)

// backoffHelp documents the -backoff flag.
const backoffHelp = `backoff between attempts: exp:INITIAL[:MAX], const:INTERVAL or
decorr:INITIAL[:MAX], exp and const optionally followed by :none, :full, :equal
or :N% jitter (exp defaults to equal jitter, const to none); empty means
rebound's default, exp:100ms:5s:equal`

// parseBackoff reads a -backoff value such as "exp:100ms:5s",
// "const:1s:full" or "decorr:100ms:5s". Empty means nil:
// rebound's default.
func parseBackoff(spec string) (backoff.Strategy, error) {
	if spec == "" {
		return nil, nil
	}
	fields := strings.Split(spec, ":")
	kind, args := fields[0], fields[1:]
	jitter, jitterSet := backoff.Jitter{}, false
	if n := len(args); n > 0 {
		if j, ok, err := parseJitter(args[n-1]); err != nil {
			return nil, err
		} else if ok {
			jitter, jitterSet, args = j, true, args[:n-1]
		}
	}
	durs := make([]time.Duration, len(args))
	for i, a := range args {
		d, err := time.ParseDuration(a)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("backoff %q: %q is not a duration", spec, a)
		}
		durs[i] = d
	}
	arity := func(lo, hi int) error {
		if len(durs) < lo || len(durs) > hi {
			return fmt.Errorf("backoff %q: %s takes %d to %d durations", spec, kind, lo, hi)
		}
		return nil
	}
	at := func(i int) time.Duration {
		if i < len(durs) {
			return durs[i]
		}
		return 0
	}
	var s backoff.Strategy
	switch kind {
	case "exp", "exponential":
		if err := arity(1, 2); err != nil {
			return nil, err
		}
		if !jitterSet {
			jitter = backoff.Equal
		}
		s = backoff.Exponential{Initial: at(0), Max: at(1), Jitter: jitter}
	case "const", "constant":
		if err := arity(1, 1); err != nil {
			return nil, err
		}
		s = backoff.Constant{Interval: at(0), Jitter: jitter}
	case "decorr", "decorrelated":
		if err := arity(1, 2); err != nil {
			return nil, err
		}
		if jitterSet {
			return nil, fmt.Errorf("backoff %q: decorrelated backoff is its own jitter", spec)
		}
		s = backoff.Decorrelated{Initial: at(0), Max: at(1)}
	default:
		return nil, fmt.Errorf("backoff %q: unknown kind %q (exp, const or decorr)", spec, kind)
	}
	if err := backoff.Validate(s); err != nil {
		return nil, fmt.Errorf("backoff %q: %w", spec, err)
	}
	return s, nil
}

// parseJitter reads a jitter name; ok is false when s is not one (it may
// be a duration).
func parseJitter(s string) (j backoff.Jitter, ok bool, err error) {
	switch s {
	case "none":
		return backoff.Jitter{}, true, nil
	case "full":
		return backoff.Full, true, nil
	case "equal":
		return backoff.Equal, true, nil
	}
	if p, isPct := strings.CutSuffix(s, "%"); isPct {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f < 0 || f > 100 {
			return j, false, fmt.Errorf("jitter %q is not a percentage from 0%% to 100%%", s)
		}
		return backoff.Proportional(f / 100), true, nil
	}
	return j, false, nil
}
