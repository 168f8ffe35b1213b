package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of a zero Settings.
const (
	defaultInterval = 100 * time.Millisecond
	defaultBurst    = 100
)

// Settings configure a Fleet. Zero values are the documented defaults;
// only Store is required.
type Settings struct {
	// Store is where the fleet's state lives. Required.
	Store Store
	// Interval is how often the Fleet syncs: counts and states move at
	// most this late, and a breaker open anywhere is open everywhere
	// within it. A process whose own breaker trips syncs at once, and
	// with a Store that is a Notifier every process syncs as soon as the
	// fleet's breaker opens or closes. 0 means 100 ms.
	Interval time.Duration
	// Timeout bounds one Sync: past it the Fleet falls back to local
	// guards until a Sync succeeds. It must not exceed Interval. 0 means
	// half of Interval.
	Timeout time.Duration
	// Lease is how long the probe lease of a half-open breaker lasts
	// unless its holder renews it (every Interval while it probes): the
	// longest the fleet waits for a probe whose process died. 0 means 10
	// times Interval, and at least a second.
	Lease time.Duration
	// RetryBurst is the most tokens a host's fleet-wide retry budget
	// saves up, and so the most retries the fleet makes at once at the
	// start of an outage. 0 means 100, budget.Adaptive's Burst.
	RetryBurst int
	// OnError, when set, is called with each error of Sync (and of a
	// Notifier's Watch), one call at a time, on a goroutine of the Fleet.
	// Nil means errors are only counted (Stats).
	OnError func(error)
}

func (s *Settings) validate() error {
	switch {
	case s.Store == nil:
		return errors.New("fleet: Settings.Store is nil")
	case s.Interval < 0:
		return fmt.Errorf("fleet: Settings.Interval %v must not be negative", s.Interval)
	case s.Timeout < 0:
		return fmt.Errorf("fleet: Settings.Timeout %v must not be negative", s.Timeout)
	case s.Lease < 0:
		return fmt.Errorf("fleet: Settings.Lease %v must not be negative", s.Lease)
	case s.RetryBurst < 0:
		return fmt.Errorf("fleet: Settings.RetryBurst %d must not be negative", s.RetryBurst)
	}
	if s.Interval == 0 {
		s.Interval = defaultInterval
	}
	if s.Timeout == 0 {
		s.Timeout = s.Interval / 2
	}
	if s.Timeout > s.Interval {
		return fmt.Errorf("fleet: Settings.Timeout %v is longer than Interval %v", s.Timeout, s.Interval)
	}
	if s.Lease == 0 {
		s.Lease = max(10*s.Interval, time.Second)
	}
	if s.RetryBurst == 0 {
		s.RetryBurst = defaultBurst
	}
	return nil
}

// A Fleet shares the guards of this process's Transports with the other
// processes of the fleet through a Store (see the package documentation).
// Give it to rebound.Config.Fleet; several Transports may share one.
//
// New starts one goroutine that syncs every Settings.Interval; Close stops
// it. A Fleet is safe for concurrent use. It holds one Member per host of
// each Transport that uses it, forgotten when the Transport forgets the
// host (Config.MaxHosts), so it grows no more than the Transports do.
type Fleet struct {
	s        Settings
	instance string

	mu      sync.Mutex
	members map[*Member]struct{}

	kick      chan struct{}
	stop      context.CancelFunc
	done      chan struct{}
	connected atomic.Bool
	errMu     sync.Mutex // one OnError at a time
	syncs     atomic.Int64
	failures  atomic.Int64

	// Owned by the loop's goroutine.
	list    []*Member
	reports []Report
	views   []View
}

// New validates s and starts a Fleet, or returns an error that names the
// field of s that is wrong. The Fleet counts as disconnected (local
// guards only) until its first Sync succeeds.
func New(s Settings) (*Fleet, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	var id [8]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails (Go 1.24+)
	ctx, stop := context.WithCancel(context.Background())
	f := &Fleet{s: s, instance: hex.EncodeToString(id[:]), members: make(map[*Member]struct{}),
		kick: make(chan struct{}, 1), stop: stop, done: make(chan struct{})}
	go f.run(ctx)
	return f, nil
}

