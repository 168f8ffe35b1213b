package limit

import (
	"sync"
	"time"

	"github.com/rebound-go/rebound/internal/fifo"
)

// waitState is where a waiting call stands; it changes under the
// Limiter's mutex only.
type waitState uint8

const (
	stateWaiting waitState = iota
	stateGranted           // given a slot: ticket is valid
	stateRefused           // displaced by a call of higher priority
)

// A waiter is a call parked in Wait. Waiters are pooled per Limiter, with
// their channel and timer, so that a wait allocates nothing once the pool
// is warm.
type waiter struct {
	links  fifo.Links[*waiter]
	prio   Priority
	state  waitState
	ticket Ticket
	ready  chan struct{} // receives one value when state leaves stateWaiting
	timer  *time.Timer   // MaxWait, stopped while pooled
}

func (w *waiter) FIFOLinks() *fifo.Links[*waiter] { return &w.links }

// queue is a FIFO of the waiters of one priority.
type queue = fifo.Queue[*waiter]

// waiterPool hands out waiters whose timer is stopped and whose channel
// is empty.
type waiterPool struct{ p sync.Pool }

func (wp *waiterPool) get(p Priority) *waiter {
	w, _ := wp.p.Get().(*waiter)
	if w == nil {
		t := time.NewTimer(time.Hour)
		t.Stop()
		w = &waiter{ready: make(chan struct{}, 1), timer: t}
	}
	w.prio, w.state, w.ticket = p, stateWaiting, Ticket{}
	return w
}

func (wp *waiterPool) put(w *waiter) { wp.p.Put(w) }
