// Package fifo is the first-come-first-served queue of waiting calls that
// the breaker's ride-out and the adaptive limit share: an intrusive doubly
// linked list, whose elements carry their own links, so that queueing and
// leaving from the middle (a caller that gives up) allocate nothing and
// take constant time.
package fifo

// Links are an element's place in a Queue; embed them in the element and
// return them from its FIFOLinks method. The zero Links are not queued.
type Links[E comparable] struct{ prev, next E }

// Elem is an element of a Queue: a pointer type whose FIFOLinks returns
// the links it carries.
type Elem[E comparable] interface {
	comparable
	FIFOLinks() *Links[E]
}

// Queue is a FIFO of elements of type E; its zero value is empty. It is
// not safe for concurrent use: its owner's lock guards it.
type Queue[E Elem[E]] struct {
	head, tail E
	n          int
}

// Len returns how many elements are queued.
func (q *Queue[E]) Len() int { return q.n }

// Front returns the oldest element, the zero E when the queue is empty.
func (q *Queue[E]) Front() E { return q.head }

// Back returns the newest element, the zero E when the queue is empty.
func (q *Queue[E]) Back() E { return q.tail }

// Next returns the element queued after e, the zero E when e is the
// newest.
func Next[E Elem[E]](e E) E { return e.FIFOLinks().next }

// Push queues e, which must not be queued, as the newest element.
func (q *Queue[E]) Push(e E) {
	var zero E
	l := e.FIFOLinks()
	l.prev, l.next = q.tail, zero
	if q.tail == zero {
		q.head = e
	} else {
		q.tail.FIFOLinks().next = e
	}
	q.tail = e
	q.n++
}

// Remove takes e, which must be queued in q, out of it.
func (q *Queue[E]) Remove(e E) {
	var zero E
	l := e.FIFOLinks()
	if l.prev == zero {
		q.head = l.next
	} else {
		l.prev.FIFOLinks().next = l.next
	}
	if l.next == zero {
		q.tail = l.prev
	} else {
		l.next.FIFOLinks().prev = l.prev
	}
	l.prev, l.next = zero, zero
	q.n--
}
