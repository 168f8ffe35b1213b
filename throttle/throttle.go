package throttle

import (
	"errors"
	"fmt"
	"github.com/rebound-go/rebound/internal/window"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// ErrThrottled is returned by [Throttle.Allow] when it rejects a call
// locally, without sending it. Retry loops should treat it as final for
// the call: the backend is known to be refusing work.
var ErrThrottled = errors.New("throttle: rejected locally")

// Defaults of [Settings], those of the SRE book.
const (
	defaultK       = 2
	defaultWindow  = 2 * time.Minute
	defaultBuckets = 120
)

// maxBuckets bounds the memory a window may take: 16 bytes a bucket.
const maxBuckets = 10_000

// Settings configures a [Throttle]. The zero value gives the SRE book's
// defaults: K = 2 over the last 2 minutes.
type Settings struct {
	// K is how many requests the client may send per request the backend
	// accepts before it starts rejecting locally, at least 1. Lower is
	// more aggressive: K = 1.1 rejects as soon as more than one request
	// in eleven is refused. Zero means 2.
	K float64

	// Window is the span of recent history that counts. Zero means
	// 2 min.
	Window time.Duration

	// Buckets is how many parts Window is cut into; the oldest part is
	// dropped as a whole. Zero means 120 (one a second
	// with the default window); at most 10 000.
	Buckets int

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time

	// Rand returns a uniform random number in [0, 1); Allow rejects a
	// call when it is below the rejection probability. Nil means
	// math/rand/v2's Float64. It must be safe for concurrent use, and is
	// called without the throttle's lock held.
	Rand func() float64
}

// Throttle is the adaptive client-side throttling of Google's SRE book
// (chapter 21, "Handling Overload"). It counts, over a sliding window,
// the requests the client wanted to send and those the backend accepted,
// and rejects a new request locally with probability
//
//	max(0, (requests − K·accepts) / (requests + 1))
//
// Requests it rejects count as requests, so the less the backend accepts,
// the more the client holds back, and a backend that refuses everything
// still sees a trickle of requests that tells the client when it is back.
//
// A Throttle is safe for concurrent use. Create one with [New].
type Throttle struct {
	now  func() time.Time
	rand func() float64
	k    float64

	mu  sync.Mutex
	win window.Window
}

// New returns a Throttle, or an error naming the first setting that is
// out of range.
func New(s Settings) (*Throttle, error) {
	k := s.K
	if k == 0 {
		k = defaultK
	}
	if !(k >= 1) || math.IsInf(k, 1) { // also rejects NaN
		return nil, fmt.Errorf("throttle: K %v is not a finite number ≥ 1", k)
	}
	w, n := s.Window, s.Buckets
	if w == 0 {
		w = defaultWindow
	}
	if n == 0 {
		n = defaultBuckets
	}
	switch {
	case w < 0:
		return nil, fmt.Errorf("throttle: Window %v is negative", w)
	case n < 1 || n > maxBuckets:
		return nil, fmt.Errorf("throttle: Buckets %d is not in [1, %d]", n, maxBuckets)
	case w < time.Duration(n):
		return nil, fmt.Errorf("throttle: Window %v is too short for %d Buckets", w, n)
	}
	t := &Throttle{now: s.Now, rand: s.Rand, k: k}
	if t.now == nil {
		t.now = time.Now
	}
	if t.rand == nil {
		t.rand = rand.Float64
	}
	t.win = window.New(w, n, t.now())
	return t, nil
}

// Allow counts a request and decides whether to send it: nil to send it,
// [ErrThrottled] to reject it locally. A request that is sent should have
// its outcome reported to [Throttle.Done].
func (t *Throttle) Allow() error {
	now := t.now()
	t.mu.Lock()
	p := t.probability(t.win.Total(now))
	t.win.Add(now, window.Counts{requests: 1})
	t.mu.Unlock()
	if p > 0 && t.rand() < p {
		return ErrThrottled
	}
	return nil
}

// Done reports whether the backend accepted a request that Allow let
// through. Accepted means that the backend took the request on, whatever
// its answer; a request refused for overload (a 429 or 503, a
// "resource exhausted" error) or one that got no answer is not accepted.
// Only accepted requests change the throttle.
func (t *Throttle) Done(accepted bool) {
	if !accepted {
		return
	}
	now := t.now()
	t.mu.Lock()
	t.win.Add(now, window.Counts{accepts: 1})
	t.mu.Unlock()
}

// Probability returns the probability with which Allow would reject a
// request now, for metrics.
func (t *Throttle) Probability() float64 {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.probability(t.win.Total(now))
}

func (t *Throttle) probability(c window.Counts) float64 {
	r := float64(c[requests])
	return max(0, (r-t.k*float64(c[accepts]))/(r+1))
}

// The two counters of a Throttle's window (see internal/window).
const (
	requests = iota // calls Allow saw, those it rejected included
	accepts         // calls the backend accepted
)
