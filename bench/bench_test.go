package bench

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rebound-go/rebound/bench/clients"
	"github.com/rebound-go/rebound/bench/harness"
)

// BenchmarkHappyPath: every client, no faults: a GET of a 32-byte body and a
// POST of 1 KiB (a *bytes.Reader, as most callers have it), over memory (the
// client stack's own cost) and over loopback HTTP. Sub-benchmarks are named
// inner=…/op=…/client=… so that benchstat can put the clients side by side:
//
//	go test -run '^$' -bench HappyPath -benchmem -count 6 . > happy.txt
//	go tool benchstat -col /client -row /inner,/op happy.txt
//	go run ./cmd/benchratio happy.txt
//
// On a busy machine ns/op moves with whatever else runs; cmd/happyratio
// measures the same calls interleaved, which cancels that out.
func BenchmarkHappyPath(b *testing.B) {
	srv := harness.NewHappyServer()
	defer srv.Close()
	inners := []struct {
		name string
		url  string
		rt   func() (http.RoundTripper, func())
	}{
		{"mem", "http://example.test/", func() (http.RoundTripper, func()) { return harness.MemTransport{}, func() {} }},
		{"loopback", srv.URL, func() (http.RoundTripper, func()) {
			t := clients.NewHTTPTransport()
			return t, t.CloseIdleConnections
		}},
	}
	ctx := context.Background()
	for _, inner := range inners {
		for _, op := range []string{http.MethodGet, http.MethodPost} {
			for _, c := range clients.All() {
				b.Run("inner="+inner.name+"/op="+op+"/client="+c.Name, func(b *testing.B) {
					rt, done := inner.rt()
					defer done()
					client, err := c.New(rt, clients.DefaultSettings())
					if err != nil {
						b.Fatal(err)
					}
					runtime.GC() // each client starts from the same heap, whatever ran before it
					b.ReportAllocs()
					for b.Loop() {
						if err := harness.HappyCall(ctx, client, op, inner.url); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// TestHappyPathAllClients makes each benchmark call once per client, so the
// benchmark's setup cannot rot unnoticed by go test.
func TestHappyPathAllClients(t *testing.T) {
	srv := harness.NewHappyServer()
	defer srv.Close()
	for _, c := range clients.All() {
		tr := clients.NewHTTPTransport()
		for _, inner := range []struct {
			rt  http.RoundTripper
			url string
		}{{harness.MemTransport{}, "http://example.test/"}, {tr, srv.URL}} {
			client, err := c.New(inner.rt, clients.DefaultSettings())
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range []string{http.MethodGet, http.MethodPost} {
				if err := harness.HappyCall(context.Background(), client, op, inner.url); err != nil {
					t.Errorf("%s %s %s: %v", c.Name, op, inner.url, err)
				}
			}
		}
		tr.CloseIdleConnections()
	}
}

// TestSmoke runs every workload through every client at a small scale and
// checks that the harness's counts add up. It asserts correctness, never
// speed: the published numbers come from cmd/faultbench. Every client runs
// on every workload here, also where cmd/faultbench leaves a variant out
// (Constructor.Only), so that no combination breaks unseen; -short keeps
// to the published combinations.
func TestSmoke(t *testing.T) {
	o := harness.Options{N: 24, C: 4, Seed: 1, Timeout: 30 * time.Second}
	if testing.Short() {
		o.N = 8
	}
	cs := clients.All()
	for _, w := range harness.Workloads(o) {
		if w.Name == "quota-429" {
			// A quota the small run exceeds, so the 429 path runs too.
			w.Handler, w.QuotaLimit = harness.QuotaHandler(4, time.Second), 4
		}
		t.Run(w.Name, func(t *testing.T) {
			t.Parallel()
			for _, c := range cs {
				if testing.Short() && !c.RunsOn(w.Name) {
					continue
				}
				r, err := harness.Run(w, c, o.Seed)
				if err != nil {
					t.Fatal(err)
				}
				check(t, w, r)
			}
		})
	}
}

func check(t *testing.T, w harness.Workload, r *harness.Result) {
	t.Helper()
	name := r.Client
	if r.TimedOut || r.Calls != w.N {
		t.Errorf("%s: %d of %d calls made, timed out %v", name, r.Calls, w.N, r.TimedOut)
	}
	withStatus, withError := 0, 0
	for _, n := range r.Statuses {
		withStatus += n
	}
	for _, n := range r.Errors {
		withError += n
	}
	if withStatus+withError != r.Calls || len(r.Latencies) != r.Calls {
		t.Errorf("%s: %d calls, %d outcomes, %d latencies", name, r.Calls, withStatus+withError, len(r.Latencies))
	}
	if r.OK != r.Statuses[http.StatusOK] {
		t.Errorf("%s: %d OK, %d statuses 200", name, r.OK, r.Statuses[http.StatusOK])
	}
	s := r.Server
	if s.BadIDs != 0 || s.Attempts != s.Requests {
		t.Errorf("%s: server saw %d requests, counted %d attempts, %d without a call id", name, s.Requests, s.Attempts, s.BadIDs)
	}
	// Every status came from a server request; nothing sends more than its
	// attempts, doubled for net/http's own replay of a request that met a
	// closed connection.
	if s.Requests < int64(withStatus) || s.Requests > int64(2*w.Settings.Attempts*r.Calls) {
		t.Errorf("%s: server saw %d requests for %d calls (%d with a status)", name, s.Requests, r.Calls, withStatus)
	}
	if s.NewConns < 1 {
		t.Errorf("%s: no connection", name)
	}
	if name == clients.Baseline && !strings.HasPrefix(w.Name, "reset") && s.Requests != int64(r.Calls) {
		t.Errorf("%s retried: %d requests for %d calls", name, s.Requests, r.Calls)
	}
	if strings.HasPrefix(name, "rebound") && s.BadBodies != 0 {
		t.Errorf("%s: the server saw %d bodies that did not match their checksum", name, s.BadBodies)
	}
	// Only a cancelled hedge may leave a body unfinished.
	if strings.HasPrefix(name, "rebound") && !strings.Contains(name, "hedge") && s.CutBodies != 0 {
		t.Errorf("%s: the server saw %d bodies cut short", name, s.CutBodies)
	}
	if w.Name == "outage" && r.OK != 0 {
		t.Errorf("%s: %d successes in an outage", name, r.OK)
	}
	if w.Name == "503-30%" && name != clients.Baseline && r.LoadFactor() <= 1 {
		t.Errorf("%s never retried a 503: %.2f requests per call", name, r.LoadFactor())
	}
}

// TestPinnedConnections: with MaxConnsPerHost = callers under it, plain
// net/http and rebound (which drains what it discards) never need a
// connection beyond one per caller, faults or not; hedging is left out,
// since a cancelled hedge closes its connection by design.
func TestPinnedConnections(t *testing.T) {
	o := harness.Options{N: 96, C: 8, Seed: 1, Timeout: 30 * time.Second}
	ws := []harness.Workload{harness.Pinned(harness.NoFaults(o))}
	for _, w := range harness.Workloads(o) {
		if w.Name == "503-30%" || w.Name == "outage" {
			ws = append(ws, harness.Pinned(w))
		}
	}
	for _, c := range clients.All() {
		if c.Name != clients.Baseline && (!strings.HasPrefix(c.Name, "rebound") || strings.Contains(c.Name, "hedge")) {
			continue
		}
		for _, w := range ws {
			r, err := harness.Run(w, c, o.Seed)
			if err != nil {
				t.Fatal(err)
			}
			check(t, w, r)
			if r.Server.NewConns > int64(w.C) {
				t.Errorf("%s, %s, MaxConnsPerHost %d: %d new connections", c.Name, w.Name, w.C, r.Server.NewConns)
			}
		}
	}
}
