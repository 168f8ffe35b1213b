package otel

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/bulkhead"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// wantPoints checks each named metric's points (see points).
func wantPoints(t *testing.T, m map[string]metricdata.Metrics, want map[string]map[string]float64) {
	t.Helper()
	for name, w := range want {
		got := map[string]float64{}
		if _, ok := m[name]; ok {
			got = points(t, m[name])
		}
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}
}

func TestRetriedCallMetrics(t *testing.T) {
	tel := newTelemetry(t)
	srv, _ := scripted(t, 503, 503)
	tr := overOtelhttp(t, tel, srv.Client().Transport, rebound.Config{Policy: fastRetries})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/items?token=secret", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	drain(t, resp)

	m := tel.collect(t)
	wantPoints(t, m, map[string]map[string]float64{
		"http.client.request.duration": {
			"error.type=503,http.request.method=GET,http.response.status_code=503,server.address=127.0.0.1": 2,
			"http.request.method=GET,http.response.status_code=200,server.address=127.0.0.1":                1,
		},
		"rebound.client.attempts":      {"rebound.outcome=server_error": 2, "rebound.outcome=ok": 1},
		"rebound.client.retries":       {"rebound.wait.source=backoff": 2},
		"rebound.client.wait.duration": {"rebound.wait.source=backoff": 2},
		"rebound.client.give_ups":      {},
	})
	waits := m["rebound.client.wait.duration"].Data.(metricdata.Histogram[float64]).DataPoints[0]
	if math.Abs(waits.Sum-0.002) > 1e-9 {
		t.Errorf("wait duration sum = %v s, want 0.002", waits.Sum)
	}
	u, _ := url.Parse(srv.URL)
	for _, p := range m["http.client.request.duration"].Data.(metricdata.Histogram[float64]).DataPoints {
		if port, _ := p.Attributes.Value("server.port"); fmt.Sprint(port.AsInt64()) != u.Port() {
			t.Errorf("server.port = %d, want %s", port.AsInt64(), u.Port())
		}
		if host, _ := p.Attributes.Value("server.address"); host.AsString() != u.Hostname() {
			t.Errorf("server.address = %q, want %q", host.AsString(), u.Hostname())
		}
	}
	for name, d := range m {
		for _, s := range []string{"secret", "token", "/items"} {
			if strings.Contains(fmt.Sprint(d.Data), s) {
				t.Errorf("%s holds %q", name, s)
			}
		}
	}
	if m["http.client.request.duration"].Unit != "s" || m["rebound.client.wait.duration"].Unit != "s" {
		t.Error("durations are not in seconds")
	}
}

// TestBreakerMetrics: a breaker that opens on one failure shows in the
// state gauge, as a transition, and refuses the next call.
func TestBreakerMetrics(t *testing.T) {
	tel := newTelemetry(t)
	srv, _ := scripted(t, 500, 500, 500)
	tr := overOtelhttp(t, tel, srv.Client().Transport, rebound.Config{
		Policy:  fastRetries,
		Breaker: &breaker.Settings{ConsecutiveFailures: 1, OpenTimeout: time.Minute},
		Budget:  rebound.AdaptiveBudget,
	})
	unregister, err := tel.obs.ObserveTransport(tr)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := tr.RoundTrip(req) // 500: the breaker opens, the call ends with the answer
	if err != nil {
		t.Fatal(err)
	}
	drain(t, resp)
	ctx, caller := tel.caller()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if _, err := tr.RoundTrip(req); err == nil { // refused: not sent
		t.Fatal("a call through an open breaker succeeded")
	}
	caller.End()

	m := tel.collect(t)
	wantPoints(t, m, map[string]map[string]float64{
		"rebound.client.breaker.state": {
			"rebound.breaker.state=closed": 0, "rebound.breaker.state=half_open": 0, "rebound.breaker.state=open": 1,
		},
		"rebound.client.breaker.transitions": {"rebound.breaker.from=closed,rebound.breaker.to=open": 1},
		"rebound.client.refusals":            {"rebound.guard=breaker": 1},
		"rebound.client.give_ups":            {"rebound.reason=circuit_open": 2},
		"rebound.client.attempts.in_flight":  {"": 0},
	})
	hosts := tr.Hosts()
	tokens := m["rebound.client.budget.tokens"].Data.(metricdata.Gauge[float64]).DataPoints
	if len(hosts) != 1 || len(tokens) != 1 || tokens[0].Value != hosts[0].BudgetTokens {
		t.Fatalf("budget tokens = %+v, want one point of %+v", tokens, hosts)
	}
	if host, _ := tokens[0].Attributes.Value(keyHost); host.AsString() != hosts[0].Key || hosts[0].Key != srv.Listener.Addr().String() {
		t.Errorf("rebound.host = %q, want %q", host.AsString(), srv.Listener.Addr())
	}
	events := callerEvents(t, tel.spans.Ended())
	want := []string{
		"rebound.refused rebound.attempt=1 rebound.guard=breaker",
		"rebound.give_up rebound.attempt=0 rebound.reason=circuit_open",
	}
	if fmt.Sprint(events) != fmt.Sprint(want) {
		t.Errorf("caller events = %q, want %q", events, want)
	}

	if err := unregister(); err != nil {
		t.Fatal(err)
	}
	if _, ok := tel.collect(t)["rebound.client.breaker.state"]; ok {
		t.Error("the breaker state is still reported after unregister")
	}
}

