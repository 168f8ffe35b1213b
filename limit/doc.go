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
// once per window: the first calls admitted after the window opened,
// about one limit's worth (from 10 to 100), so that each window measures
// the limit it was opened under and one burst of timeouts is one cut, as
// TCP cuts once per round trip. rtt is the window's median latency of
// successes, robust to a few slow calls. A window closes once its median
// and its 90th percentile are known, not once a number of outcomes have
// come in: the calls that end first are the fast ones, and on a host with
// long-tailed latencies a window that closed on them would report their
// median and leave out its slow calls. A call still in flight is a
// censored sample, as in survival analysis (E. Kaplan and P. Meier,
// "Nonparametric Estimation from Incomplete Observations", JASA 53(282),
// 1958): its latency is at least its age, so once every member in flight
// has been in flight longer than the window's 90th percentile of the
// latencies seen, they rank above it whatever they turn out to be. (A
// window whose members are still in flight ten times the stall's late
// age, below, closes on its median alone, so that calls that never end
// cannot hold the limit still.) A window with drops cuts the limit by
// half the share of drops (all dropped: halved, the multiplicative
// decrease of TCP and of Netflix's AIMD limit) whatever the latency. A
// window in which the callers never filled half the limit leaves it
// alone, as Netflix's limits do: it tells nothing about how many calls
// the host can take.
//
// base is the median latency of the latest probe: a window of 50 calls
// (Envoy's request_count) run at half the limit, first, then every 60 s
// (plus up to 15 % at random, so that a fleet does not probe in step),
// and after 5 windows in a row that doubt it: windows that closed at
// MinLimit, where the host's idle latency itself may have risen; windows
// whose median was below base by more than the tolerance, where it has
// fallen; and windows run at no more calls in flight than the probe
// whose median was above base by more than the tolerance, where base is
// wrong or the host slowed down. Envoy measures its minRTT the same way,
// in dedicated windows at a low concurrency, and remeasures it after 5
// windows at the minimum limit. base is not lowered by the windows in
// between: the minimum of many windows' medians falls further with every
// window, as noise, not load, sets it. On a host whose service times are
// exponential, the median of a window of 20 calls has a standard
// deviation of about 30 %, and the lowest of a few hundred such medians
// lies far below the host's idle latency; the limit then sees a queue
// where there is none. (With that minimum, windows that closed on their
// fast calls, and late calls taken for a queue, the limit fell to about
// 2 on such a host with 16 workers, for 11 % of its capacity.) Vegas's
// BaseRTT is a minimum because network delay only adds to the
// propagation delay; a host's service time varies both ways. Netflix's
// Gradient2Limit gives the same reason for not using the minimum ("a
// bias towards an impractically low base RTT resulting in excessive load
// shedding"); its long-term moving average, though, drifts up with the
// queue the limiter itself allows, which a probe at half the limit does
// not.
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
// RFC 5681 cuts the window when it fires). It watches the third-oldest
// call in flight, or the last of the oldest quarter when more than 15
// are in flight, so that every call admitted before it is late too: one
// slow call, or a few, is not enough. That call is late when it has been
// in flight longer than
//
//	late = max(p90 + 1.5 · (p90 − p50), 1.25 · p50)
//
// where p50 and p90 are the median and the 90th percentile of latency in
// the latest windows (each a moving average over windows, weight ½). For
// normally distributed latencies, p90 + 1.5 · (p90 − p50) is the mean
// plus 3.2 standard deviations, the margin of TCP's timeout (SRTT + 4 ·
// RTTVAR); quantiles rather than means keep a few outliers from moving
// it. The floor, the windows' own tolerance of 25 % over p50, keeps a
// rise that the windows let pass from cutting here.
//
// Late calls alone do not say that the host queues: a host with
// long-tailed latencies always has a few calls in its tail, and more of
// them the more calls it serves. A host whose capacity fell also
// completes fewer calls, where a merely noisy one keeps its pace. So the
// limiter also counts the successes since the watched call was admitted,
// and compares them with the host's usual pace (successes per second in
// the latest windows the callers filled, a moving average, weight ½), as
// BBR measures a path's delivery rate from the data delivered over an
// interval (N. Cardwell et al., "BBR: Congestion-Based Congestion
// Control", ACM Queue 14(5), 2016). When the watched call is late and
// the host has kept less than 1/1.25 of its usual pace since, the limit
// falls at once, without the smoothing that the windows apply, to
//
//	limit = L · max(pace kept, ½)
//
// (never below MinLimit), where L is the limit that call was admitted
// under: by Little's law, at the latency the limit aims for, the calls
// in flight scale with the host's throughput. The cut deepens as the
// call ages and the host stays slow, down to half of L, the most one
// window may cut on latency; anchored on the call's own L, it does not
// compound when the limiter looks again, and calls admitted after it cut
// again if the host is slower still. Netflix's Gradient2Limit compares a
// short-term latency with a long-term one in the same way, and its AIMD
// limit cuts at once by a factor; here the short-term latency is the age
// of calls that have not ended yet. The cut is skipped while a probe
// runs and while the callers use less than half the limit, as for
// windows, and a window in which it happened moves the limit no further:
// its calls were admitted before the cut. The limiter looks at the calls
// in flight whenever a call asks to be admitted and whenever one is
// Done; it holds no timer for it.
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
