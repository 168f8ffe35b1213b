package otel

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
	"github.com/rebound-go/rebound/hedge"
	"github.com/rebound-go/rebound/internal/leaktest"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// overOtelhttp makes the recommended chain: rebound over otelhttp over
// AttemptTransport over base.
func overOtelhttp(t *testing.T, tel *telemetry, base http.RoundTripper, cfg rebound.Config) *rebound.Transport {
	t.Helper()
	attempts := otelhttp.NewTransport(AttemptTransport(base),
		otelhttp.WithTracerProvider(tel.tp), otelhttp.WithMeterProvider(noop.NewMeterProvider()))
	cfg.OnEvent = tel.obs.OnEvent
	tr, err := rebound.NewTransport(attempts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// fastRetries is a policy of three attempts a millisecond apart.
var fastRetries = rebound.Policy{Attempts: 3, Backoff: backoff.Constant{Interval: time.Millisecond}}

// clientSpan is what the test expects of one attempt's span.
type clientSpan struct {
	resend   int // http.request.resend_count; 0: absent
	status   codes.Code
	hedgeTag bool // rebound.hedge.lost=true
}

func summarize(t *testing.T, caller trace.Span, spans []sdktrace.ReadOnlySpan) []clientSpan {
	t.Helper()
	var out []clientSpan
	for _, s := range spans {
		if s.SpanKind() != trace.SpanKindClient {
			continue
		}
		if s.Parent().SpanID() != caller.SpanContext().SpanID() || s.SpanContext().TraceID() != caller.SpanContext().TraceID() {
			t.Errorf("span %q is not a child of the caller's span", s.Name())
		}
		var c clientSpan
		if v, ok := spanAttr(s, semconv.HTTPRequestResendCountKey); ok {
			c.resend = int(v.AsInt64())
		}
		c.status = s.Status().Code
		if v, ok := spanAttr(s, keyHedgeLost); ok {
			c.hedgeTag = v.AsBool()
		}
		if _, ok := spanAttr(s, semconv.ErrorTypeKey); ok && c.hedgeTag {
			t.Errorf("the hedge loser's span has error.type")
		}
		out = append(out, c)
	}
	return out
}

// callerEvents returns the events of the span named "caller".
func callerEvents(t *testing.T, spans []sdktrace.ReadOnlySpan) []string {
	t.Helper()
	for _, s := range spans {
		if s.Name() == "caller" {
			var out []string
			for _, e := range s.Events() {
				out = append(out, eventString(e))
			}
			return out
		}
	}
	t.Fatal("no caller span")
	return nil
}

func TestRetriedCallSpans(t *testing.T) {
	tel := newTelemetry(t)
	srv, _ := scripted(t, 503, 503)
	tr := overOtelhttp(t, tel, srv.Client().Transport, rebound.Config{Policy: fastRetries})

	ctx, caller := tel.caller()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/items?token=secret", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	drain(t, resp)
	caller.End()

	spans := tel.spans.Ended()
	got := summarize(t, caller, spans)
	want := []clientSpan{{0, codes.Error, false}, {1, codes.Error, false}, {2, codes.Unset, false}}
	if !slices.Equal(got, want) {
		t.Errorf("client spans = %+v, want %+v", got, want)
	}
	events := callerEvents(t, spans)
	wantEvents := []string{
		"rebound.wait rebound.attempt=1 rebound.wait.source=backoff rebound.wait.delay=0.001",
		"rebound.wait rebound.attempt=2 rebound.wait.source=backoff rebound.wait.delay=0.001",
	}
	if !slices.Equal(events, wantEvents) {
		t.Errorf("caller events = %q, want %q", events, wantEvents)
	}
}

func TestGiveUpEvent(t *testing.T) {
	tel := newTelemetry(t)
	srv, _ := scripted(t, 503, 503, 503)
	tr := overOtelhttp(t, tel, srv.Client().Transport, rebound.Config{Policy: fastRetries})

	ctx, caller := tel.caller()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	drain(t, resp)
	caller.End()

	events := callerEvents(t, tel.spans.Ended())
	if n := len(events); n != 3 || events[2] != "rebound.give_up rebound.attempt=3 rebound.reason=attempts_exhausted" {
		t.Errorf("caller events = %q, want two waits and the give-up", events)
	}
}

// hangFirst holds a call's first attempt until its context ends, and
// returns the context's cause as net/http does; resends go through next.
type hangFirst struct{ next http.RoundTripper }

func (h hangFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	if rebound.ResendCount(req.Context()) == 0 {
		<-req.Context().Done()
		return nil, context.Cause(req.Context())
	}
	return h.next.RoundTrip(req)
}

// TestHedgeSpans: the first copy hangs, the hedge answers; the loser's
// span ends abandoned, not failed.
func TestHedgeSpans(t *testing.T) {
	tel := newTelemetry(t)
	srv, _ := scripted(t)
	tr := overOtelhttp(t, tel, hangFirst{srv.Client().Transport}, rebound.Config{
		Policy: fastRetries,
		Hedge:  &hedge.Settings{Delay: time.Millisecond},
	})

	ctx, caller := tel.caller()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	drain(t, resp)
	// The call returns with the winner; the loser's span ends when its
	// goroutine has seen the cancellation, a moment later.
	for deadline := time.Now().Add(5 * time.Second); len(tel.spans.Ended()) < 2 && time.Now().Before(deadline); {
		runtime.Gosched()
	}
	caller.End()

	spans := tel.spans.Ended()
	got := summarize(t, caller, spans)
	slices.SortFunc(got, func(a, b clientSpan) int { return a.resend - b.resend })
	want := []clientSpan{{0, codes.Unset, true}, {1, codes.Unset, false}}
	if !slices.Equal(got, want) {
		t.Errorf("client spans (loser, winner) = %+v, want %+v", got, want)
	}
	events := callerEvents(t, spans)
	wantEvents := []string{
		"rebound.hedge.sent rebound.attempt=1 rebound.hedge=1 rebound.hedge.delay=0.001",
		"rebound.hedge.won rebound.attempt=1 rebound.hedge=1 http.response.status_code=200",
	}
	if !slices.Equal(events, wantEvents) {
		t.Errorf("caller events = %q, want %q", events, wantEvents)
	}
	m := tel.collect(t)
	for name, want := range map[string]map[string]float64{
		"rebound.client.hedges":        {"": 1},
		"rebound.client.hedge.wins":    {"": 1},
		"rebound.client.attempts":      {"rebound.outcome=hedge_lost": 1, "rebound.outcome=ok": 1},
		"http.client.request.duration": {"http.request.method=GET,http.response.status_code=200,server.address=127.0.0.1": 1},
	} {
		if got := points(t, m[name]); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

// TestAttemptTransportLeavesCallerSpan: without otelhttp, the span in an
// attempt's context is the caller's, which AttemptTransport must not
// touch.
func TestAttemptTransportLeavesCallerSpan(t *testing.T) {
	tel := newTelemetry(t)
	srv, _ := scripted(t, 503)
	tr, err := rebound.NewTransport(AttemptTransport(srv.Client().Transport), rebound.Config{Policy: fastRetries})
	if err != nil {
		t.Fatal(err)
	}
	ctx, caller := tel.caller()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	drain(t, resp)
	caller.End()
	for _, s := range tel.spans.Ended() {
		if _, ok := spanAttr(s, semconv.HTTPRequestResendCountKey); ok {
			t.Errorf("span %q (kind %v) got a resend count", s.Name(), s.SpanKind())
		}
	}
}

func TestAttemptTransportWithoutSpan(t *testing.T) {
	srv, n := scripted(t)
	rt := AttemptTransport(srv.Client().Transport)
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	drain(t, resp)
	if resp.StatusCode != http.StatusOK || n.Load() != 1 {
		t.Errorf("status %d after %d requests, want 200 after 1", resp.StatusCode, n.Load())
	}
	rt.(interface{ CloseIdleConnections() }).CloseIdleConnections()
	if AttemptTransport(nil).(attemptTransport).next != http.DefaultTransport {
		t.Error("AttemptTransport(nil) does not send through http.DefaultTransport")
	}
}

// TestOtelhttpOverRebound: the other order, one CLIENT span for the call,
// the waits as its events.
func TestOtelhttpOverRebound(t *testing.T) {
	tel := newTelemetry(t)
	srv, _ := scripted(t, 503)
	tr, err := rebound.NewTransport(srv.Client().Transport, rebound.Config{Policy: fastRetries, OnEvent: tel.obs.OnEvent})
	if err != nil {
		t.Fatal(err)
	}
	rt := otelhttp.NewTransport(tr, otelhttp.WithTracerProvider(tel.tp), otelhttp.WithMeterProvider(noop.NewMeterProvider()))
	ctx, caller := tel.caller()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	drain(t, resp)
	caller.End()
	var clients []sdktrace.ReadOnlySpan
	for _, s := range tel.spans.Ended() {
		if s.SpanKind() == trace.SpanKindClient {
			clients = append(clients, s)
		}
	}
	if len(clients) != 1 {
		t.Fatalf("%d client spans, want 1", len(clients))
	}
	var events []string
	for _, e := range clients[0].Events() {
		events = append(events, eventString(e))
	}
	want := []string{"rebound.wait rebound.attempt=1 rebound.wait.source=backoff rebound.wait.delay=0.001"}
	if !slices.Equal(events, want) || clients[0].Status().Code != codes.Unset {
		t.Errorf("client span: events %q status %v, want %q and Unset", events, clients[0].Status().Code, want)
	}
}

// TestZeroObserver: the zero Observer adds span events, records nothing
// and cannot observe a Transport.
func TestZeroObserver(t *testing.T) {
	tel := newTelemetry(t)
	ctx, caller := tel.caller()
	for _, o := range []*Observer{nil, {}} {
		o.OnEvent(ctx, rebound.Event{Kind: rebound.EventWait, Attempt: 1, Delay: time.Second, Source: "retry-after"})
		o.OnEvent(ctx, rebound.Event{Kind: rebound.EventAttemptDone, Attempt: 1, Status: 200})
		if _, err := o.ObserveTransport(&rebound.Transport{}); err == nil {
			t.Error("ObserveTransport on an Observer not made by New: no error")
		}
	}
	caller.End()
	if got := callerEvents(t, tel.spans.Ended()); len(got) != 2 {
		t.Errorf("caller events = %q, want two waits", got)
	}
	if _, err := tel.obs.ObserveTransport(nil); err == nil {
		t.Error("ObserveTransport(nil): no error")
	}
}

// endNotifier tells of every span that ends.
type endNotifier chan sdktrace.ReadOnlySpan

func (n endNotifier) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (n endNotifier) OnEnd(s sdktrace.ReadOnlySpan)                   { n <- s }
func (n endNotifier) Shutdown(context.Context) error                  { return nil }
func (n endNotifier) ForceFlush(context.Context) error                { return nil }

// TestHedgeSpansLoopback: the same race over a real loopback server,
// where the copy that arrives first is held, whichever it is; the loser
// may end after the call returns, so the test waits for its span.
func TestHedgeSpansLoopback(t *testing.T) {
	leaktest.Check(t, "rebound-go/rebound")
	tel := newTelemetry(t)
	ended := make(endNotifier, 8)
	tel.tp.RegisterSpanProcessor(ended)
	var n atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select { // the loser: held until the client lets go
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		_, _ = io.WriteString(w, "won")
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	t.Cleanup(srv.Client().CloseIdleConnections)
	tr := overOtelhttp(t, tel, srv.Client().Transport, rebound.Config{Hedge: &hedge.Settings{Delay: time.Millisecond}})

	ctx, caller := tel.caller()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	drain(t, resp)
	var loser sdktrace.ReadOnlySpan
	for loser == nil {
		select {
		case s := <-ended:
			if v, ok := spanAttr(s, keyHedgeLost); ok && v.AsBool() {
				loser = s
			}
		case <-time.After(10 * time.Second): // an upper bound for a failure, not a schedule
			t.Fatal("the loser's span never ended as lost")
		}
	}
	caller.End()
	if loser.Status().Code != codes.Unset || loser.Parent().SpanID() != caller.SpanContext().SpanID() {
		t.Errorf("loser: status %v, parent %v; want Unset under the caller", loser.Status(), loser.Parent().SpanID())
	}
	if _, ok := spanAttr(loser, semconv.ErrorTypeKey); ok {
		t.Error("the loser's span has error.type")
	}
}
