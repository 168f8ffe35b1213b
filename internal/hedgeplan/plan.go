// Package hedgeplan decides when a rebound Transport sends the next copy
// of a hedged request: hedge.Settings with their defaults applied, and the
// latencies of a host that an adaptive delay is a percentile of. Only the
// root package uses it; users configure hedging with hedge.Settings.
package hedgeplan

import (
	"fmt"
	"time"

	"github.com/rebound-go/rebound/hedge"
)

// Defaults of a zero hedge.Settings, as its documentation gives them.
const (
	defaultCopies     = 2
	defaultMinSamples = 20
	defaultMinDelay   = time.Millisecond
	defaultMaxDelay   = time.Second
)

// Validate reports settings that cannot work, naming the field.
func Validate(s *hedge.Settings) error {
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

// Copies returns s.Copies with its default applied: the most copies of
// one try in flight at once, the first included.
func Copies(s *hedge.Settings) int {
	if s.Copies == 0 {
		return defaultCopies
	}
	return s.Copies
}

// Delay is the wait before the next copy under s, given the host's
// latencies l (nil when the delay is fixed): s.Delay for a fixed delay (0
// when every copy goes at once); for an adaptive one, s.Percentile of l
// within [MinDelay, MaxDelay] once l holds MinSamples latencies, and until
// then s.Delay, or MaxDelay when that is zero.
func Delay(s *hedge.Settings, l *Latencies) time.Duration {
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
