package backoff

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Validate reports a strategy whose schedule cannot be sensible, with an
// error that names the field and the problem:
//
//   - [Constant]: a negative Interval (a zero Interval is valid: it
//     retries at once);
//   - [Exponential]: a zero or negative Initial (every retry would go at
//     once), a negative Max, a Max below Initial, a Multiplier below 1,
//     NaN or infinite;
//   - [Decorrelated]: a zero or negative Initial, a negative Max, a Max
//     below Initial;
//   - any of them: a [Proportional] jitter outside [0, 1].
//
// Pointers to these types are checked as the values. A Strategy of
// another package is checked by its own Validate() error method when it
// has one; otherwise, and for nil, Validate returns nil. A strategy that
// fails Validate still never returns a negative delay. rebound's Policy
// calls Validate when a Transport, Runner or Retry takes it.
func Validate(s Strategy) error {
	switch s := s.(type) {
	case Constant:
		return s.validate()
	case *Constant:
		if s != nil {
			return s.validate()
		}
	case Exponential:
		return s.validate()
	case *Exponential:
		if s != nil {
			return s.validate()
		}
	case Decorrelated:
		return s.validate()
	case *Decorrelated:
		if s != nil {
			return s.validate()
		}
	case interface{ Validate() error }:
		return s.Validate()
	}
	return nil
}

func (c Constant) validate() error {
	if c.Interval < 0 {
		return negative("Constant Interval", c.Interval)
	}
	return c.Jitter.validate()
}

func (e Exponential) validate() error {
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
	return e.Jitter.validate()
}

func (d Decorrelated) validate() error {
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
