package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// ErrLimited is returned by [Adaptive.Wait] and [Adaptive.Allow] when a
// request was not sent because no token would come in time: before the
// context's deadline or Settings.MaxWait for Wait, at once for Allow.
var ErrLimited = errors.New("ratelimit: no token in time")

// Constants of the AWS SDKs' adaptive retry mode (botocore's
// retries/throttling.py and adaptive.py), those of CUBIC in RFC 8312.
const (
	defaultMinRate      = 0.5 // requests a second: the AWS SDKs' minimum fill rate
	defaultAdaptiveWait = 10 * time.Second
	cubicC              = 0.4 // scaling constant, (requests/s) per s³
	cubicBeta           = 0.7 // the share of the rate kept after a throttle
	growthCap           = 2.0 // the rate is at most twice the measured rate
	clockBucket         = 500 * time.Millisecond
	clockSmooth         = 0.8 // weight of the newest bucket in the measured rate
	minClockSpan        = time.Millisecond
)

// AdaptiveSettings configures an [Adaptive] limiter. The zero value gives
// the AWS SDKs' behaviour, with waits of at most 10 s.
type AdaptiveSettings struct {
	// MinRate is the lowest rate, in requests a second, the limiter falls
	// to however often the server throttles. Zero means 0.5, the AWS
	// SDKs' minimum.
	MinRate float64

	// MaxWait is the longest Wait holds a request; a request that would
	// wait longer is refused at once. Zero means 10 s.
	MaxWait time.Duration

	// Now returns the current time. Nil means time.Now. Waits use the
	// runtime's timers whatever Now is.
	Now func() time.Time
}

// Adaptive learns a server's rate limit from its refusals and sends at
// it, for servers that answer 429 without saying their quota (nginx's
// limit_req is the common case): the client-side rate limiter of the AWS
// SDKs' adaptive retry mode ("Retry behavior" in the AWS SDKs and Tools
// Reference Guide; the published algorithm is botocore's
// retries/adaptive.py, retries/bucket.py and retries/throttling.py).
//
// It is a token bucket whose fill rate is learnt. Until the first
// throttled answer it does not limit at all. Each throttled answer
// records the rate the client was sending at (the lower of the measured
// rate of answers and the current fill rate) as W_max, and cuts the fill
// rate to 0.7 of it. Every other answer lets the rate grow back along
// CUBIC's curve (RFC 8312, section 4.1):
//
//	rate(t) = 0.4 · (t − K)³ + W_max,  K = ∛(W_max · 0.3 / 0.4)
//
// t seconds after the last throttle: quickly at first, slowly near W_max,
// where the server refused before, then faster again to find whether the
// quota has grown. The rate never exceeds twice the measured rate of
// answers (so a client that sends little cannot bank a rate it has never
// tried) and never falls below MinRate. The bucket holds at most one
// second of tokens (at least 1).
//
// The measured rate is the number of answers per half second, smoothed
// (0.8 of the newest half second), as botocore's RateClocker measures it.
// Before the first half second has passed it is the number of answers
// since the limiter was made divided by the time since, where botocore
// would read zero and cut the rate to the minimum on an early throttle.
//
// Waiting requests are served in turn at the fill rate. A throttle
// re-plans the turns of those already waiting at the new, lower rate
// (x/time/rate would keep the turns they were given, each one sent at the
// old rate and likely refused).
//
// An Adaptive is safe for concurrent use. It starts no goroutine and
// needs no Close. Wait and Allow take no lock and do not allocate until
// the first throttle; after it, admission without waiting does not
// allocate either.
type Adaptive struct {
	nowFn   func() time.Time
	epoch   time.Time
	minRate float64
	maxWait time.Duration
	enabled atomic.Bool // set by the first throttle, never cleared
	timers  sync.Pool   // of stopped *time.Timer

	mu       sync.Mutex
	last     time.Duration // latest time since epoch seen
	rate     float64       // fill rate, tokens a second, ≥ minRate
	capacity float64       // most tokens the bucket holds
	tokens   float64       // negative: owed to waiters
	filled   time.Duration // when tokens was last brought up to date
	gen      uint64        // bumped when a throttle re-plans the waiters
	pending  int           // waiters of this generation
	wMax     float64       // CUBIC's W_max, requests a second
	k        float64       // CUBIC's K, seconds
	lastCut  time.Duration // time of the last throttle
	clock    rateClock
}

