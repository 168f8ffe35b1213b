package otel_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
	reboundotel "github.com/rebound-go/rebound/contrib/otel"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// A call that meets one 503 and then succeeds: one CLIENT span per
// attempt under the caller's span, the resend counted, the wait an event
// of the caller's span, the attempts counted by outcome.
func Example() {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	base := srv.Client().Transport // http.DefaultTransport in a program
	defer srv.Client().CloseIdleConnections()

	// In a program: the SDK's providers with real exporters.
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	// The wiring: rebound over otelhttp over AttemptTransport.
	obs, err := reboundotel.New(reboundotel.WithMeterProvider(mp))
	if err != nil {
		log.Fatal(err)
	}
	attempts := otelhttp.NewTransport(reboundotel.AttemptTransport(base),
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithMeterProvider(noop.NewMeterProvider())) // the Observer times the attempts
	t, err := rebound.NewTransport(attempts, rebound.Config{
		Policy:  rebound.Policy{Backoff: backoff.Constant{Interval: 10 * time.Millisecond}},
		OnEvent: obs.OnEvent,
	})
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Transport: t}

	ctx, span := tp.Tracer("shop").Start(context.Background(), "checkout")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/stock", nil)
	resp, err := client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	span.End()

	printSpans(spans.Ended())
	printAttempts(reader)
	// Output:
	// span "HTTP GET" status=Error resend_count=-
	// span "HTTP GET" status=Unset resend_count=1
	// span "checkout" event rebound.wait rebound.attempt=1 rebound.wait.source=backoff rebound.wait.delay=0.01
	// rebound.client.attempts{rebound.outcome=ok} 1
	// rebound.client.attempts{rebound.outcome=server_error} 1
}

// printSpans prints the attempts' spans, and the events of the others.
func printSpans(spans []sdktrace.ReadOnlySpan) {
	for _, s := range spans {
		if s.SpanKind() == trace.SpanKindClient {
			resend := "-"
			for _, kv := range s.Attributes() {
				if kv.Key == "http.request.resend_count" {
					resend = kv.Value.Emit()
				}
			}
			fmt.Printf("span %q status=%s resend_count=%s\n", s.Name(), s.Status().Code, resend)
			continue
		}
		for _, e := range s.Events() {
			fmt.Printf("span %q event %s", s.Name(), e.Name)
			for _, kv := range e.Attributes {
				fmt.Printf(" %s=%s", kv.Key, kv.Value.Emit())
			}
			fmt.Println()
		}
	}
}

// printAttempts prints rebound.client.attempts by outcome.
func printAttempts(reader *sdkmetric.ManualReader) {
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	var lines []string
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "rebound.client.attempts" {
			for _, p := range sum.DataPoints {
				outcome, _ := p.Attributes.Value("rebound.outcome")
				lines = append(lines, fmt.Sprintf("%s{rebound.outcome=%s} %d", m.Name, outcome.Emit(), p.Value))
			}
		}
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
}
