package breaker

// transition is a state change waiting for OnStateChange.
type transition struct {
	from, to State
}

// notifier queues the state changes of a breaker and hands them to
// OnStateChange in order, outside the lock. Its fields are guarded by
// Breaker.mu.
type notifier struct {
	pending    []transition
	delivering bool // a goroutine is calling OnStateChange
}

// unlock releases b.mu, after calling OnStateChange for the pending state
// changes unless another goroutine already is: that one will call it for
// them as well, so the hook sees the changes one at a time and in order.
func (b *Breaker) unlock() {
	if b.delivering || len(b.pending) == 0 {
		b.mu.Unlock()
		return
	}
	b.deliver()
}

// deliver is the slow path of unlock, kept apart so that unlock inlines.
func (b *Breaker) deliver() {
	b.delivering = true
	locked := true
	defer func() { // also when the hook panics
		if !locked {
			b.mu.Lock()
		}
		b.delivering = false
		b.mu.Unlock()
	}()
	for len(b.pending) > 0 {
		t := b.pending[0]
		n := copy(b.pending, b.pending[1:])
		b.pending = b.pending[:n]
		b.mu.Unlock()
		locked = false
		b.cfg.onStateChange(b.name, t.from, t.to)
		b.mu.Lock()
		locked = true
	}
}
