// Package rebound makes outbound HTTP calls, and any other operation,
// survive transient failure without amplifying an outage.
//
// The HTTP face is a [Transport], an http.RoundTripper that wraps any other
// (oauth2, otelhttp, your own); give it to an http.Client:
//
//	rt, err := rebound.NewTransport(nil, rebound.Recommended())
//	client := &http.Client{Transport: rt}
//
// [Retry] runs the same loop around any operation, and a [Runner] adds
// hooks and guards to it, configured by the same [Config]. [Config.OnEvent]
// sees every attempt, wait, refusal, hedge and give-up ([SlogEvents] logs
// them); [Transport.Stats] and [Transport.Hosts] count and show the rest.
//
// A request's path through a Transport (a Runner's operations take the
// same path, without hedging), outermost first; every stage but the retry
// loop is off unless configured:
//
//	Transport.RoundTrip
//	  ├ policy for this request (the Transport's, or one from WithRetrier)
//	  └ retry loop: attempts, backoff and Retry-After, deadline check, budget
//	       └ hedging (idempotent requests only): the copies of one try
//	            └ each attempt, through its host's guards in this order:
//	                 bulkhead          may refuse: bulkhead.ErrFull
//	                 rate limit        may refuse: the RateLimiter's error
//	                 learnt rate       may refuse: ratelimit.ErrLimited
//	                 pacing            may refuse: ErrWaitPastDeadline
//	                 adaptive limit    may refuse: limit.ErrLimited
//	                 breaker           may refuse: breaker.ErrCircuitOpen
//	                 throttle          may refuse: throttle.ErrThrottled
//	                 attempt timeout
//	                 └ the wrapped http.RoundTripper
//
// A guard that refuses makes the attempt "not sent": the call ends with
// the last answer the server gave, unread, or with a [*RetryError] that
// wraps the refusal when there is none. A refusal never wins a hedge,
// never cancels a copy in flight and never counts as the server's answer
// to the breaker, the throttle or the budget. What an attempt takes (a
// bulkhead slot, a breaker ticket, its context) is given back exactly
// once, panics included; a slot and the context when the caller closes
// the response body.
//
// What is retried, how long to wait and every default are documented on
// [Policy]. Bodies are replayed through GetBody, or buffered up to a cap;
// discarded responses are drained up to a cap so their connections are
// reused; a cancelled context ends the loop at once, and a wait that would
// pass the deadline is not started. When retries run out on a status the
// caller gets the last response unread; on an error, a [*RetryError].
//
// Packages beside this one hold what stands alone: backoff (strategies and
// jitter), budget (retry budgets), breaker (circuit breaker, with ride-out),
// throttle (adaptive client-side throttling), bulkhead (concurrency caps),
// limit (an adaptive concurrency limit with priorities), ratelimit
// (rate-limit headers, pacing, a rate learnt from 429s), hedge (hedging
// settings), fleet (guard state shared by the processes of a service) and
// faults (fault injection for tests).
package rebound
