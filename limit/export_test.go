package limit

import "time"

// SetRand replaces the source of the probe's jitter.
func SetRand(l *Limiter, f func() float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.est.rand = f
}

// Estimate returns the adaptive limit before rounding, the no-load
// latency, and whether the current window is a probe.
func Estimate(l *Limiter) (limit float64, base time.Duration, probing bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.est.limit, l.est.base, l.est.win.probing
}

// Pace returns the host's usual pace the limiter measured, in successes a
// millisecond, 0 until measured.
func Pace(l *Limiter) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.est.pace * float64(time.Millisecond)
}
