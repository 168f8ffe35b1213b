package faults

import "time"

// plan is what an injector does to one request.
type plan struct {
	// Delay is the added latency, spent before anything else.
	Delay time.Duration
	// Fault is the fault the request meets, or nil when it is served
	// as usual. It is a copy; changing it changes nothing.
	Fault *Fault
	// Outage reports that Fault comes from an outage window.
	Outage bool
}

// planFor returns what a request with the given key meets when it arrives
// elapsed after the injector's creation; elapsed matters only for
// outages. It is the pure function behind every Injector: the same
// scenario, key and elapsed give the same plan. For a scenario that does
// not validate, the result is unspecified.
func (s Scenario) planFor(key uint64, elapsed time.Duration) plan {
	delay, f, outage := s.decide(key, elapsed)
	p := plan{Delay: delay, Outage: outage}
	if f != nil {
		c := *f
		p.Fault = &c
	}
	return p
}

// decide is planFor without the copy; the fault points into s.
func (s *Scenario) decide(key uint64, elapsed time.Duration) (delay time.Duration, f *Fault, outage bool) {
	r := newStream(s.Seed, key)
	u := r.float()
	sum := 0.0
	for i := range s.Faults {
		sum += s.Faults[i].Rate
		if u < sum {
			f = &s.Faults[i]
			break
		}
	}
	for _, l := range s.Latency {
		fires, where := r.float(), r.float()
		if fires < l.Rate {
			delay += l.draw(where)
		}
	}
	for i := range s.Outages {
		if o := &s.Outages[i]; o.Start <= elapsed && elapsed < o.End {
			return delay, &o.Fault, true
		}
	}
	return delay, f, false
}

// draw maps u in [0, 1) onto [Min, Max).
func (l Latency) draw(u float64) time.Duration {
	if l.Max <= l.Min {
		return l.Min
	}
	span := l.Max - l.Min
	return l.Min + min(time.Duration(u*float64(span)), span-1) // rounding must not reach Max
}
