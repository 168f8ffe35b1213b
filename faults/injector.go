package faults

import (
	"net/http"
	"slices"
	"sync/atomic"
	"time"
)

// Injector applies a Scenario to the requests that pass through the
// handlers and transports it wraps, and counts what it did. Create one
// with New; the zero Injector injects nothing and only counts.
//
// An Injector is safe for concurrent use. Everything it wraps shares its
// sequence numbers, its outage clock and its counters, so give each side
// of a test its own Injector.
type Injector struct {
	s          Scenario
	idKey      string // canonical form of s.IDHeader
	attemptKey string // canonical form of s.AttemptHeader
	start      time.Time
	seq        atomic.Uint64
	c          counters
}

// New validates s and returns an Injector for it. Outage windows are
// measured from this call. New keeps its own copy of s.
func New(s Scenario) (*Injector, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s.Faults = slices.Clone(s.Faults)
	s.Latency = slices.Clone(s.Latency)
	s.Outages = slices.Clone(s.Outages)
	return &Injector{
		s:          s,
		idKey:      http.CanonicalHeaderKey(s.IDHeader),
		attemptKey: http.CanonicalHeaderKey(s.AttemptHeader),
		start:      time.Now(),
	}, nil
}

// begin counts a request and decides its fate.
func (in *Injector) begin(h http.Header) (delay time.Duration, f *Fault, outage bool) {
	in.c.requests.Add(1)
	return in.s.decide(in.key(h), time.Since(in.start))
}

// key returns the request's schedule key: its header key when the
// scenario names an id header and the request carries it, else its
// sequence number.
func (in *Injector) key(h http.Header) uint64 {
	if in.idKey != "" {
		if id := first(h[in.idKey]); id != "" {
			attempt := ""
			if in.attemptKey != "" {
				attempt = first(h[in.attemptKey])
			}
			return headerKey(id, attempt)
		}
	}
	return in.seq.Add(1) - 1
}

func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}
