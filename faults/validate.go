package faults

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// ErrInvalid is matched, through errors.Is, by every error that reports
// a bad scenario, from Validate, New, ParseScenario or json.Unmarshal
// into a Scenario.
var ErrInvalid = errors.New("faults: invalid scenario")

// invalidError reports a bad scenario; it unwraps to the JSON error
// that caused it, if any.
type invalidError struct {
	msg string
	err error
}

func (e *invalidError) Error() string        { return "faults: " + e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }
func (e *invalidError) Unwrap() error        { return e.err }

func invalidf(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// rateSlack absorbs rounding when rates such as 0.1, 0.2 and 0.7 add up.
const rateSlack = 1e-9

// Validate reports the first problem with s, or nil. Errors name the
// offending entry as in JSON, for example
// "faults: faults[1]: rate 1.3 is not a probability".
func (s Scenario) Validate() error {
	if s.IDHeader != "" && !validHeaderName(s.IDHeader) {
		return invalidf("id_header %q is not a valid header name", s.IDHeader)
	}
	if s.AttemptHeader != "" {
		if s.IDHeader == "" {
			return invalidf("attempt_header needs id_header")
		}
		if !validHeaderName(s.AttemptHeader) {
			return invalidf("attempt_header %q is not a valid header name", s.AttemptHeader)
		}
	}
	sum := 0.0
	for i, f := range s.Faults {
		if msg := f.check(false); msg != "" {
			return invalidf("faults[%d]: %s", i, msg)
		}
		sum += f.Rate
	}
	if sum > 1+rateSlack {
		return invalidf("fault rates add up to %v, more than 1", sum)
	}
	for i, l := range s.Latency {
		if msg := l.check(); msg != "" {
			return invalidf("latency[%d]: %s", i, msg)
		}
	}
	for i, o := range s.Outages {
		if msg := o.check(); msg != "" {
			return invalidf("outages[%d]: %s", i, msg)
		}
	}
	return nil
}

// Fields a fault may set, by kind.
const (
	fieldStatus = 1 << iota
	fieldRetryAfter
	fieldBytes
	fieldInterval
	fieldForward
)

var kindFields = [numKinds]int{
	Status:   fieldStatus | fieldRetryAfter | fieldForward,
	Reset:    fieldForward,
	Truncate: fieldBytes,
	Hang:     fieldForward,
	Trickle:  fieldBytes | fieldInterval,
}

// check returns what is wrong with f, or "".
func (f Fault) check(inOutage bool) string {
	if !f.Kind.valid() {
		return fmt.Sprintf("unknown kind %v", f.Kind)
	}
	if inOutage {
		if f.Rate != 0 {
			return "rate does not apply to an outage's fault"
		}
	} else if msg := checkRate(f.Rate); msg != "" {
		return msg
	}
	switch {
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return fmt.Sprintf("status %d is not an HTTP status in 200-599", f.Status)
	case f.RetryAfter < 0:
		return fmt.Sprintf("retry_after %v is negative", f.RetryAfter)
	case f.Bytes < 0:
		return fmt.Sprintf("bytes %d is negative", f.Bytes)
	case f.Interval < 0:
		return fmt.Sprintf("interval %v is negative", f.Interval)
	}
	set := []struct {
		name string
		bit  int
		on   bool
	}{
		{"status", fieldStatus, f.Status != 0},
		{"retry_after", fieldRetryAfter, f.RetryAfter != 0},
		{"bytes", fieldBytes, f.Bytes != 0},
		{"interval", fieldInterval, f.Interval != 0},
		{"forward", fieldForward, f.Forward},
	}
	for _, field := range set {
		if field.on && kindFields[f.Kind]&field.bit == 0 {
			return fmt.Sprintf("%s does not apply to kind %v", field.name, f.Kind)
		}
	}
	if f.Kind == Trickle && f.Interval == 0 {
		return "kind trickle needs an interval above 0"
	}
	return ""
}

func (l Latency) check() string {
	switch {
	case checkRate(l.Rate) != "":
		return checkRate(l.Rate)
	case l.Min < 0:
		return fmt.Sprintf("min %v is negative", l.Min)
	case l.Max < 0:
		return fmt.Sprintf("max %v is negative", l.Max)
	case l.Max != 0 && l.Max < l.Min:
		return fmt.Sprintf("max %v is below min %v", l.Max, l.Min)
	}
	return ""
}

func (o Outage) check() string {
	switch {
	case o.Start < 0:
		return fmt.Sprintf("start %v is negative", o.Start)
	case o.End <= o.Start:
		return fmt.Sprintf("end %v is not after start %v", o.End, o.Start)
	}
	if msg := o.Fault.check(true); msg != "" {
		return "fault: " + msg
	}
	return ""
}

func checkRate(r float64) string {
	if math.IsNaN(r) || r < 0 || r > 1 {
		return fmt.Sprintf("rate %v is not a probability", r)
	}
	return ""
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
