package breaker

import "time"

// clock is the source of time of a [Breaker]: the system clock, or a fake
// one that a test of this package puts in Settings.clock (code outside it
// runs a breaker in fake time with testing/synctest). A clock must be safe
// for concurrent use.
// The breaker may call its methods while holding its own lock, so they
// must not call the breaker.
type clock interface {
	// Now returns the current time. The breaker only measures time
	// between values Now returned, so it need not be the wall clock; if
	// Now goes backwards, the breaker sees time stand still.
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed, like
	// time.AfterFunc, and returns a function that cancels the call, like
	// (*time.Timer).Stop: it reports whether it stopped f before f
	// started. The breaker calls it each time it opens, and, with
	// ride-out on, for the waits of Breaker.Wait and the ramp after a
	// close, which it stops when they are no longer needed.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// systemClock is the default clock: time.Now and time.AfterFunc.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}
