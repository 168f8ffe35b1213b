package backoff

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Validate reports a negative Interval or an invalid Jitter. A zero
// Interval is valid: it retries at once.
func (c Constant) Validate() error {
	if c.Interval < 0 {
		return negative("Constant Interval", c.Interval)
	}
	return c.Jitter.Validate()
}

// Validate reports a negative field, Initial and Step both 0 (no retry
// would ever wait), a Max below the first delay, or an invalid Jitter.
func (l Linear) Validate() error {
	switch {
	case l.Initial < 0:
		return negative("Linear Initial", l.Initial)
	case l.Step < 0:
		return negative("Linear Step", l.Step)
	case l.Max < 0:
		return negative("Linear Max", l.Max)
	case l.Initial == 0 && l.Step == 0:
		return errors.New("backoff: Linear Initial and Step are both 0, so no retry would wait; set Step (or use Constant{} to mean no wait)")
	}
	if err := capBelow("Linear", l.Max, l.first()); err != nil {
		return err
	}
	return l.Jitter.Validate()
}

// Validate reports a zero or negative Initial (every retry would go at
// once), a negative Max, a Max below Initial, a Multiplier below 1, NaN or
// infinite, or an invalid Jitter.
func (e Exponential) Validate() error {
	switch {
	case e.Initial < 0:
		return negative("Exponential Initial", e.Initial)
	case e.Max < 0:
		return negative("Exponential Max", e.Max)
	case e.Initial == 0:
		return errors.New("backoff: Exponential Initial is 0, so no retry would wait; set it (100ms is common) or use Constant{} to mean no wait")
	}
	if err := capBelow("Exponential", e.Max, e.Initial); err != nil {
		return err
	}
	if e.Multiplier != 0 && !(e.Multiplier >= 1 && !math.IsInf(e.Multiplier, 0)) {
		return fmt.Errorf("backoff: Exponential Multiplier %v must be at least 1 and finite", e.Multiplier)
	}
	return e.Jitter.Validate()
}

// Validate reports a zero or negative Initial (no retry would wait), a
// negative Max, or a Max below Initial.
func (d Decorrelated) Validate() error {
	switch {
	case d.Initial < 0:
		return negative("Decorrelated Initial", d.Initial)
	case d.Max < 0:
		return negative("Decorrelated Max", d.Max)
	case d.Initial == 0:
		return errors.New("backoff: Decorrelated Initial is 0, so no retry would wait; set it (100ms is common)")
	}
	return capBelow("Decorrelated", d.Max, d.Initial)
}

func negative(field string, d time.Duration) error {
	return fmt.Errorf("backoff: %s %v must not be negative", field, d)
}

// capBelow reports a cap (0: none) below the first delay, which would make
// the schedule a constant Max.
func capBelow(kind string, limit, first time.Duration) error {
	if limit != 0 && limit < first {
		return fmt.Errorf("backoff: %s Max %v is below the first delay %v, so every retry would wait Max; raise Max or use Constant", kind, limit, first)
	}
	return nil
}
