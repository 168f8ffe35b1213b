// Package otel makes every attempt, wait, hedge, refusal and give-up of
// a rebound Transport visible in OpenTelemetry: spans through otelhttp,
// span events and metrics through an Observer. Its name clashes with
// go.opentelemetry.io/otel, so import it under another:
//
//	import reboundotel "github.com/rebound-go/rebound/contrib/otel"
//
// # Wiring
//
//	obs, err := reboundotel.New() // the global MeterProvider; or WithMeterProvider
//	...
//	attempts := otelhttp.NewTransport(reboundotel.AttemptTransport(http.DefaultTransport),
//		otelhttp.WithMeterProvider(noop.NewMeterProvider())) // see "Metrics"
//	t, err := rebound.NewTransport(attempts, rebound.Config{OnEvent: obs.OnEvent})
//	...
//	unregister, err := obs.ObserveTransport(t) // per-host gauges
//
// # Traces: two orders
//
// rebound over otelhttp, as above, is what the HTTP semantic conventions
// ask for (semantic-conventions docs/http/http-spans.md, "HTTP client
// span": instrumentations SHOULD create a span for each attempt to send
// a request over the wire): one CLIENT span per physical attempt, each a
// child of the caller's span, a resend carrying http.request.resend_count
// (1 for the first retry or hedge, 2 for the next, ...). AttemptTransport
// adds the count, and ends a hedged copy that lost as abandoned rather
// than failed (rebound.hedge.lost=true, status Unset).
//
// otelhttp over rebound (otelhttp.NewTransport(t)) gives one CLIENT span
// for the whole call, the second way the conventions allow when the
// attempts cannot be seen; its status is that of the answer the caller
// gets. The Observer's span events then land on that span, since it is
// in the context rebound passes to OnEvent. Do not put AttemptTransport
// in this order: there is no span per attempt to complete.
//
// In both orders the Observer adds these events to the span in the
// caller's context, with these attributes:
//
//	rebound.wait        rebound.attempt, rebound.hedge (a pacing wait of a hedge),
//	                    rebound.wait.source, rebound.wait.delay (seconds)
//	rebound.hedge.sent  rebound.attempt, rebound.hedge, rebound.hedge.delay (seconds)
//	rebound.hedge.won   rebound.attempt, rebound.hedge, http.response.status_code
//	rebound.refused     rebound.attempt, rebound.hedge (when a hedge), rebound.guard
//	rebound.give_up     rebound.attempt (attempts made), rebound.reason
//
// rebound.attempt is the try (from 1), rebound.hedge the copy of it (1 for
// the first hedge; absent for the first copy).
//
// # Metrics
//
// http.client.request.duration (histogram, s) is recorded for every
// attempt sent, with the attributes the conventions give it
// (http.request.method, server.address, server.port,
// http.response.status_code, error.type; docs/http/http-metrics.md). The
// conventions do not list http.request.resend_count among them, so it is
// not there: rebound.client.attempts and rebound.client.retries count what
// resends would. A copy that lost its hedge is not timed (its duration is
// rebound's doing, not the server's); it is counted as an attempt with
// outcome hedge_lost. otelhttp under rebound records the same histogram
// for the same attempts: give it a no-op MeterProvider, as above, so that
// each attempt is counted once.
//
// The rest are rebound's own, each with its unit:
//
//	rebound.client.attempts            counter {attempt}       rebound.host, rebound.outcome
//	rebound.client.retries             counter {retry}         rebound.host, rebound.wait.source
//	rebound.client.give_ups            counter {call}          rebound.host, rebound.reason
//	rebound.client.wait.duration       histogram s             rebound.host, rebound.wait.source
//	rebound.client.hedges              counter {hedge}         rebound.host
//	rebound.client.hedge.wins          counter {hedge}         rebound.host
//	rebound.client.refusals            counter {attempt}       rebound.host, rebound.guard
//	rebound.client.breaker.transitions counter {transition}    rebound.host, rebound.breaker.from, rebound.breaker.to
//	rebound.client.breaker.state       up-down counter 1 (*)   rebound.host, rebound.breaker.state
//	rebound.client.budget.tokens       gauge {retry} (*)       rebound.host
//	rebound.client.attempts.in_flight  up-down counter {attempt} (*) rebound.host
//
// (*) asynchronous, read from rebound.Transport.Hosts at each collection
// once the Transport is given to ObserveTransport. The breaker state is 1
// for the state a host's breaker is in and 0 for the other two, as the
// conventions' hw.status reports a state. The breaker states and the
// attempts in flight add up across hosts, so they are up-down counters,
// as OpenTelemetry's metrics supplementary guidelines recommend for
// additive values; the budget's tokens are a gauge. Prometheus shows all
// three as gauges.
//
// Pacing waits are rebound.client.wait.duration with
// rebound.wait.source="pacing": its count is how many, its sum how long.
// A wait is recorded as it starts, at the length planned.
//
// A rebound.Runner's operations have no request: the Observer adds their
// span events and counts them in the rebound.* metrics, with rebound.host
// empty, but does not time them as HTTP requests.
//
// # Attributes
//
// Every attribute set is bounded. rebound.host is Event.Key, the
// request's host[:port] or what rebound.Config.Key made of it; no metric
// or event holds a URL, a path, a query or a header. The enumerations:
//
//	rebound.outcome      ok, client_error, rate_limited, server_error,
//	                     timeout, canceled, hedge_lost, error
//	rebound.wait.source  backoff, retry-after, retrier, pacing, other
//	rebound.reason       attempts_exhausted, wait_past_deadline,
//	                     retry_after_too_long, body_not_replayable,
//	                     circuit_open, budget_exhausted, throttled,
//	                     bulkhead_full, deadline_exceeded, canceled,
//	                     not_retryable, other
//	rebound.guard        breaker, throttle, bulkhead, budget, pacing,
//	                     context, other
//	rebound.breaker.*    closed, half_open, open
//
// error.type on http.client.request.duration is the status code for a 4xx
// or 5xx answer, "timeout" or "canceled" when the context or an i/o
// timeout ended the attempt, and otherwise the error's type, named as
// otelhttp names it (go.opentelemetry.io/otel/semconv ErrorType).
package otel
