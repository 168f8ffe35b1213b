package breaker

import "time"

// Clock is the source of time of a [Breaker]. Tests supply a fake one; the
// default reads the system clock. A Clock must be safe for concurrent use.
type Clock interface {
	// Now returns the current time. The breaker only measures time
	// between values Now returned, so it need not be the wall clock; if
	// Now goes backwards, the breaker sees time stand still.
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed, like
	// time.AfterFunc. The breaker calls it once each time it opens.
	AfterFunc(d time.Duration, f func())
}

// systemClock is the default Clock: time.Now and time.AfterFunc.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) { time.AfterFunc(d, f) }
