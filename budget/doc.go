// Package budget limits retries and hedges to a share of recent traffic,
// so that a dependency that is down receives about 1.1 times its normal
// load from a client instead of 4 times (one call and three retries).
//
// A retry loop talks to a [Budget] in two calls: Done after every attempt
// the server answered, and Allow before every retry or hedge; when Allow
// says no, the loop returns the last result. A budget is meant to be
// shared by every call to one destination (one per host).
//
// [Adaptive] is a token bucket into which every call pays a share that
// follows how often recent retries succeeded; it is safe for concurrent
// use and does not allocate. It is measured against two budgets with a
// fixed share, in this package's simulations:
//
//   - Finagle's RetryBudget (Envoy's retry budget is the same idea over
//     active requests): retries may be at most a fixed ratio of the
//     calls of a sliding window, plus a reserve; by default 20 %, 10 a
//     second, 10 s.
//   - gRPC's retry throttling (gRFC A6): a failed attempt takes a token,
//     a success puts back a tenth of one, and retries stop while half the
//     bucket or less is left; 10 tokens.
//
// # Why adaptive
//
// A fixed share must choose between two workloads. In a full outage no
// retry succeeds, and every retry granted is load on a server that is
// down: the share should be small. When 30 % of attempts fail at random,
// a call of up to 4 attempts needs 0.3 + 0.09 + 0.027 ≈ 0.42 retries on
// average, 70 % of them succeed, and granting them all lifts the success
// rate from 70 % to 99.2 %: the share should be large. Finagle's 20 %
// holds an outage to 1.25 attempts per call but lets only 85 % of calls
// succeed under 30 % faults; gRPC's bucket, losing ten times more per
// failure than it gains per success, stops retrying altogether once more
// than about 9 % of attempts fail (figures from the simulation in this
// package's tests, 32 callers, 4 attempts per call).
//
// Adaptive's share is its estimate of how often retries succeed, clamped
// to [Floor, Ceiling]: a retry that pays off p of the time may take a
// share p of traffic. The estimate moves towards 1 or 0 with each retry's
// outcome, with a half-life counted in retries. Until it has seen
// 1/(1-2^(-1/HalfLife)) retries, it leans on the rate of first-attempt success instead, less
// and less as retries come in: when failures are independent a retry
// succeeds as often as any attempt, so a server that is down keeps the
// share at the floor from its first answers, and one that fails a third
// of its answers at random earns the ceiling as soon as the first calls
// come back. Both estimates start at zero, so at the floor. Every call
// pays the current share into the bucket; a retry takes a whole token.
//
// # Defaults and the figures behind them
//
// Floor, 0.1: an outage, in which the estimate stays at zero, costs at
// most 1.1 attempts per call. Simulated, 2 000 calls from 32 callers
// against a server that is down cost exactly 1.1 attempts per call (200
// retries).
//
// Ceiling, 0.5: retries under 30 % faults succeed 70 % of the time, so
// the share reaches the ceiling, above the 0.42 those calls need, with
// room for the estimate's noise. Simulated, 20 000 calls with 30 % of
// attempts failing succeed at 99.13–99.20 % over five seeds, against
// 99.13–99.21 % on the same faults with no budget at all (0–7 retries
// refused). Learning from retries alone, before first attempts stood in,
// it refused up to 20 retries in its first half second and reached only
// 98.5–98.9 % on 2 000 calls over loopback. Beyond about 50 % faults the ceiling binds, as it should:
// the server is then in more trouble than retries can fix.
//
// HalfLife, 8 retries: long enough that the estimate's noise at 30 %
// faults (±0.1) rarely takes the share below what calls need for long
// (the saved tokens cover the dips), short enough that a new outage
// brings the estimate from 0.7 down to the floor in about 22 failed
// retries, and that it climbs back as fast. Counting in retries rather
// than seconds makes that the same at any traffic. Until it has seen
// about 1/(1-2^(-1/HalfLife)) ≈ 12 outcomes, the estimate is a plain mean
// with one pessimistic prior outcome, so a new budget trusts a healthy
// server after a handful of retries. Because the floor always grants
// some retries, the budget keeps learning during an outage: when the
// server comes back, the share is at the ceiling again within a few
// dozen retries (0.16 s at 700 calls a second in the simulation).
//
// Burst, 100 tokens: unspent tokens are saved up to this many, so retries
// that come in bunches (32 callers failing at once) find them. It is also
// what a calm period can save for the start of the next outage: at most
// Burst extra retries, plus the failed ones that teach the budget.
//
// MinPerSecond, 1 (per 10 s Window): a client that makes a call every few
// seconds would never pay for a retry. While the window holds fewer than
// MinPerSecond·Window retries, a retry is granted without a token and
// the token is owed. The reserve is not added to the share, so above
// MinPerSecond/Floor = 10 calls a second it costs nothing, and the bounds
// above hold exactly; below that rate an outage costs up to one retry a
// second more. A negative MinPerSecond turns the reserve off.
//
// # Results to report
//
// ok means that the attempt did not fail in a way the loop would retry:
// a 404 is ok for the budget. Attempts abandoned by the caller (a hedge
// that lost, a cancelled context), attempts a local guard refused, and
// 429s (a quota, not a failure) should not be reported at all.
package budget
