package otel

import (
	"context"
	"fmt"

	"github.com/rebound-go/rebound"
	otelglobal "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Observer turns rebound's events into OpenTelemetry metrics and into
// events on the caller's span. Put its OnEvent method in
// rebound.Config.OnEvent, and give the Transport to ObserveTransport for
// the per-host gauges.
//
// Make one with New. The zero Observer adds span events and records no
// metrics. An Observer is safe for concurrent use by any number of
// goroutines and Transports.
type Observer struct {
	in *instruments // nil: no metrics
}

// Option configures New.
type Option func(*config)

type config struct {
	mp metric.MeterProvider
}

// WithMeterProvider makes the Observer record its metrics on a meter of
// mp. nil, the default, means the global MeterProvider
// (go.opentelemetry.io/otel.GetMeterProvider); an Observer made before
// the global provider is set follows it once it is, as every meter of
// the global provider does.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// New returns an Observer whose instruments live on a meter named
// ScopeName. It returns an error, naming each instrument, when the
// MeterProvider refuses to make one.
func New(opts ...Option) (*Observer, error) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	if c.mp == nil {
		c.mp = otelglobal.GetMeterProvider()
	}
	in, err := newInstruments(c.mp)
	if err != nil {
		return nil, fmt.Errorf("otel: New: %w", err)
	}
	return &Observer{in: in}, nil
}

// OnEvent records e: its signature is rebound.Config.OnEvent's. To keep
// another hook as well, call both:
//
//	OnEvent: func(ctx context.Context, e rebound.Event) {
//		obs.OnEvent(ctx, e)
//		logHook(ctx, e)
//	},
//
// ctx is the caller's context (context.Background() for a breaker
// change): waits, hedges, refusals and the give-up become events on the
// span it holds (see the package documentation for their names). It is
// quick, never blocks and is safe to call from any goroutine.
func (o *Observer) OnEvent(ctx context.Context, e rebound.Event) {
	if e.Kind != rebound.EventAttemptStart && e.Kind != rebound.EventAttemptDone && e.Kind != rebound.EventBreakerChange {
		addSpanEvent(ctx, e)
	}
	if o == nil || o.in == nil {
		return
	}
	in := o.in
	host := keyHost.String(e.Key)
	switch e.Kind {
	case rebound.EventAttemptDone:
		in.recordAttempt(ctx, e)
	case rebound.EventWait:
		source := waitSource(e.Source)
		attrs := metric.WithAttributes(host, keyWaitSource.String(source))
		switch source {
		case "breaker":
			// A ride-out wait: its length is not known when it starts, and
			// it is not a retry (the attempt has not been sent yet).
			in.rideOuts.Add(ctx, 1, metric.WithAttributes(host))
		case "pacing":
			in.waits.Record(ctx, e.Delay.Seconds(), attrs)
		default:
			in.waits.Record(ctx, e.Delay.Seconds(), attrs)
			in.retries.Add(ctx, 1, attrs)
		}
	case rebound.EventHedgeSent:
		in.hedges.Add(ctx, 1, metric.WithAttributes(host))
	case rebound.EventHedgeWon:
		in.hedgeWins.Add(ctx, 1, metric.WithAttributes(host))
	case rebound.EventRefused:
		in.refusals.Add(ctx, 1, metric.WithAttributes(host, keyGuard.String(guardName(e.Reason))))
	case rebound.EventGiveUp:
		in.giveUps.Add(ctx, 1, metric.WithAttributes(host, keyReason.String(reasonName(e.Reason))))
	case rebound.EventBreakerChange:
		in.transitions.Add(ctx, 1, metric.WithAttributes(host,
			keyBreakerFrom.String(breakerStateName(e.From)), keyBreakerTo.String(breakerStateName(e.To))))
	}
}

