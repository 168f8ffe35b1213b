// Package rebound makes outbound HTTP calls, and any other operation,
// survive transient failure without amplifying an outage.
//
// The HTTP face is a [Transport], an http.RoundTripper that wraps any other
// (oauth2, otelhttp, your own), and a drop-in [Client] with Get, Head, Post,
// PostForm and Do. [Retry] runs the same loop around any operation, and a
// [Runner] adds hooks and guards to it.
//
// A request's path through a Transport, outermost first; every stage but
// the retry loop is off unless configured:
//
//	Transport.RoundTrip
//	  ├ policy for this request (the Transport's, or one from WithRetrier)
//	  ├ bulkhead, per host                (may refuse: bulkhead.ErrFull)
//	  └ retry loop: budget, backoff, Retry-After, deadline check
//	       └ hedging (idempotent requests only)
//	            └ throttle, per host         (may refuse: throttle.ErrThrottled)
//	                 └ circuit breaker, per host (may refuse: breaker.ErrCircuitOpen)
//	                      └ attempt timeout (fixed, or a fraction of the deadline)
//	                           └ the wrapped http.RoundTripper
//
// What is retried, how long to wait and every default are documented on
// [Policy]. Bodies are replayed through GetBody, or buffered up to a cap;
// discarded responses are drained up to a cap so their connections are
// reused; a cancelled context ends the loop at once, and a wait that would
// pass the deadline is not started. When retries run out on a status the
// caller gets the last response unread; on an error, a [*RetryError].
//
// Packages beside this one hold what stands alone: backoff (strategies and
// jitter), budget (retry budgets), breaker (circuit breaker), throttle
// (adaptive client-side throttling), bulkhead (concurrency caps), hedge
// (hedging settings and latency tracking) and faults (fault injection for
// tests).
package rebound
