package budget

// Share returns the share of calls a may let retries take now, for the
// tests.
func (a *Adaptive) Share() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.share()
}
