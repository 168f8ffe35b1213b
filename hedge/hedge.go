// Package hedge holds the settings of hedged requests and the latency
// tracker that makes their delay adaptive.
//
// A hedged request sends one attempt and, only if it has not answered
// within a delay, another; the first good answer wins and the others are
// cancelled. It cuts the tail of latency at the cost of a little extra
// load, where pester's Concurrency (every copy at once) multiplies it. The
// rebound Transport does the sending; this package decides when.
package hedge

import (
	"fmt"
	"time"
)

// Defaults of a zero Settings.
const (
	defaultCopies     = 2
	defaultMinSamples = 20
	defaultMinDelay   = time.Millisecond
	defaultMaxDelay   = time.Second
)

// Settings configure hedging. The mode follows from the fields:
//
//   - Parallel (pester's Concurrency): Delay and Percentile zero; all
//     Copies go out at once.
//   - Fixed delay: Delay set; each further copy goes out Delay after the
//     previous one, while none has answered well.
//   - Adaptive delay: Percentile set (e.g. 0.95); the delay is that
//     percentile of the latencies recently seen for the host, within
//     [MinDelay, MaxDelay]. Until MinSamples latencies are known, Delay is
//     used, or MaxDelay when Delay is zero.
//
// Only idempotent requests are hedged (GET, HEAD, OPTIONS, TRACE, PUT,
// DELETE, or an Idempotency-Key header) unless NonIdempotent is set.
type Settings struct {
	// Copies is the most attempts of one try in flight at once, the
	// first included. 0 means 2.
	Copies int
	// Delay before each further copy.
	Delay time.Duration
	// Percentile of recent latencies to wait for, in (0, 1); 0 means a
	// fixed delay.
	Percentile float64
	// MinDelay and MaxDelay bound an adaptive delay. 0 means
	// 1 ms and 1 s.
	MinDelay, MaxDelay time.Duration
	// MinSamples is how many latencies must be known before the adaptive
	// delay is trusted. 0 means 20.
	MinSamples int
	// NonIdempotent hedges every method, for servers that deduplicate.
	NonIdempotent bool
}

// Validate reports settings that cannot work.
func (s *Settings) Validate() error {
	switch {
	case s.Copies < 0 || s.Copies == 1:
		return fmt.Errorf("hedge: Copies %d must be at least 2 (or 0 for the default)", s.Copies)
	case s.Copies > 16:
		return fmt.Errorf("hedge: Copies %d is more than 16: that is a load test, not a hedge", s.Copies)
	case s.Delay < 0:
		return fmt.Errorf("hedge: Delay %v must not be negative", s.Delay)
	case !(s.Percentile >= 0 && s.Percentile < 1):
		return fmt.Errorf("hedge: Percentile %v is not in (0, 1)", s.Percentile)
	case s.MinDelay < 0 || s.MaxDelay < 0:
		return fmt.Errorf("hedge: MinDelay %v and MaxDelay %v must not be negative", s.MinDelay, s.MaxDelay)
	case s.MaxDelay != 0 && s.MinDelay > s.MaxDelay:
		return fmt.Errorf("hedge: MinDelay %v is above MaxDelay %v", s.MinDelay, s.MaxDelay)
	case s.MinSamples < 0:
		return fmt.Errorf("hedge: MinSamples %d must not be negative", s.MinSamples)
	}
	return nil
}

// MaxCopies returns Copies with its default applied.
func (s *Settings) MaxCopies() int {
	if s.Copies == 0 {
		return defaultCopies
	}
	return s.Copies
}

// NextDelay is the wait before the next copy, given the host's latencies
// (nil when the delay is fixed).
func (s *Settings) NextDelay(l *Latencies) time.Duration {
	if s.Percentile == 0 {
		return s.Delay
	}
	lo, hi := s.MinDelay, s.MaxDelay
	if lo == 0 {
		lo = defaultMinDelay
	}
	if hi == 0 {
		hi = defaultMaxDelay
	}
	need := s.MinSamples
	if need == 0 {
		need = defaultMinSamples
	}
	if l != nil {
		if q, ok := l.Quantile(s.Percentile, need); ok {
			return max(lo, min(q, hi))
		}
	}
	if s.Delay > 0 {
		return s.Delay
	}
	return hi
}
