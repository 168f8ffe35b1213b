package faults

import "sync/atomic"

// Stats is a snapshot of an Injector's counters. Every count is made
// before its effect can reach the client, so once a client has had its
// answer (or its error) the request is in the counts. Each field is read
// atomically, but not all at one instant: take the snapshot while no
// request is in flight when the fields must agree with one another.
type Stats struct {
	// Requests is how many requests the injector saw.
	Requests int64
	// Forwarded is how many it passed on to the wrapped handler or
	// transport.
	Forwarded int64
	// Delayed is how many it gave added latency.
	Delayed int64
	// InOutage is how many met an outage's fault; they are also
	// counted under that fault's kind.
	InOutage int64

	// Statuses, Resets, Truncated, Hangs and Trickled count the faults
	// of each kind that were applied. A request whose client gave up
	// during added latency is counted in Requests and Delayed only.
	Statuses  int64
	Resets    int64
	Truncated int64
	Hangs     int64
	Trickled  int64

	// Responses counts, by status code, the responses that left the
	// injector, injected or not; responses cut short count too.
	Responses map[int]int64

	// Connections is how many connections a Server serving through this
	// injector accepted.
	Connections int64
}

type counters struct {
	requests, forwarded, delayed, outage atomic.Int64
	kinds                                [numKinds]atomic.Int64
	codes                                [1000]atomic.Int64
	conns                                atomic.Int64
}

// applied counts a fault that took effect.
func (c *counters) applied(f *Fault, outage bool) {
	c.kinds[f.Kind].Add(1)
	if outage {
		c.outage.Add(1)
	}
}

// response counts a response with the given status code.
func (c *counters) response(code int) {
	if code >= 0 && code < len(c.codes) {
		c.codes[code].Add(1)
	}
}

// Stats returns a snapshot of the injector's counters.
func (in *Injector) Stats() Stats {
	c := &in.c
	s := Stats{
		Requests:    c.requests.Load(),
		Forwarded:   c.forwarded.Load(),
		Delayed:     c.delayed.Load(),
		InOutage:    c.outage.Load(),
		Statuses:    c.kinds[Status].Load(),
		Resets:      c.kinds[Reset].Load(),
		Truncated:   c.kinds[Truncate].Load(),
		Hangs:       c.kinds[Hang].Load(),
		Trickled:    c.kinds[Trickle].Load(),
		Responses:   map[int]int64{},
		Connections: c.conns.Load(),
	}
	for code := range c.codes {
		if n := c.codes[code].Load(); n > 0 {
			s.Responses[code] = n
		}
	}
	return s
}
