package limit

// slots tells a live Ticket from a stale or repeated one, so that a Done
// called twice, or with a ticket from before, cannot free a slot another
// call holds. Every call in flight holds a slot; a slot's sequence number
// is odd while it is held and is bumped on every take and every give, so
// a ticket matches its slot once at most.
//
// Memory: 8 bytes a slot, as many slots as calls were ever in flight at
// once. The slices grow with the first calls and are reused after.
type slots struct {
	seq  []uint32
	free []int32 // indices of slots not held
}

// take holds a free slot and returns it with its sequence number.
func (s *slots) take() (int32, uint32) {
	if n := len(s.free); n > 0 {
		i := s.free[n-1]
		s.free = s.free[:n-1]
		s.seq[i]++
		return i, s.seq[i]
	}
	s.seq = append(s.seq, 1)
	return int32(len(s.seq) - 1), 1
}

// give frees slot i if it is held under seq, and reports whether it was.
func (s *slots) give(i int32, seq uint32) bool {
	if i < 0 || int(i) >= len(s.seq) || seq&1 == 0 || s.seq[i] != seq {
		return false
	}
	s.seq[i]++
	s.free = append(s.free, i)
	return true
}
