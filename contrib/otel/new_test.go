package otel

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rebound-go/rebound"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

var errRefused = errors.New("refused")

// failingProvider makes meters that refuse counters and callbacks.
type failingProvider struct{ noop.MeterProvider }

func (failingProvider) Meter(string, ...metric.MeterOption) metric.Meter { return failingMeter{} }

type failingMeter struct{ noop.Meter }

func (failingMeter) Int64Counter(string, ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return noop.Int64Counter{}, errRefused
}

func (failingMeter) RegisterCallback(metric.Callback, ...metric.Observable) (metric.Registration, error) {
	return nil, errRefused
}

func TestNewReportsRefusedInstruments(t *testing.T) {
	_, err := New(WithMeterProvider(failingProvider{}))
	if !errors.Is(err, errRefused) {
		t.Fatalf("New = %v, want the provider's error", err)
	}
	for _, name := range []string{"rebound.client.attempts", "rebound.client.breaker.transitions"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the error does not name %s: %v", name, err)
		}
	}
}

func TestObserveTransportReportsRefusedCallback(t *testing.T) {
	in, err := newInstruments(noop.NewMeterProvider())
	if err != nil {
		t.Fatal(err)
	}
	in.meter = failingMeter{}
	tr, err := rebound.NewTransport(nil, rebound.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&Observer{in: in}).ObserveTransport(tr); !errors.Is(err, errRefused) {
		t.Errorf("ObserveTransport = %v, want the provider's error", err)
	}
}

// TestGlobalProvider: New without a provider uses the global one (a no-op
// until one is set), and records without error.
func TestGlobalProvider(t *testing.T) {
	obs, err := New()
	if err != nil {
		t.Fatal(err)
	}
	obs.OnEvent(context.Background(), rebound.Event{Kind: rebound.EventAttemptDone, Attempt: 1, Status: 200})
	unregister, err := obs.ObserveTransport(&rebound.Transport{})
	if err != nil {
		t.Fatal(err)
	}
	if err := unregister(); err != nil {
		t.Fatal(err)
	}
}