// NewAdaptive returns an Adaptive limiter, or an error naming the first
// setting out of range.
func NewAdaptive(s AdaptiveSettings) (*Adaptive, error) {
	switch {
	case !(s.MinRate >= 0) || math.IsInf(s.MinRate, 1):
		return nil, fmt.Errorf("ratelimit: MinRate %v is not a finite number ≥ 0", s.MinRate)
	case s.MaxWait < 0:
		return nil, fmt.Errorf("ratelimit: MaxWait %v is negative", s.MaxWait)
	}
	a := &Adaptive{nowFn: s.Now, minRate: s.MinRate, maxWait: s.MaxWait}
	if a.nowFn == nil {
		a.nowFn = time.Now
	}
	if a.minRate == 0 {
		a.minRate = defaultMinRate
	}
	if a.maxWait == 0 {
		a.maxWait = defaultAdaptiveWait
	}
	a.epoch = a.nowFn()
	a.rate, a.capacity = a.minRate, 1
	return a, nil
}

// Rate returns the rate, in requests a second, to which the limiter holds
// requests now; +Inf until the first throttle.
func (a *Adaptive) Rate() float64 {
	if !a.enabled.Load() {
		return math.Inf(1)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rate
}

// Allow takes a token if one is there now and returns nil, or returns
// [ErrLimited] at once. Until the first throttle it always returns nil.
func (a *Adaptive) Allow() error {
	if !a.enabled.Load() {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now, _ := a.now()
	a.refill(now)
	if a.tokens < 1 {
		return ErrLimited
	}
	a.tokens--
	return nil
}

// Wait returns nil when the request may be sent: at once until the first
// throttle, and after it once a token is there, in turn with the other
// waiting requests. It returns
//   - [ErrLimited] at once if the token would come after ctx's deadline
//     or after AdaptiveSettings.MaxWait (or, after a throttle re-planned the
//     turns, as soon as the new turn would come too late);
//   - ctx's error, at once, if ctx is done on entry, and an error that
//     matches both ErrLimited and ctx's error if ctx ended the wait.
//
// A Wait that returns an error has taken no token. Every request Wait let
// through should have its answer reported to [Adaptive.Done].
func (a *Adaptive) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !a.enabled.Load() {
		return nil
	}
	var giveUp time.Time // the latest a token may come
	for {
		a.mu.Lock()
		now, wall := a.now()
		if giveUp.IsZero() {
			giveUp = wall.Add(a.maxWait)
			if dl, ok := ctx.Deadline(); ok && dl.Before(giveUp) {
				giveUp = dl
			}
		}
		a.refill(now)
		if a.tokens >= 1 {
			a.tokens--
			a.mu.Unlock()
			return nil
		}
		wait := seconds((1 - a.tokens) / a.rate)
		if giveUp.Sub(wall) < wait {
			a.mu.Unlock()
			return ErrLimited
		}
		a.tokens--
		a.pending++
		gen := a.gen
		a.mu.Unlock()
		if err := a.sleep(ctx, wait); err != nil {
			a.mu.Lock()
			if a.gen == gen { // the token is still owed to this turn: give it back
				a.tokens++
				a.pending--
			}
			a.mu.Unlock()
			return fmt.Errorf("%w: %w", ErrLimited, err)
		}
		a.mu.Lock()
		replanned := a.gen != gen
		if !replanned {
			a.pending--
		}
		a.mu.Unlock()
		if !replanned {
			return nil
		}
	}
}

// sleep waits for d, or until ctx is done and returns its error.
func (a *Adaptive) sleep(ctx context.Context, d time.Duration) error {
	t, _ := a.timers.Get().(*time.Timer)
	if t == nil {
		t = time.NewTimer(d)
	} else {
		t.Reset(d)
	}
	defer a.timers.Put(t)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done reports the answer to a request that Wait or Allow let through:
// throttled is true when the server refused it for its rate, a 429, and,
// at the caller's choice, a 503 that carries Retry-After (RFC 9110,
// section 15.6.4: the server is overloaded for a time it names). Answers
// that say nothing of the rate, network errors among them, need not be
// reported; reporting them as not throttled lets the rate grow.
//
// Done does not allocate.
func (a *Adaptive) Done(throttled bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now, _ := a.now()
	measured := a.clock.record(now)
	var target float64
	if throttled {
		sending := measured
		if a.enabled.Load() {
			sending = min(measured, a.rate)
		} else {
			a.tokens, a.filled = 0, now // the bucket starts empty
			a.enabled.Store(true)
		}
		target = a.cut(sending, now)
		a.replan(now)
	} else {
		target = a.cubic(now)
	}
	a.setRate(now, min(target, growthCap*measured))
}

// cut records a throttle while sending at rate, and returns the rate to
// send at now: CUBIC's multiplicative decrease.
func (a *Adaptive) cut(rate float64, now time.Duration) float64 {
	a.wMax = rate
	a.k = math.Cbrt(a.wMax * (1 - cubicBeta) / cubicC)
	a.lastCut = now
	return rate * cubicBeta
}

// cubic returns the rate CUBIC's curve gives now.
func (a *Adaptive) cubic(now time.Duration) float64 {
	t := (now - a.lastCut).Seconds() - a.k
	return cubicC*t*t*t + a.wMax
}

// replan gives back the tokens owed to waiters and starts a new
// generation, so that each of them takes its turn again at the new rate
// when its old turn comes.
func (a *Adaptive) replan(now time.Duration) {
	a.refill(now)
	a.tokens += float64(a.pending)
	a.pending = 0
	a.gen++
}

// setRate changes the fill rate from now on.
func (a *Adaptive) setRate(now time.Duration, rate float64) {
	a.refill(now)
	a.rate = max(rate, a.minRate)
	a.capacity = max(rate, 1)
	a.tokens = min(a.tokens, a.capacity)
}

// refill adds the tokens earned since the last refill.
func (a *Adaptive) refill(now time.Duration) {
	a.tokens = min(a.capacity, a.tokens+(now-a.filled).Seconds()*a.rate)
	a.filled = now
}

// now returns the time since the limiter's epoch, which never goes
// backwards, and the wall time. a.mu is held.
func (a *Adaptive) now() (time.Duration, time.Time) {
	wall := a.nowFn()
	d := wall.Sub(a.epoch)
	if d < a.last {
		return a.last, wall
	}
	a.last = d
	return d, wall
}

// rateClock measures the rate of answers per half second, smoothed, as
// botocore's RateClocker does.
type rateClock struct {
	bucket   int64 // index of the current half second since epoch
	count    int   // answers since the bucket began
	measured float64
	smoothed bool // measured holds a full half second
}

// record counts an answer at now and returns the measured rate, in
// answers a second.
func (c *rateClock) record(now time.Duration) float64 {
	c.count++
	if b := int64(now / clockBucket); b > c.bucket {
		current := float64(c.count) / (float64(b-c.bucket) * clockBucket.Seconds())
		c.measured = clockSmooth*current + (1-clockSmooth)*c.measured
		c.bucket, c.count, c.smoothed = b, 0, true
	}
	if !c.smoothed { // the first half second: answers since the epoch
		return float64(c.count) / max(now, minClockSpan).Seconds()
	}
	return c.measured
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
