package budget_test

import (
	"math/rand/v2"
	"time"

	"github.com/rebound-go/rebound/budget"
)

// workload is a simulated client: callers goroutines, each making one call
// after another, every call trying up to attempts times. Simulated time
// moves from event to event, so a run is exact, repeatable and instant.
type workload struct {
	requests int           // calls to make in all
	callers  int           // calls in flight at once
	attempts int           // attempts a call may make, the first included
	think    time.Duration // a caller's pause between calls
	// fail says whether attempt n (1 for the first) of call number req,
	// sent at instant at, fails. Deciding it from the call and attempt
	// numbers, not from a shared random stream, gives every budget the
	// same faults.
	fail func(req, n int, at time.Duration) bool
}

// tally is what a simulation measured.
type tally struct {
	requests  int // calls made
	succeeded int // calls that got a good answer
	sent      int // attempts the server received
	denied    int // retries the budget refused
}

// LoadFactor is the number of attempts the server received per call.
func (t tally) LoadFactor() float64 { return float64(t.sent) / float64(t.requests) }

// SuccessRate is the share of calls that succeeded.
func (t tally) SuccessRate() float64 { return float64(t.succeeded) / float64(t.requests) }

// simCaller is one simulated goroutine.
type simCaller struct {
	at       time.Duration // when its next event happens
	req      int           // number of its current call
	attempt  int           // attempts sent for the current call; 0: between calls
	inFlight bool          // an attempt is on its way; at is when it ends
	failed   bool          // outcome of the attempt in flight
	done     bool          // no more calls to make
}

// simulate runs w against b, starting at clk's instant. Attempts take
// 16–48 ms, so 32 callers make about 700 calls a second; a granted retry
// is sent 1, 2, 4 ms after the failure. Before each event clk is set to
// its instant. rng draws the latencies.
func simulate(b budget.Budget, clk *fakeClock, rng *rand.Rand, w workload) tally {
	var t tally
	start := clk.Now()
	cs := make([]simCaller, w.callers)
	for {
		i := -1 // the caller with the earliest event, the first on ties
		for j := range cs {
			if !cs[j].done && (i < 0 || cs[j].at < cs[i].at) {
				i = j
			}
		}
		if i < 0 {
			return t
		}
		c := &cs[i]
		now := c.at
		clk.t = start.Add(now)
		switch {
		case c.attempt == 0: // start a call
			if t.requests == w.requests {
				c.done = true
				continue
			}
			c.req = t.requests
			t.requests++
		case !c.inFlight: // the wait before a granted retry is over
		default: // the attempt in flight ends
			b.Done(c.attempt > 1, !c.failed)
			switch {
			case !c.failed:
				t.succeeded++
				c.attempt = 0
				c.at = now + w.think
			case c.attempt == w.attempts:
				c.attempt = 0
				c.at = now + w.think
			case !b.Allow():
				t.denied++
				c.attempt = 0
				c.at = now + w.think
			default:
				c.inFlight = false
				c.at = now + time.Millisecond<<(c.attempt-1)
			}
			continue
		}
		c.attempt++
		t.sent++
		c.failed = w.fail(c.req, c.attempt, now)
		c.inFlight = true
		c.at = now + 16*time.Millisecond + time.Duration(rng.Int64N(int64(32*time.Millisecond)))
	}
}

// outage fails every attempt.
func outage(req, n int, at time.Duration) bool { return true }

// randomFaults returns a fail function under which each attempt fails with
// probability p, independently, decided by hashing (seed, req, n).
func randomFaults(seed uint64, p float64) func(req, n int, at time.Duration) bool {
	return func(req, n int, at time.Duration) bool {
		return uniform(seed, uint64(req)<<8|uint64(n)) < p
	}
}

// uniform maps (seed, k) to a number in [0, 1) with SplitMix64's mixer.
func uniform(seed, k uint64) float64 {
	z := seed + (k+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / (1 << 53)
}

// unlimited is a budget that grants every retry: the baseline.
type unlimited struct{}

func (unlimited) Allow() bool     { return true }
func (unlimited) Done(bool, bool) {}
