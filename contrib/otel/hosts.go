package otel

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/breaker"
	"go.opentelemetry.io/otel/metric"
)

// breakerStates are the states rebound.client.breaker.state reports, one
// series each.
var breakerStates = [...]breaker.State{breaker.Closed, breaker.HalfOpen, breaker.Open}

// ObserveTransport reports the per-host state of t at every collection,
// from t.Hosts():
//
//   - rebound.client.breaker.state: 1 for the state each host's breaker is
//     in, 0 for the other two (rebound.breaker.state = closed, half_open,
//     open), as the semantic conventions' hw.status reports a state;
//     "closed" for every host when t has no breaker;
//   - rebound.client.budget.tokens: the retries each host's budget has
//     left, for budgets that say (budget.Adaptive, or any with a
//     Tokens() float64 method; negative while an Adaptive budget owes
//     retries it granted from its reserve);
//   - rebound.client.attempts.in_flight: the attempts in flight to each
//     host.
//
// A Transport reports only the hosts it keeps guards for: none unless a
// per-host guard (Budget, Breaker, Throttle, Bulkhead, Pace, or a Hedge
// with a Percentile) is configured. Observe each Transport once: two
// Transports that share a host report the same series. Call unregister
// when t is retired; it returns the MeterProvider's error, if any.
//
// ObserveTransport returns an error when t is nil, when o was not made by
// New, or when the MeterProvider refuses the callback. It is safe for
// concurrent use.
func (o *Observer) ObserveTransport(t *rebound.Transport) (unregister func() error, err error) {
	if t == nil {
		return nil, errors.New("otel: ObserveTransport: the Transport is nil")
	}
	if o == nil || o.in == nil {
		return nil, errors.New("otel: ObserveTransport: the Observer was not made by New, so it has no meter")
	}
	in := o.in
	t.Hosts() // starts t's count of attempts in flight, which nobody pays for until someone looks
	reg, err := in.meter.RegisterCallback(func(_ context.Context, obs metric.Observer) error {
		in.observeHosts(obs, t.Hosts())
		return nil
	}, in.breakerState, in.budgetTokens, in.inFlight)
	if err != nil {
		return nil, fmt.Errorf("otel: ObserveTransport: %w", err)
	}
	return reg.Unregister, nil
}

// observeHosts reports one snapshot of hosts.
func (in *instruments) observeHosts(obs metric.Observer, hosts []rebound.HostState) {
	for _, h := range hosts {
		host := keyHost.String(h.Key)
		for _, s := range breakerStates {
			var v int64
			if h.Breaker == s {
				v = 1
			}
			obs.ObserveInt64(in.breakerState, v, metric.WithAttributes(host, keyBreakerSt.String(breakerStateName(s))))
		}
		if !math.IsNaN(h.BudgetTokens) {
			obs.ObserveFloat64(in.budgetTokens, h.BudgetTokens, metric.WithAttributes(host))
		}
		obs.ObserveInt64(in.inFlight, int64(h.InFlight), metric.WithAttributes(host))
	}
}
