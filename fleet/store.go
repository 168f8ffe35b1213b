package fleet

import (
	"context"
	"time"
)

// Store is where the processes of a fleet share their guards' state.
// contrib/redis implements it on Redis; another store may implement it
// too, following the rules written on each field of Report and View.
//
// Sync sends one Report per host and fills views[i] with the fleet's view
// of reports[i].Key, in one round trip where the store allows it.
// len(views) == len(reports). instance names the calling process, the same
// for every call of one Fleet. Sync must return within ctx (the Fleet gives
// it Settings.Timeout) and must not keep reports or views after it
// returns. An error means no view was filled: the Fleet falls back to
// local guards until a later Sync succeeds. A Store must be safe for
// concurrent use by several Fleets.
type Store interface {
	Sync(ctx context.Context, instance string, reports []Report, views []View) error
}

// Notifier is a Store that can also tell a Fleet at once that the fleet's
// state of some host changed (a breaker opened or closed), so that every
// process syncs then rather than at its next interval. Watch blocks until
// ctx is done, calling changed (which never blocks) for each change; when
// it returns early with an error, the Fleet calls it again an interval
// later. A Fleet whose Store implements Notifier runs Watch on a goroutine
// of its own, which Close ends. Notifications are a shortcut: a Fleet that
// misses one still syncs at its next interval.
type Notifier interface {
	Watch(ctx context.Context, changed func()) error
}

// Report is what one process tells the fleet about one host (or
// Config.Key) once per sync interval. Durations are relative to when the
// process sent it, so that the processes' clocks need not agree: a store
// measures time with a clock of its own.
type Report struct {
	// Key names the host: the same key from every process shares state.
	Key string
	// Interval is the sender's sync interval: a process that has not
	// reported Key for three intervals no longer counts among
	// View.Instances.
	Interval time.Duration
	Breaker  BreakerReport
	Budget   BudgetReport
	Pace     PaceReport
}

// BreakerReport is one process's news of a host's circuit breaker.
type BreakerReport struct {
	// On says a breaker is shared for the key; when false the store
	// ignores the rest and leaves View.Breaker zero.
	On bool
	// Calls and Failures are the outcomes this process saw since its
	// previous report: the store adds them to the current time bucket of
	// Rule.Window.
	Calls, Failures int
	// Tripped, when positive, says this process's breaker opened since
	// its previous report and stays open this long: the fleet's breaker
	// opens (or stays open) at least as long, any probe lease ends, and
	// the counts start afresh.
	Tripped time.Duration
	// Closed says this process held the probe lease and its probes
	// closed the breaker: the fleet's breaker closes, unless another
	// process holds the lease now, and the counts start afresh.
	Closed bool
	// WantProbe says this process's breaker is half-open: it asks for the
	// fleet's probe lease, or renews it while it holds it. The store
	// grants it to one process at a time, for Rule.Lease, once the
	// fleet's open period has ended.
	WantProbe bool
	// Rule is how the fleet's counts trip its breaker.
	Rule Rule
}

// Rule is how a store judges a host's fleet-wide counts, kept in Buckets
// time buckets over Window: the fleet's breaker opens for OpenTimeout when
// the counts judged hold at least MinimumCalls calls and
// Failures/Calls >= FailureRate. With Calls positive, the counts judged
// are those of the newest buckets that together hold at least Calls calls
// (the fleet's last Calls calls, to within a bucket, as a breaker's
// WindowSize counts the last calls), or all of Window if it holds fewer;
// with Calls zero, all of Window. A Fleet makes it from the breaker's
// Settings: the same failure rate, minimum number of calls and open period;
// over the last WindowSize calls of the fleet, counted in 100 ms buckets
// over at most 5 s, or over the breaker's WindowDuration in its
// WindowBuckets; with only ConsecutiveFailures set, that many failures in
// a row among the fleet's last calls.
type Rule struct {
	Window       time.Duration // span of the counts, positive
	Buckets      int           // Window is counted in this many buckets, positive; the oldest is dropped whole
	Calls        int           // a count window of this many calls; 0: the whole Window
	MinimumCalls int           // positive
	FailureRate  float64       // in (0, 1]
	OpenTimeout  time.Duration // positive
	Lease        time.Duration // how long a probe lease lasts unless renewed, positive
}

// BudgetReport is one process's news of a host's retry budget.
type BudgetReport struct {
	// On says a budget is shared for the key.
	On bool
	// Deposit is how many tokens this process's first attempts earned
	// since its previous report (their count times the budget's share).
	Deposit float64
	// Want is how many tokens this process asks to lease; the store
	// grants what the bucket holds, up to Want.
	Want int
	// Burst is the most tokens the fleet's bucket holds; a new bucket
	// starts full.
	Burst int
	// PerSecond is a reserve added to the bucket over time, so that a
	// fleet with little traffic can retry at all.
	PerSecond float64
}

// PaceReport is one process's news of a host's quota, as the server put
// it in its rate-limit headers.
type PaceReport struct {
	// On says pacing is shared for the key.
	On bool
	// Seen says the server reported its quota to this process since the
	// previous report: the fields below hold the latest such report.
	Seen bool
	// Limit and Remaining are the requests per window and those left;
	// -1 when unknown.
	Limit, Remaining int
	// Reset is how long until the window refills; zero when unknown.
	Reset time.Duration
}

// View is the fleet's state of one host, as a store returns it.
type View struct {
	Breaker BreakerView
	// Granted is how many tokens of the fleet's retry budget the process
	// now holds on lease, in addition to those it had.
	Granted int
	Pace    PaceView
	// Instances is how many processes reported the key within the last
	// three of their intervals, this one included; at least 1.
	Instances int
}

// BreakerView is the fleet's breaker for one host.
type BreakerView struct {
	// OpenFor is how long the fleet's breaker stays open; zero when it is
	// not open.
	OpenFor time.Duration
	// HalfOpen says the open period has ended and no probe verdict has
	// come yet.
	HalfOpen bool
	// Probe says this process holds the probe lease.
	Probe bool
	// Calls and Failures are the fleet's counts over the window.
	Calls, Failures int
}

// PaceView is the fleet's latest knowledge of a host's quota: within one
// window, the lowest remaining count any process was told.
type PaceView struct {
	Known            bool
	Limit, Remaining int           // -1 when unknown
	Reset            time.Duration // until the window refills; zero when unknown
}
