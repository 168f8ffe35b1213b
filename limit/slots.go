package limit

import "time"

// slots tells a live Ticket from a stale or repeated one, so that a Done
// called twice, or with a ticket from before, cannot free a slot another
// call holds, and keeps the calls in flight in the order they were
// admitted, so that the limiter sees how long the oldest have been
// waiting for their answer before they end.
//
// Every call in flight holds a slot; a slot's sequence number is odd
// while it is held and is bumped on every take and every give, so a
// ticket matches its slot once at most. The held slots form a doubly
// linked list, oldest admission first, through s[0], which is never held
// (the zero Ticket names it, and its even sequence number refuses it).
//
// Memory: 32 bytes a slot, as many slots as calls were ever in flight at
// once. The slices grow with the first calls and are reused after.
type slots struct {
	s    []slot  // s[0] is the list's sentinel: s[0].next is the oldest call
	free []int32 // indices of slots not held
}

type slot struct {
	start      time.Duration // when the call was admitted, since the limiter's epoch
	seq        uint32
	prev, next int32
	limit      int32  // the limit when it was admitted (not halved by a probe)
	win        uint32 // the window it belongs to (sampleWindow), 0 for none
	done       uint32 // the calls that had succeeded when it was admitted (estimator.done)
}

// take holds a free slot for the call c describes (its start, limit, win
// and done), and returns it with its sequence number.
func (s *slots) take(c slot) (int32, uint32) {
	if len(s.s) == 0 {
		s.s = append(s.s, slot{}) // the sentinel, linked to itself
	}
	var i int32
	if n := len(s.free); n > 0 {
		i = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		s.s = append(s.s, slot{})
		i = int32(len(s.s) - 1)
	}
	last := s.s[0].prev
	e := &s.s[i]
	c.seq, c.prev, c.next = e.seq+1, last, 0
	*e = c
	s.s[last].next = i
	s.s[0].prev = i
	return i, e.seq
}

// give frees slot i if it is held under seq, and reports whether it was,
// with the window of the call that held it.
func (s *slots) give(i int32, seq uint32) (win uint32, ok bool) {
	if i <= 0 || int(i) >= len(s.s) || seq&1 == 0 || s.s[i].seq != seq {
		return 0, false
	}
	e := &s.s[i]
	e.seq++
	s.s[e.prev].next = e.next
	s.s[e.next].prev = e.prev
	s.free = append(s.free, i)
	return e.win, true
}

// oldest returns the n-th oldest call in flight (n from 1), and false if
// fewer than n calls are in flight.
func (s *slots) oldest(n int) (slot, bool) {
	if len(s.s) == 0 {
		return slot{}, false
	}
	i := s.s[0].next
	for ; n > 1 && i != 0; n-- {
		i = s.s[i].next
	}
	return s.s[i], i != 0
}
