// Package limit caps the calls in flight to a host by a limit that
// follows the host's latency and its refusals: an adaptive concurrency
// limit, in the family of TCP Vegas, Netflix's concurrency-limits and
// Envoy's adaptive concurrency filter. A static cap (package bulkhead) is
// right for one capacity of the host; this one finds the capacity and
// follows it when it changes.
//
// A [Limiter] is meant to be shared by every call to one host. A call
// asks [Limiter.Wait] (or [Limiter.Allow], which never waits) for a
// [Ticket], makes the request, and hands the ticket back to
// [Limiter.Done] with the [Outcome]: success (the limiter measures the
// latency itself, from the ticket), dropped (a timeout, a 503, a 429: the
// host could not take the call) or ignored (the caller cancelled). A
// refused call gets [ErrLimited] and was not sent.
//
// # The algorithm
//
// Little's law says that a host that answers in time base when idle and
// in time rtt now, with n of our calls in flight, would serve the same
// throughput with n·base/rtt calls and no queue; the rest, n·(1 −
// base/rtt), wait in its queue. That is TCP Vegas's estimate of the
// packets queued in the network (L. Brakmo and L. Peterson, "TCP Vegas:
// End to End Congestion Avoidance on a Global Internet", IEEE JSAC 13(8),
// 1995), which keeps that queue between two small bounds. Vegas moves its
// window by one packet per round trip; this limiter jumps to the target
// in one step, as the gradient controllers of Netflix's concurrency-limits
// (GradientLimit, Gradient2Limit: github.com/Netflix/concurrency-limits)
// and of Envoy's adaptive concurrency filter do
// (envoyproxy.io, "Adaptive Concurrency" filter, gradient controller):
//
//	gradient = clamp(1.25 · base / rtt, 0.5, 1)
//	target   = limit · gradient + √(limit · gradient)
//	limit    = (limit + target) / 2, within [MinLimit, MaxLimit]
//
// The 1.25 lets latency wander a quarter above the idle latency before
// the limit falls (Envoy's default buffer); the square root is the queue
// the limiter allows the host, so that the limit keeps probing upwards
// while the host keeps up (Netflix's and Envoy's headroom); 0.5 bounds
// the cut of one step, and the halving of the step damps the loop
// (Netflix's smoothing). A host that keeps up (gradient 1) sees the
// limit grow by half its square root per step; one whose latency doubles
// sees it fall by about a fifth per step, and by a quarter at most.
//
// Besides the cut on late calls still in flight (below), the limit moves
// once per window of outcomes, about one limit's worth (from 10 to 100),
// counting only calls that started after the window opened, so that each
// window measures the limit it was opened under and one burst of
// timeouts is one cut, as TCP cuts once per round trip. rtt
// is the window's median latency of successes, robust to a few slow
// calls. A window with drops cuts the limit by half the share of drops
// (all dropped: halved, the multiplicative decrease of TCP and of
// Netflix's AIMD limit) whatever the latency. A window in which the
// callers never filled half the limit leaves it alone, as Netflix's
// limits do: it tells nothing about how many calls the host can take.
//
// base is the lowest window median since the host's latency was last
// measured at low load. That measurement (a probe) is a window run at
// half the limit: first, then every 60 s (plus up to 15 % at random, so
// that a fleet does not probe in step), and after 5 windows in a row at
// MinLimit, when the host's idle latency itself may have risen. Envoy
// measures its minRTT the same way, at a fixed low concurrency; the
// minimum alone (Vegas's BaseRTT) could never rise again, and a moving
// average (Gradient2) drifts up with the queue the limiter itself allows.
//
// Why this and not AIMD alone: AIMD (additive increase, multiplicative
// decrease on drops) only learns the limit by overrunning it, so the
// host sees timeouts or 503s on every cycle; the latency signal cuts the
// limit while the host still answers. Drops still cut, because a host
// that sheds load early (429, 503) may never show the latency.
//
// # Calls still in flight
//
// A window learns that the host slowed down only once its slow calls
// end: when the host's capacity halves, about a window's worth of calls
// is admitted into its queue before the first cut, and they are the ones
// that set the p99. So the limiter also watches the calls still in
// flight, as TCP's retransmission timer acts on a segment that is not
// yet acknowledged rather than waiting for its acknowledgement (RFC 6298;
// RFC 5681 cuts the window when it fires). When the third-oldest call in
// flight (so that every call admitted before it is late too: one slow
// call is not enough) has been in flight longer than
//
//	late = max(p90 + 1.5 · (p90 − p50), 1.25 · p50)
//
// where p50 and p90 are the median and the 90th percentile of latency in
// the latest windows (each a moving average over windows, weight ½), the
// limit falls at once, with neither the smoothing nor the floor of half
// that the windows apply, to
//
//	limit = L · p50 / age
//
// (never below MinLimit), where L is the limit that call was admitted
// under and age how long it has been in flight: with the host's
// throughput what it is, Little's law makes the calls in flight
// proportional to their latency. The cut deepens as the call ages;
// anchored on the call's own L, it does not compound when the limiter
// looks again. For normally distributed latencies, p90 + 1.5 · (p90 −
// p50) is the mean plus 3.2 standard deviations, the margin of TCP's
// timeout (SRTT + 4 · RTTVAR); quantiles rather than means keep a few
// outliers from moving it. The floor, the windows' own tolerance of 25 %
// over p50, keeps a rise that the windows let pass from cutting here. Netflix's Gradient2Limit compares a short-term
// latency with a long-term one in the same way, and its AIMD limit cuts
// at once by a factor; here the short-term latency is the age of calls
// that have not ended yet. The cut is skipped while a probe runs and
// while the callers use less than half the limit, as for windows, and a
// window in which it happened moves the limit no further: its calls were
// admitted before the cut. The limiter looks at the calls in flight
// whenever a call asks to be admitted and whenever one is Done; it holds
// no timer for it.
//
// # Priorities
//
// A call's [Priority] travels with its context ([WithPriority],
// [PriorityFrom]); a context without one is PriorityNormal. Under
// pressure the limiter sheds low before normal and never sheds critical
// on its own:
//
//   - low calls are admitted while fewer than 80 % of the limit are in
//     flight, so they are the first refused as the limit fills;
//   - normal calls are admitted up to the limit;
//   - critical calls are admitted up to MaxLimit, beyond the adaptive
//     limit: their latency still teaches the limit, which then leaves
//     less room to the others.
//
// Waiting calls are served highest priority first, and in the order they
// came within a priority; when the queue is full, a newcomer displaces
// the newest waiter of a lower priority. This is the priority-aware load
// shedding of failsafe-go's PriorityLimiter (failsafe-go.dev, "Adaptive
// Limiter", prioritization) and of Netflix's partitioned limiter, which
// gives each class of traffic its share of the limit.
package limit
