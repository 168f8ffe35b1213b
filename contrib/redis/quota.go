package redis

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

//go:embed lua/gcra.lua
var gcraLua string

var gcraScript = goredis.NewScript(gcraLua)

// Defaults of a zero QuotaSettings.
const (
	defaultPeriod       = time.Second
	defaultMaxWait      = 10 * time.Second
	defaultQuotaTimeout = 5 * time.Millisecond
	defaultRetryAfter   = 100 * time.Millisecond
)

// ErrOverQuota is returned by Quota.Wait when the call's slot in the quota
// would come after the context's deadline or after QuotaSettings.MaxWait:
// the call was not sent, and no slot was taken.
var ErrOverQuota = errors.New("redis: quota has no slot in time")

// QuotaSettings configure a Quota. Zero values are the documented
// defaults; Name and Limit are required.
type QuotaSettings struct {
	// Name is the quota's name, the same in every process that shares it:
	// an API credential's client ID, say. Required.
	Name string
	// Limit is how many requests the whole fleet may send per Period.
	// Required, positive.
	Limit int
	// Period is the span Limit counts over. 0 means a second.
	Period time.Duration
	// Burst is how many requests may go at once after a quiet spell. 0
	// means 1: requests are spaced evenly, Period/Limit apart.
	Burst int
	// MaxWait is the longest a call waits for its slot; a call whose slot
	// is later (or later than its context's deadline) is refused with
	// ErrOverQuota. 0 means 10 s.
	MaxWait time.Duration
	// Timeout bounds the Redis round trip of one call: past it the call
	// takes a slot of the local fallback instead. 0 means 5 ms.
	Timeout time.Duration
	// RetryAfter is how long calls use the local fallback after Redis
	// failed, before one call tries Redis again. 0 means 100 ms.
	RetryAfter time.Duration
	// Prefix starts the quota's keys. "" means "rebound:".
	Prefix string
}

func (s *QuotaSettings) validate() error {
	switch {
	case s.Name == "":
		return errors.New("redis: QuotaSettings.Name is empty")
	case s.Limit <= 0:
		return fmt.Errorf("redis: QuotaSettings.Limit %d must be positive", s.Limit)
	case s.Period < 0:
		return fmt.Errorf("redis: QuotaSettings.Period %v must not be negative", s.Period)
	case s.Burst < 0:
		return fmt.Errorf("redis: QuotaSettings.Burst %d must not be negative", s.Burst)
	case s.MaxWait < 0:
		return fmt.Errorf("redis: QuotaSettings.MaxWait %v must not be negative", s.MaxWait)
	case s.Timeout < 0:
		return fmt.Errorf("redis: QuotaSettings.Timeout %v must not be negative", s.Timeout)
	case s.RetryAfter < 0:
		return fmt.Errorf("redis: QuotaSettings.RetryAfter %v must not be negative", s.RetryAfter)
	}
	s.Period = cmp(s.Period, defaultPeriod)
	s.MaxWait = cmp(s.MaxWait, defaultMaxWait)
	s.Timeout = cmp(s.Timeout, defaultQuotaTimeout)
	s.RetryAfter = cmp(s.RetryAfter, defaultRetryAfter)
	s.Burst = max(s.Burst, 1)
	if s.Prefix == "" {
		s.Prefix = defaultPrefix
	}
	if s.Period/time.Duration(s.Limit) < time.Microsecond {
		return fmt.Errorf("redis: QuotaSettings.Limit %d per %v is more than one request a microsecond", s.Limit, s.Period)
	}
	return nil
}

