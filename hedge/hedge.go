// Package hedge holds the settings of hedged requests, for
// rebound.Config.Hedge.
//
// A hedged request sends one attempt and, only if it has not answered
// within a delay, another; the first good answer wins and the others are
// cancelled. It cuts the tail of latency at the cost of a little extra
// load, where pester's Concurrency (every copy at once) multiplies it. The
// rebound Transport does the sending and decides when, from these
// settings.
package hedge

import "time"

// Settings configure hedging. The mode follows from the fields:
//
//   - Parallel (pester's Concurrency): Delay and Percentile zero; all
//     Copies go out at once.
//   - Fixed delay: Delay set; each further copy goes out Delay after the
//     previous one, while none has answered well.
//   - Adaptive delay: Percentile set (e.g. 0.95); the delay is that
//     percentile of the latencies recently seen for the host, within
//     [MinDelay, MaxDelay]. Until MinSamples latencies are known, Delay is
//     used, or MaxDelay when Delay is zero.
//
// Only idempotent requests are hedged (GET, HEAD, OPTIONS, TRACE, PUT,
// DELETE, or an Idempotency-Key header) unless NonIdempotent is set.
// rebound.NewTransport rejects settings that cannot work (Copies of 1 or
// more than 16, a negative duration, a Percentile outside (0, 1), MinDelay
// above MaxDelay) with an error that names the field. Settings is a plain
// value; the Transport keeps its own copy.
type Settings struct {
	// Copies is the most attempts of one try in flight at once, the
	// first included. 0 means 2.
	Copies int
	// Delay before each further copy.
	Delay time.Duration
	// Percentile of recent latencies to wait for, in (0, 1); 0 means a
	// fixed delay.
	Percentile float64
	// MinDelay and MaxDelay bound an adaptive delay. 0 means
	// 1 ms and 1 s.
	MinDelay, MaxDelay time.Duration
	// MinSamples is how many latencies must be known before the adaptive
	// delay is trusted. 0 means 20.
	MinSamples int
	// NonIdempotent hedges every method, for servers that deduplicate.
	NonIdempotent bool
}
