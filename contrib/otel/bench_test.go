package otel

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rebound-go/rebound"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// okTransport answers every request at once with a small 200.
type okTransport struct{}

func (okTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: io.NopCloser(strings.NewReader("ok")), ContentLength: 2, Request: req,
	}, nil
}

// BenchmarkHappyPath measures one successful GET over an in-memory
// transport: rebound alone, otelhttp alone (spans and its metrics), and
// rebound over otelhttp with AttemptTransport and an Observer (spans,
// span events and rebound's metrics), each under a recording caller span.
func BenchmarkHappyPath(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	obs, err := New(WithMeterProvider(mp))
	if err != nil {
		b.Fatal(err)
	}
	plain, err := rebound.NewTransport(okTransport{}, rebound.Config{})
	if err != nil {
		b.Fatal(err)
	}
	observed, err := rebound.NewTransport(
		otelhttp.NewTransport(AttemptTransport(okTransport{}),
			otelhttp.WithTracerProvider(tp), otelhttp.WithMeterProvider(noop.NewMeterProvider())),
		rebound.Config{OnEvent: obs.OnEvent})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		rt   http.RoundTripper
	}{
		{"rebound", plain},
		{"otelhttp", otelhttp.NewTransport(okTransport{}, otelhttp.WithTracerProvider(tp), otelhttp.WithMeterProvider(mp))},
		{"rebound+otel", observed},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx, span := tp.Tracer("bench").Start(context.Background(), "caller")
			defer span.End()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://example.test/", nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				resp, err := bc.rt.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