// TestPrometheusScrape exposes the metrics through OpenTelemetry's
// Prometheus exporter and scrapes them over loopback.
func TestPrometheusScrape(t *testing.T) {
	srv, _ := scripted(t, 503)
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	t.Cleanup(func() { _ = mp.Shutdown(t.Context()) })
	obs, err := New(WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := rebound.NewTransport(srv.Client().Transport, rebound.Config{
		Policy: fastRetries, OnEvent: obs.OnEvent,
		Breaker: &breaker.Settings{ConsecutiveFailures: 5}, Budget: rebound.AdaptiveBudget,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := obs.ObserveTransport(tr); err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	drain(t, resp)

	metrics := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(metrics.Close)
	scrape, err := metrics.Client().Get(metrics.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(scrape.Body)
	scrape.Body.Close()
	metrics.Client().CloseIdleConnections()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"http_client_request_duration_seconds_bucket",
		"rebound_client_attempts_total",
		"rebound_client_retries_total",
		"rebound_client_wait_duration_seconds_bucket",
		"rebound_client_breaker_state",
		"rebound_client_budget_tokens",
		"rebound_client_attempts_in_flight",
	} {
		if !strings.Contains(string(body), "\n"+name+"{") {
			t.Errorf("the scrape has no %s", name)
		}
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", body)
	}
}

// TestConcurrentEvents records from many goroutines at once, as hedged
// calls do; -race checks the caches.
func TestConcurrentEvents(t *testing.T) {
	tel := newTelemetry(t)
	req, _ := http.NewRequest(http.MethodGet, "http://a.test/", nil)
	const goroutines, events = 8, 200
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range events {
				tel.obs.OnEvent(t.Context(), rebound.Event{
					Kind: rebound.EventAttemptDone, Key: fmt.Sprintf("h%d", (g+i)%5), Attempt: 1,
					Request: req, Status: 200 + 300*(i%2), Elapsed: time.Millisecond,
				})
			}
		})
	}
	wg.Wait()
	m := tel.collect(t)
	wantPoints(t, m, map[string]map[string]float64{
		"rebound.client.attempts": {"rebound.outcome=ok": goroutines * events / 2, "rebound.outcome=server_error": goroutines * events / 2},
		"http.client.request.duration": {
			"http.request.method=GET,http.response.status_code=200,server.address=a.test":                goroutines * events / 2,
			"error.type=500,http.request.method=GET,http.response.status_code=500,server.address=a.test": goroutines * events / 2,
		},
	})
}

