package lab

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/rebound-go/rebound"
)

// Recorder keeps what a client's guards did during one run, timed from
// the run's start: each change of a host's breaker, and how many
// attempts waited for an open breaker (ride-out). It is safe for
// concurrent use.
type Recorder struct {
	start time.Time

	mu      sync.Mutex
	changes []BreakerChange
	waits   int
	hosts   func() []string // the hosts that have a breaker; nil: none
}

// BreakerChange is a host's breaker entering a state.
type BreakerChange struct {
	At   time.Duration // since the client's start
	Host string
	To   string // "closed", "half-open" or "open"
}

func newRecorder(start time.Time) *Recorder { return &Recorder{start: start} }

// hook returns an OnEvent hook that records into r, then calls next
// (when set).
func (r *Recorder) hook(next func(context.Context, rebound.Event)) func(context.Context, rebound.Event) {
	return func(ctx context.Context, e rebound.Event) {
		r.record(e)
		if next != nil {
			next(ctx, e)
		}
	}
}

func (r *Recorder) record(e rebound.Event) {
	switch {
	case e.Kind == rebound.EventBreakerChange:
		at := time.Since(r.start)
		r.mu.Lock()
		r.changes = append(r.changes, BreakerChange{At: at, Host: e.Key, To: e.To.String()})
		r.mu.Unlock()
	case e.Kind == rebound.EventWait && e.Source == "breaker":
		r.mu.Lock()
		r.waits++
		r.mu.Unlock()
	}
}

// watchBreakers tells r how to list the hosts that have a breaker, once
// the run is over.
func (r *Recorder) watchBreakers(hosts func() []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hosts = hosts
}

// result returns the changes, in the order they came, the waits and the
// hosts that have a breaker, sorted.
func (r *Recorder) result() (changes []BreakerChange, waits int, hosts []string) {
	r.mu.Lock()
	changes, waits, list := slices.Clone(r.changes), r.waits, r.hosts
	r.mu.Unlock()
	if list != nil {
		hosts = list()
	}
	for _, c := range changes {
		if !slices.Contains(hosts, c.Host) {
			hosts = append(hosts, c.Host)
		}
	}
	slices.Sort(hosts)
	return changes, waits, hosts
}
