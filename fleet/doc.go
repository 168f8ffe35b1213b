// Package fleet lets the processes of a service share their guards' state
// through a store (Redis in github.com/rebound-go/rebound/contrib/redis, or
// any Store): one circuit breaker, one retry budget and one view of a
// server's quota per host across the fleet, where each process would
// otherwise learn alone and an outage would cost the server N windows of
// failures and N budgets of retries.
//
// A call reads local state only. A Fleet moves counts and states in the
// background, batched: every sync interval (Settings.Interval, 100 ms by
// default) it sends one Report per host to the Store in one Sync and
// applies the View that comes back.
//
//   - Breaker: the calls and failures each process saw are counted
//     fleet-wide in time buckets (see Rule: the fleet's last WindowSize
//     calls, or the breaker's WindowDuration), and the fleet's breaker
//     opens when they trip its failure rate. A process whose own breaker
//     trips syncs at once, so the fleet's breaker opens with it; one
//     whose calls fail faster than its share of the rule allows syncs
//     early. Every process holds its breaker open while the fleet's is
//     open, so a breaker open anywhere is open everywhere within one
//     interval, or within a round trip or two when the Store is a
//     Notifier. In half-open a single process holds the fleet's probe
//     lease and probes (the others' probes are held back); its verdict
//     closes or reopens every breaker.
//   - Retry budget: each process pays its first attempts' share of
//     retries (budget.Adaptive's current share, or 0.1) into one token bucket for
//     the fleet and leases tokens from it in batches, so retries across the
//     fleet stay within the budget's share of the fleet's traffic, and an
//     outage's first burst is one Burst for the fleet, not one per process.
//   - Pacing: the quota a server reports in its rate-limit headers to any
//     process (ratelimit.Pacer) is merged fleet-wide and split among the
//     processes that call the host, so each paces on its share.
//
// When the store is slow, gone or partitioned, the first Sync after the
// loss fails (at once when the store is gone and the client fails fast;
// within Settings.Timeout when it is slow) and every process falls back to
// its local guards (the breaker ungated, the budget its own): within one
// interval, plus Settings.Timeout for a slow store. No call ever waits on
// the store or fails because of it. The Fleet keeps trying every interval
// and shares again as soon as a Sync succeeds.
//
// The sources of the rules: the circuit breaker and its half-open probes
// follow Resilience4j's CircuitBreaker
// (https://resilience4j.readme.io/docs/circuitbreaker); the retry budget
// follows Finagle's RetryBudget and gRPC's retry throttling (gRFC A6,
// https://github.com/grpc/proposal/blob/master/A6-client-retries.md);
// lease-based leadership for the single probe follows the Redis SET NX PX
// lock pattern (https://redis.io/docs/latest/commands/set/).
package fleet