func cmp(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

// Quota is a rate limit shared by every process of a fleet, on Redis by the
// generic cell rate algorithm (GCRA; ATM Forum Traffic Management
// Specification 4.0, as in redis-cell and Brandur Leach's "Rate limiting,
// cells and GCRA", https://brandur.org/rate-limiting): Limit requests per
// Period for the whole fleet, spaced evenly, with Burst at once. It
// satisfies rebound.RateLimiter, so it plugs into rebound.Config.RateLimit;
// every attempt, retries and hedges included, takes a slot.
//
// Each Wait costs one Redis round trip (one Lua script that takes the
// call's slot and says how long to wait for it) and then waits locally;
// nothing is polled. When Redis does not answer within
// QuotaSettings.Timeout (5 ms by default), or fails, the call takes a slot
// of a local GCRA at the process's share of the rate (Limit divided by the
// processes seen using the quota in the last few seconds) instead: no call
// waits longer than Timeout on Redis, and none fails because of it. For
// RetryAfter after a failure calls stay local, then one call tries Redis
// again.
//
// A slot taken and then not used (the context ended during the wait) is
// spent. A Quota is safe for concurrent use.
type Quota struct {
	c        goredis.UniversalClient
	s        QuotaSettings
	keys     []string
	args     []any // gcra.lua's ARGV, but for the longest wait, at index 2
	instance string
	interval time.Duration // Period / Limit

	instances atomic.Int64 // processes sharing the quota, as Redis last said
	downUntil atomic.Int64 // UnixNano until which calls stay local
	probing   atomic.Bool  // a call is trying Redis again after a failure
	trips     atomic.Int64
	fallbacks atomic.Int64

	mu  sync.Mutex
	tat time.Time // the local GCRA's theoretical arrival time
}

// NewQuota returns a Quota on c, or an error that names the field of s
// that is wrong.
func NewQuota(c goredis.UniversalClient, s QuotaSettings) (*Quota, error) {
	if c == nil {
		return nil, errors.New("redis: NewQuota with a nil client")
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	q := &Quota{c: c, s: s, keys: keys(s.Prefix, s.Name, "gcra", "gcra-who"),
		instance: newInstance(), interval: s.Period / time.Duration(s.Limit)}
	live := max(3*s.Period, 3*time.Second)
	q.args = []any{q.interval.Microseconds(), s.Burst, 0, q.instance, live.Microseconds()}
	q.instances.Store(1)
	return q, nil
}

// QuotaStats are a Quota's counts since NewQuota.
type QuotaStats struct {
	RoundTrips int64 // Redis round trips, one per call at most
	Fallbacks  int64 // calls that took a local slot: Redis failed or was slow, then or within RetryAfter before
	Instances  int64 // processes sharing the quota, as Redis last said
}

// Stats returns the Quota's counts so far.
func (q *Quota) Stats() QuotaStats {
	return QuotaStats{RoundTrips: q.trips.Load(), Fallbacks: q.fallbacks.Load(), Instances: q.instances.Load()}
}

// Wait blocks until the call's slot in the quota comes, and returns nil;
// or returns ErrOverQuota at once when the slot would come after ctx's
// deadline or MaxWait; or ctx's error when ctx ends first. See Quota for
// what happens when Redis is slow or gone.
func (q *Quota) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	limit := q.s.MaxWait
	if dl, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(dl))
	}
	wait, err := q.shared(ctx, limit)
	if err != nil {
		if errors.Is(err, ErrOverQuota) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		q.fallbacks.Add(1)
		if wait, err = q.local(limit); err != nil {
			return err
		}
	}
	return sleep(ctx, wait)
}

// errLocal says the call goes to the local fallback without asking Redis.
var errLocal = errors.New("redis: quota is local for now")

// shared takes a slot in Redis, at most limit from now.
func (q *Quota) shared(ctx context.Context, limit time.Duration) (time.Duration, error) {
	if until := q.downUntil.Load(); until != 0 {
		if time.Now().UnixNano() < until || !q.probing.CompareAndSwap(false, true) {
			return 0, errLocal
		}
		defer q.probing.Store(false)
	}
	args := make([]any, len(q.args))
	copy(args, q.args)
	args[2] = max(limit, 0).Microseconds()
	rctx, cancel := context.WithTimeout(ctx, q.s.Timeout)
	defer cancel()
	q.trips.Add(1)
	res, err := gcraScript.EvalSha(rctx, q.c, q.keys, args...).Int64Slice()
	if err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT") {
		q.trips.Add(1)
		res, err = gcraScript.Eval(rctx, q.c, q.keys, args...).Int64Slice()
	}
	if err == nil && len(res) != 3 {
		err = fmt.Errorf("redis: quota reply has %d values, want 3", len(res))
	}
	if err != nil {
		q.downUntil.Store(time.Now().Add(q.s.RetryAfter).UnixNano())
		return 0, err
	}
	q.downUntil.Store(0)
	q.instances.Store(max(res[2], 1))
	if res[0] != 1 {
		return 0, ErrOverQuota
	}
	return time.Duration(res[1]) * time.Microsecond, nil
}

// local takes a slot of the local GCRA at this process's share of the
// rate, at most limit from now.
func (q *Quota) local(limit time.Duration) (time.Duration, error) {
	t := q.interval * time.Duration(q.instances.Load())
	now := time.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	tat := q.tat
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(t)
	wait := max(next.Sub(now)-time.Duration(q.s.Burst)*t, 0)
	if wait > limit {
		return 0, ErrOverQuota
	}
	q.tat = next
	return wait, nil
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newInstance names a Quota among those sharing it: 16 random
// hexadecimal digits.
func newInstance() string {
	var id [8]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(id[:])
}