// recordAttempt counts a sent attempt by outcome and, for HTTP, records
// its duration as http.client.request.duration. A copy that lost its
// hedge is counted but not timed: its duration was cut short by rebound,
// so it is neither the server's answer nor an error of the request.
func (in *instruments) recordAttempt(ctx context.Context, e rebound.Event) {
	outcome := attemptOutcome(ctx, e.Status, e.Err)
	ak := attemptKey{host: e.Key, outcome: outcome}
	ao := in.attemptOpts.get(ak)
	if ao == nil {
		ao = in.attemptOpts.put(ak, newMeasureOpts(keyHost.String(e.Key), keyOutcome.String(outcome)))
	}
	in.attempts.Add(ctx, 1, ao.add...)
	if e.Request == nil || e.Request.URL == nil || outcome == outcomeHedgeLost || !in.duration.Enabled(ctx) {
		return
	}
	dk := durationKey{
		method:  requestMethod(e.Request.Method),
		address: e.Request.URL.Hostname(),
		port:    serverPort(e.Request.URL),
		status:  e.Status,
		errType: errorType(e.Status, e.Err),
	}
	do := in.durationOpts.get(dk)
	if do == nil {
		do = in.durationOpts.put(dk, dk.opts())
	}
	in.duration.Float64Histogram.Record(ctx, e.Elapsed.Seconds(), do.rec...)
}

// attemptKey is the attribute set of rebound.client.attempts.
type attemptKey struct{ host, outcome string }

// durationKey is the attribute set of http.client.request.duration.
type durationKey struct {
	method, address string
	port, status    int
	errType         string
}

func (k durationKey) opts() *measureOpts {
	attrs := make([]attribute.KeyValue, 0, 5)
	attrs = append(attrs,
		semconv.HTTPRequestMethodKey.String(k.method),
		semconv.ServerAddress(k.address),
		semconv.ServerPort(k.port))
	if k.status > 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(k.status))
	}
	if k.errType != "" {
		attrs = append(attrs, semconv.ErrorTypeKey.String(k.errType))
	}
	return newMeasureOpts(attrs...)
}

// addSpanEvent adds e to the span in ctx, the caller's, when it records.
func addSpanEvent(ctx context.Context, e rebound.Event) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	attrs := make([]attribute.KeyValue, 0, 4)
	attrs = append(attrs, keyAttempt.Int(e.Attempt))
	if e.Hedge > 0 {
		attrs = append(attrs, keyHedge.Int(e.Hedge))
	}
	var name string
	switch e.Kind {
	case rebound.EventWait:
		name = "rebound.wait"
		attrs = append(attrs, keyWaitSource.String(waitSource(e.Source)), keyWaitDelay.Float64(e.Delay.Seconds()))
	case rebound.EventHedgeSent:
		name = "rebound.hedge.sent"
		attrs = append(attrs, keyHedgeDelay.Float64(e.Delay.Seconds()))
	case rebound.EventHedgeWon:
		name = "rebound.hedge.won"
		attrs = append(attrs, semconv.HTTPResponseStatusCode(e.Status))
	case rebound.EventRefused:
		name = "rebound.refused"
		attrs = append(attrs, keyGuard.String(guardName(e.Reason)))
	case rebound.EventGiveUp:
		name = "rebound.give_up"
		attrs = append(attrs, keyReason.String(reasonName(e.Reason)))
	default:
		return
	}
	span.AddEvent(name, trace.WithAttributes(attrs...))
}

// The attribute keys rebound adds, under rebound.*; the package
// documentation lists their values.
const (
	keyHost        = attribute.Key("rebound.host")
	keyOutcome     = attribute.Key("rebound.outcome")
	keyReason      = attribute.Key("rebound.reason")
	keyGuard       = attribute.Key("rebound.guard")
	keyWaitSource  = attribute.Key("rebound.wait.source")
	keyWaitDelay   = attribute.Key("rebound.wait.delay")
	keyAttempt     = attribute.Key("rebound.attempt")
	keyHedge       = attribute.Key("rebound.hedge")
	keyHedgeDelay  = attribute.Key("rebound.hedge.delay")
	keyHedgeLost   = attribute.Key("rebound.hedge.lost")
	keyBreakerFrom = attribute.Key("rebound.breaker.from")
	keyBreakerTo   = attribute.Key("rebound.breaker.to")
	keyBreakerSt   = attribute.Key("rebound.breaker.state")
)
