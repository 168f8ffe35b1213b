package redis

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rebound-go/rebound/fleet"
)

//go:embed lua/sync.lua
var syncLua string

var syncScript = goredis.NewScript(syncLua)

// Store is a fleet.Store on Redis: give it to fleet.Settings.Store. It
// takes a goredis.UniversalClient, so a single server, Sentinel and Cluster
// all work. Each host's state lives in four keys that share the host's
// hash tag (one Cluster slot), all written by one Lua script per host per
// sync, and every key has a TTL:
//
//	<prefix>{<host>}:brk   the breaker: counts per time bucket, open period, probe lease;
//	                       TTL: the window plus what is left of the open period and the lease
//	<prefix>{<host>}:bud   the retry budget's tokens; TTL: 60 s, or Burst/PerSecond if longer
//	<prefix>{<host>}:pace  the quota the server reported; TTL: until its reset, plus 1 s
//	<prefix>{<host>}:who   the processes calling the host; TTL: three sync intervals plus 1 s
//
// A Sync is one pipelined round trip for every host at once (in a Cluster,
// one per node that holds some of them). Times are measured by the Redis
// server's clock (TIME), so the processes' clocks need not agree.
//
// Every time a host's breaker opens or closes the change is also
// published on the channel "<prefix>changed", and Watch (fleet.Notifier)
// has every Fleet sync at once on it, so a breaker open anywhere is open
// everywhere within a round trip or two rather than an interval.
//
// When Redis is slow or gone, Sync returns the context's or the client's
// error and the Fleet falls back to local guards; go-redis reconnects by
// itself. A Store is safe for concurrent use.
type Store struct {
	c      goredis.UniversalClient
	prefix string
}

// NewStore returns a Store that keeps its keys on c under prefix; an
// empty prefix means "rebound:".
func NewStore(c goredis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = defaultPrefix
	}
	return &Store{c: c, prefix: prefix}
}

// Sync implements fleet.Store: one script call per report, pipelined.
func (s *Store) Sync(ctx context.Context, instance string, reports []fleet.Report, views []fleet.View) error {
	if len(views) != len(reports) {
		return fmt.Errorf("redis: Sync with %d reports and %d views", len(reports), len(views))
	}
	cmds, err := s.run(ctx, instance, reports, false)
	if err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT") {
		cmds, err = s.run(ctx, instance, reports, true) // the server lost its script cache
	}
	if err != nil {
		return fmt.Errorf("redis: fleet sync: %w", err)
	}
	for i, c := range cmds {
		if err := parseView(c, &views[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) run(ctx context.Context, instance string, reports []fleet.Report, full bool) ([]*goredis.Cmd, error) {
	pipe := s.c.Pipeline()
	cmds := make([]*goredis.Cmd, len(reports))
	for i := range reports {
		k := keys(s.prefix, reports[i].Key, "brk", "bud", "pace", "who")
		args := syncArgs(instance, s.channel(), &reports[i])
		if full {
			cmds[i] = syncScript.Eval(ctx, pipe, k, args...)
		} else {
			cmds[i] = syncScript.EvalSha(ctx, pipe, k, args...)
		}
	}
	_, err := pipe.Exec(ctx)
	return cmds, err
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// syncArgs lays a report out as sync.lua's ARGV.
func syncArgs(instance, channel string, r *fleet.Report) []any {
	b, u, p := &r.Breaker, &r.Budget, &r.Pace
	tripped := ms(b.Tripped)
	if b.Tripped > 0 && tripped == 0 {
		tripped = 1
	}
	return []any{instance, max(ms(r.Interval), 1),
		flag(b.On), b.Calls, b.Failures, tripped, flag(b.Closed), flag(b.WantProbe),
		max(ms(b.Rule.Window), 1), max(b.Rule.Buckets, 1), b.Rule.MinimumCalls,
		strconv.FormatFloat(b.Rule.FailureRate, 'g', -1, 64), ms(b.Rule.OpenTimeout), max(ms(b.Rule.Lease), 1),
		flag(u.On), strconv.FormatFloat(u.Deposit, 'g', -1, 64), u.Want, u.Burst,
		strconv.FormatFloat(u.PerSecond, 'g', -1, 64),
		flag(p.On), flag(p.Seen), p.Limit, p.Remaining, ms(p.Reset), b.Rule.Calls, channel}
}

// channel is where sync.lua publishes the changes of the breakers under
// the Store's prefix.
func (s *Store) channel() string { return s.prefix + "changed" }

// Watch implements fleet.Notifier: it subscribes to the channel on which
// a sync publishes that a host's breaker opened or closed, and calls
// changed for each message, until ctx is done. The
// subscription reconnects by itself (go-redis's PubSub); Watch returns
// ctx's error, or the subscription's if it cannot start.
func (s *Store) Watch(ctx context.Context, changed func()) error {
	ps := s.c.Subscribe(ctx, s.channel())
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil { // the subscription's confirmation
		return fmt.Errorf("redis: fleet watch: %w", err)
	}
	ch := ps.Channel()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case _, ok := <-ch:
			if !ok {
				return errors.New("redis: fleet watch: subscription closed")
			}
			changed()
		}
	}
}

// parseView reads sync.lua's reply into v.
func parseView(c *goredis.Cmd, v *fleet.View) error {
	n, err := c.Int64Slice()
	if err != nil {
		return fmt.Errorf("redis: fleet sync reply: %w", err)
	}
	if len(n) != 11 {
		return fmt.Errorf("redis: fleet sync reply has %d values, want 11", len(n))
	}
	ms := func(x int64) time.Duration { return time.Duration(x) * time.Millisecond }
	v.Breaker = fleet.BreakerView{OpenFor: ms(n[0]), HalfOpen: n[1] == 1, Probe: n[2] == 1,
		Calls: int(n[3]), Failures: int(n[4])}
	v.Granted = int(n[5])
	v.Pace = fleet.PaceView{Known: n[6] == 1, Limit: int(n[7]), Remaining: int(n[8]), Reset: ms(n[9])}
	v.Instances = int(n[10])
	return nil
}
