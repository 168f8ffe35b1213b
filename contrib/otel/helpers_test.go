package otel

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/rebound-go/rebound/internal/leaktest"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// telemetry is an in-memory OpenTelemetry pipeline: a span recorder and a
// manual metric reader, and an Observer on them.
type telemetry struct {
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
	obs    *Observer
}

func newTelemetry(t *testing.T) *telemetry {
	t.Helper()
	tel := &telemetry{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tel.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans))
	tel.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	t.Cleanup(func() {
		_ = tel.tp.Shutdown(context.Background())
		_ = tel.mp.Shutdown(context.Background())
	})
	obs, err := New(WithMeterProvider(tel.mp))
	if err != nil {
		t.Fatal(err)
	}
	tel.obs = obs
	return tel
}

// caller starts the caller's span.
func (tel *telemetry) caller() (context.Context, trace.Span) {
	return tel.tp.Tracer("test").Start(context.Background(), "caller")
}

// collect reads every metric once.
func (tel *telemetry) collect(t *testing.T) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// points returns a metric's points as "attributes → value": the sum of a
// counter, the value of a gauge, the count of a histogram.
func points(t *testing.T, m metricdata.Metrics) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			out[attrString(p.Attributes)] += float64(p.Value)
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			out[attrString(p.Attributes)] += p.Value
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			out[attrString(p.Attributes)] += float64(p.Count)
		}
	default:
		t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
	}
	return out
}

// attrString renders a set as "k=v,k=v" in key order, leaving out the
// attributes whose values change from run to run (the server's port).
func attrString(s attribute.Set) string {
	var out string
	for _, kv := range s.ToSlice() {
		if kv.Key == "server.port" || kv.Key == "rebound.host" {
			continue
		}
		if out != "" {
			out += ","
		}
		out += string(kv.Key) + "=" + kv.Value.Emit()
	}
	return out
}

// scripted starts a loopback server that answers with statuses in turn,
// then 200, and returns it with the count of requests it saw.
func scripted(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	leaktest.Check(t, "rebound-go/rebound")
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i < len(statuses) {
			w.WriteHeader(statuses[i])
		}
		_, _ = io.WriteString(w, "body")
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(srv.Client().CloseIdleConnections)
	return srv, &n
}

// drain reads and closes a response body.
func drain(t *testing.T, resp *http.Response) {
	t.Helper()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Error(err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Error(err)
	}
}

// spanAttr returns the value of key on a span, and whether it is set.
func spanAttr(s sdktrace.ReadOnlySpan, key attribute.Key) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// eventString renders a span event as "name k=v k=v" in attribute order.
func eventString(e sdktrace.Event) string {
	out := e.Name
	for _, kv := range e.Attributes {
		out += " " + string(kv.Key) + "=" + kv.Value.Emit()
	}
	return out
}