// Close stops the Fleet's goroutine and waits for it. Members fall back to
// local guards. Close is idempotent and always returns nil.
func (f *Fleet) Close() error {
	f.stop()
	<-f.done
	return nil
}

// Stats are a Fleet's state and counts since New, a plain value.
type Stats struct {
	// Connected says the latest Sync succeeded: the guards share the
	// fleet's state. While false, every guard is local.
	Connected bool
	Syncs     int64 // Sync calls: one store round trip each, for every host at once
	Failures  int64 // of which failed
	Hosts     int   // members now
}

// Stats returns the Fleet's state and counts now.
func (f *Fleet) Stats() Stats {
	f.mu.Lock()
	n := len(f.members)
	f.mu.Unlock()
	return Stats{Connected: f.connected.Load(), Syncs: f.syncs.Load(), Failures: f.failures.Load(), Hosts: n}
}

// poke asks for a Sync now rather than at the next interval; a Member
// calls it when its breaker trips. It never blocks.
func (f *Fleet) poke() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

func (f *Fleet) run(ctx context.Context) {
	defer close(f.done)
	defer f.fallback()
	if n, ok := f.s.Store.(Notifier); ok {
		var wg sync.WaitGroup
		defer wg.Wait()
		wg.Go(func() { f.watch(ctx, n) })
	}
	t := time.NewTicker(f.s.Interval)
	defer t.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-f.kick:
			// Kicks come in bursts (alarms, notifications): at most one
			// sync per eighth of an interval.
			if d := f.s.Interval/8 - time.Since(last); d > 0 && !sleep(ctx, d) {
				return
			}
		}
		f.sync(ctx)
		last = time.Now()
	}
}

// sleep waits d, and reports false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// watch runs n.Watch until ctx is done, again an interval after each
// failure.
func (f *Fleet) watch(ctx context.Context, n Notifier) {
	for ctx.Err() == nil {
		if err := n.Watch(ctx, f.poke); err != nil && ctx.Err() == nil {
			f.onError(err)
		}
		t := time.NewTimer(f.s.Interval)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

// sync makes one round: a report from every member, one Sync, and each
// view applied, or the fallback when Sync fails.
func (f *Fleet) sync(ctx context.Context) {
	f.mu.Lock()
	f.list = f.list[:0]
	for m := range f.members {
		f.list = append(f.list, m)
	}
	f.mu.Unlock()
	if len(f.list) == 0 {
		return
	}
	now := time.Now()
	f.reports, f.views = f.reports[:0], f.views[:0]
	for _, m := range f.list {
		f.reports = append(f.reports, m.report(now, f.s.Interval))
		f.views = append(f.views, View{})
	}
	sctx, cancel := context.WithTimeout(ctx, f.s.Timeout)
	err := f.s.Store.Sync(sctx, f.instance, f.reports, f.views)
	cancel()
	f.syncs.Add(1)
	if err != nil {
		f.failures.Add(1)
		for i, m := range f.list {
			m.unreport(&f.reports[i])
		}
		clear(f.list)
		f.fallback()
		if ctx.Err() == nil {
			f.onError(err)
		}
		return
	}
	f.connected.Store(true)
	now = time.Now()
	for i, m := range f.list {
		m.apply(f.views[i], now)
	}
	clear(f.list) // keep no member a Transport has forgotten
}

func (f *Fleet) onError(err error) {
	if f.s.OnError != nil {
		f.errMu.Lock()
		defer f.errMu.Unlock()
		f.s.OnError(err)
	}
}

// fallback turns every member to its local guards.
func (f *Fleet) fallback() {
	f.connected.Store(false)
	f.mu.Lock()
	defer f.mu.Unlock()
	for m := range f.members {
		m.local()
	}
}