func TestOptCacheBound(t *testing.T) {
	var c optCache[int]
	for k := range maxCached + 10 {
		o := newMeasureOpts()
		if got := c.put(k, o); got != o {
			t.Fatalf("put(%d) returned other options", k)
		}
	}
	if len(c.m) != maxCached {
		t.Errorf("the cache holds %d sets, want at most %d", len(c.m), maxCached)
	}
	if c.get(maxCached+5) != nil || c.get(1) == nil {
		t.Error("the cache kept the wrong sets")
	}
	first := c.get(1)
	if got := c.put(1, newMeasureOpts()); got != first {
		t.Error("put replaced cached options")
	}
}

// TestEveryEventKind feeds one event of each kind straight to OnEvent.
func TestEveryEventKind(t *testing.T) {
	tel := newTelemetry(t)
	ctx, caller := tel.caller()
	req, _ := http.NewRequest("PROPFIND", "https://user:pw@a.test/p?q=secret", nil)
	for _, e := range []rebound.Event{
		{Kind: rebound.EventAttemptStart, Attempt: 1},
		{Kind: rebound.EventAttemptDone, Attempt: 1, Request: req, Status: 429, Elapsed: time.Second},
		{Kind: rebound.EventWait, Attempt: 1, Delay: 2 * time.Second, Source: "retry-after"},
		{Kind: rebound.EventWait, Attempt: 2, Hedge: 1, Delay: 50 * time.Millisecond, Source: "pacing"},
		{Kind: rebound.EventHedgeSent, Attempt: 2, Hedge: 1, Delay: 10 * time.Millisecond},
		{Kind: rebound.EventAttemptDone, Attempt: 2, Request: req, Err: context.DeadlineExceeded, Elapsed: time.Second},
		{Kind: rebound.EventHedgeWon, Attempt: 2, Hedge: 1, Status: 200},
		{Kind: rebound.EventRefused, Attempt: 3, Reason: bulkhead.ErrFull},
		{Kind: rebound.EventGiveUp, Attempt: 2, Reason: budget.ErrExhausted},
		{Kind: rebound.EventBreakerChange, From: breaker.Open, To: breaker.HalfOpen},
	} {
		e.Key = "a.test"
		if e.Kind == rebound.EventBreakerChange {
			tel.obs.OnEvent(context.Background(), e)
			continue
		}
		tel.obs.OnEvent(ctx, e)
	}
	caller.End()
	wantPoints(t, tel.collect(t), map[string]map[string]float64{
		"http.client.request.duration": {
			"error.type=429,http.request.method=_OTHER,http.response.status_code=429,server.address=a.test": 1,
			"error.type=timeout,http.request.method=_OTHER,server.address=a.test":                           1,
		},
		"rebound.client.attempts":            {"rebound.outcome=rate_limited": 1, "rebound.outcome=timeout": 1},
		"rebound.client.retries":             {"rebound.wait.source=retry-after": 1},
		"rebound.client.wait.duration":       {"rebound.wait.source=pacing": 1, "rebound.wait.source=retry-after": 1},
		"rebound.client.hedges":              {"": 1},
		"rebound.client.hedge.wins":          {"": 1},
		"rebound.client.refusals":            {"rebound.guard=bulkhead": 1},
		"rebound.client.give_ups":            {"rebound.reason=budget_exhausted": 1},
		"rebound.client.breaker.transitions": {"rebound.breaker.from=open,rebound.breaker.to=half_open": 1},
	})
	want := []string{
		"rebound.wait rebound.attempt=1 rebound.wait.source=retry-after rebound.wait.delay=2",
		"rebound.wait rebound.attempt=2 rebound.hedge=1 rebound.wait.source=pacing rebound.wait.delay=0.05",
		"rebound.hedge.sent rebound.attempt=2 rebound.hedge=1 rebound.hedge.delay=0.01",
		"rebound.hedge.won rebound.attempt=2 rebound.hedge=1 http.response.status_code=200",
		"rebound.refused rebound.attempt=3 rebound.guard=bulkhead",
		"rebound.give_up rebound.attempt=2 rebound.reason=budget_exhausted",
	}
	if got := callerEvents(t, tel.spans.Ended()); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("caller events =\n%q\nwant\n%q", got, want)
	}
}
