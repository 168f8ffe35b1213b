package otel

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/httpconv"
)

// ScopeName is the instrumentation scope of the Observer's meter: the
// package's import path, as OpenTelemetry's instrumentation libraries
// name theirs.
const ScopeName = "github.com/rebound-go/rebound/contrib/otel"

// waitBuckets are the histogram bounds of rebound.client.wait.duration,
// in seconds: from a millisecond of pacing to rebound's 30-second cap on
// Retry-After (DefaultMaxRetryAfter).
var waitBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// instruments are the Observer's metric instruments, made once by New.
type instruments struct {
	meter metric.Meter

	duration    httpconv.ClientRequestDuration // http.client.request.duration
	attempts    metric.Int64Counter
	retries     metric.Int64Counter
	giveUps     metric.Int64Counter
	waits       metric.Float64Histogram
	hedges      metric.Int64Counter
	hedgeWins   metric.Int64Counter
	refusals    metric.Int64Counter
	rideOuts    metric.Int64Counter
	transitions metric.Int64Counter

	breakerState metric.Int64ObservableUpDownCounter
	budgetTokens metric.Float64ObservableGauge
	inFlight     metric.Int64ObservableUpDownCounter

	attemptOpts  optCache[attemptKey]
	durationOpts optCache[durationKey]
}

// newInstruments makes every instrument on a meter of mp, and reports
// every instrument it could not make, joined.
func newInstruments(mp metric.MeterProvider) (*instruments, error) {
	m := mp.Meter(ScopeName, metric.WithSchemaURL(semconv.SchemaURL))
	in := &instruments{meter: m}
	var errs []error
	check := func(name string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	var err error
	in.duration, err = httpconv.NewClientRequestDuration(m)
	check("http.client.request.duration", err)
	in.attempts, err = m.Int64Counter("rebound.client.attempts", metric.WithUnit("{attempt}"),
		metric.WithDescription("Attempts sent, by host and outcome."))
	check("rebound.client.attempts", err)
	in.retries, err = m.Int64Counter("rebound.client.retries", metric.WithUnit("{retry}"),
		metric.WithDescription("Retries scheduled, by host and the source of the wait before them."))
	check("rebound.client.retries", err)
	in.giveUps, err = m.Int64Counter("rebound.client.give_ups", metric.WithUnit("{call}"),
		metric.WithDescription("Calls that stopped without a good result, by host and reason."))
	check("rebound.client.give_ups", err)
	in.waits, err = m.Float64Histogram("rebound.client.wait.duration", metric.WithUnit("s"),
		metric.WithDescription("Waits before an attempt (backoff, Retry-After, retrier, pacing), by host and source."),
		metric.WithExplicitBucketBoundaries(waitBuckets...))
	check("rebound.client.wait.duration", err)
	in.hedges, err = m.Int64Counter("rebound.client.hedges", metric.WithUnit("{hedge}"),
		metric.WithDescription("Hedged copies sent, by host."))
	check("rebound.client.hedges", err)
	in.hedgeWins, err = m.Int64Counter("rebound.client.hedge.wins", metric.WithUnit("{hedge}"),
		metric.WithDescription("Tries won by a hedged copy rather than the first, by host."))
	check("rebound.client.hedge.wins", err)
	in.refusals, err = m.Int64Counter("rebound.client.refusals", metric.WithUnit("{attempt}"),
		metric.WithDescription("Attempts a guard refused locally, never sent, by host and guard."))
	check("rebound.client.refusals", err)
	in.rideOuts, err = m.Int64Counter("rebound.client.breaker.waits", metric.WithUnit("{attempt}"),
		metric.WithDescription("Attempts that met an open breaker and waited for the host to come back (ride-out), by host."))
	check("rebound.client.breaker.waits", err)
	in.transitions, err = m.Int64Counter("rebound.client.breaker.transitions", metric.WithUnit("{transition}"),
		metric.WithDescription("Circuit breaker state changes, by host and the states left and entered."))
	check("rebound.client.breaker.transitions", err)
	in.breakerState, err = m.Int64ObservableUpDownCounter("rebound.client.breaker.state", metric.WithUnit("1"),
		metric.WithDescription("Circuit breaker state by host: 1 for the state the breaker is in, 0 for the others."))
	check("rebound.client.breaker.state", err)
	in.budgetTokens, err = m.Float64ObservableGauge("rebound.client.budget.tokens", metric.WithUnit("{retry}"),
		metric.WithDescription("Retries the host's retry budget has left."))
	check("rebound.client.budget.tokens", err)
	in.inFlight, err = m.Int64ObservableUpDownCounter("rebound.client.attempts.in_flight", metric.WithUnit("{attempt}"),
		metric.WithDescription("Attempts in flight to the host, from admission until their answer's body is closed."))
	check("rebound.client.attempts.in_flight", err)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return in, nil
}
