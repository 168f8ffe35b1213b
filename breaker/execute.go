package breaker

// Execute runs fn if b allows it, and reports the outcome that
// Settings.Classify gives fn's error; if fn panics, Execute reports a
// Failure and panics again. When b rejects the call, Execute returns the
// zero T and ErrCircuitOpen without calling fn. Execute itself does not
// allocate.
func Execute[T any](b *Breaker, fn func() (T, error)) (T, error) {
	t, err := b.Allow()
	if err != nil {
		var zero T
		return zero, err
	}
	returned := false
	defer func() {
		if !returned {
			b.Done(t, Failure)
		}
	}()
	v, err := fn()
	returned = true
	b.Done(t, b.cfg.classify(err))
	return v, err
}
