// Package redis shares rebound's guards across the processes of a fleet
// through Redis (github.com/redis/go-redis/v9; any UniversalClient, so a
// single server, Sentinel or Cluster):
//
//   - Store is a fleet.Store: give it to fleet.New, and the Fleet to
//     rebound.Config.Fleet, and each host's circuit breaker, retry budget
//     and pacing are shared, one Lua script per host per sync interval
//     (100 ms by default), batched in one pipeline. Calls read local state
//     only: no Redis round trip on any call's path, in any state.
//   - Quota is a fleet-wide rate limit (GCRA) for one credential, say 100
//     requests a second across every process: give it to
//     rebound.Config.RateLimit. One Redis round trip per call, bounded by
//     QuotaSettings.Timeout (5 ms by default).
//
// # Keys
//
// Every key starts with a configurable prefix ("rebound:" by default) and
// carries its host's (or quota's) name as a Redis Cluster hash tag, so one
// host's keys share a slot; every key has a TTL, so nothing outlives its
// use: a host no process calls any more is gone from Redis within a minute
// or two, and a quota within a few seconds. See Store and Quota for each
// key.
//
// # When Redis is slow, gone or partitioned
//
// No call fails because of Redis, and none waits on it beyond
// QuotaSettings.Timeout. The Fleet's sync fails within fleet.Settings.Timeout
// and every guard falls back to its local state: the breaker judges alone,
// the budget is the process's own, the pacer keeps what it learned. The
// Quota falls back to a local GCRA at this process's share of the rate.
// go-redis reconnects by itself; the Fleet shares again at the first sync
// that succeeds, and the Quota after QuotaSettings.RetryAfter. For a fast
// fallback when the server is gone, give the client one dial attempt
// (Options.DialerRetries 1; go-redis's default is 5 dials 100 ms apart),
// no command retries (MaxRetries -1) and short timeouts, as README.md
// shows.
//
// The algorithms and their public sources: the quota is the generic cell
// rate algorithm (ATM Forum Traffic Management Specification 4.0; as
// redis-cell and Brandur Leach's "Rate limiting, cells and GCRA",
// https://brandur.org/rate-limiting, write it); the probe lease is Redis's
// SET NX PX lock pattern (https://redis.io/docs/latest/commands/set/),
// kept in the breaker's hash; the rest is package fleet's.
package redis
