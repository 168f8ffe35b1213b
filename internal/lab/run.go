package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/faults"
)

// Defaults of a zero Config.
const (
	DefaultN           = 2000
	DefaultC           = 32
	DefaultCallTimeout = 10 * time.Second
)

// Config is one lab: a workload, the faults it meets and the clients that
// run it. Its zero value runs DefaultN calls, DefaultC at a time, as fast
// as they go, through Clients(rebound.Policy{}, 0), with no faults.
type Config struct {
	// N is how many calls each client makes; C how many at once.
	N, C int
	// Rate, when positive, is how many calls a second each client may
	// start: call i starts no earlier than i/Rate after the client's
	// start, so the outage of a scenario meets every client at the same
	// point of its workload. A client that falls behind catches up as
	// fast as its C callers can.
	Rate float64
	// CallTimeout bounds each call, retries and waits included.
	CallTimeout time.Duration
	// Scenario is what each client's fault server injects.
	Scenario faults.Scenario
	// Clients run the workload, each against a fault server of its own.
	Clients []Client
	// Serial runs one client after the other; by default they run at
	// once, which is quicker but makes them share the CPU.
	Serial bool
	// Progress, when set, receives a one-line counter, rewritten in
	// place with carriage returns, as calls complete.
	Progress io.Writer
}

// Run runs the lab: every client makes the workload's calls against a
// fresh fault server, and the results come back in the order of
// cfg.Clients. Cancelling ctx ends the calls in flight and starts no
// more; the results then count those calls, and the ones never made, as
// failed.
func Run(ctx context.Context, cfg Config) ([]*Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Scenario.Validate(); err != nil {
		return nil, err
	}
	if len(cfg.Clients) == 0 {
		return nil, errors.New("lab: no clients")
	}
	done := make([]atomic.Int64, len(cfg.Clients))
	stop := startProgress(cfg.Progress, cfg.Clients, done, cfg.N)
	defer stop()

	results := make([]*Result, len(cfg.Clients))
	errs := make([]error, len(cfg.Clients))
	var wg sync.WaitGroup
	for i, c := range cfg.Clients {
		one := func() { results[i], errs[i] = runOne(ctx, cfg, c, &done[i]) }
		if cfg.Serial {
			one()
		} else {
			wg.Go(one)
		}
	}
	wg.Wait()
	return results, errors.Join(errs...)
}

func (cfg Config) withDefaults() Config {
	if cfg.N <= 0 {
		cfg.N = DefaultN
	}
	if cfg.C <= 0 {
		cfg.C = DefaultC
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.Clients == nil {
		cfg.Clients = Clients(rebound.Policy{}, 0)
	}
	return cfg
}

// ok serves every request that gets past the faults.
var ok = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })

// runOne runs the workload through one client against a server of its own.
func runOne(ctx context.Context, cfg Config, c Client, done *atomic.Int64) (*Result, error) {
	in, err := faults.New(cfg.Scenario) // the outage clock starts here
	if err != nil {
		return nil, err
	}
	srv, err := faults.NewServer(in, ok)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	tr := newTransport(cfg.C)
	defer tr.CloseIdleConnections()
	call, err := c.New(tr)
	if err != nil {
		return nil, fmt.Errorf("lab: %s: %w", c.Name, err)
	}

	res := &Result{Client: c.Name, Calls: make([]Call, cfg.N)}
	start := time.Now()
	load := startSampler(srv, start)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range cfg.C {
		wg.Go(func() {
			for {
				id := int(next.Add(1) - 1)
				if id >= cfg.N || ctx.Err() != nil {
					return
				}
				due := time.Time{}
				if cfg.Rate > 0 {
					due = start.Add(time.Duration(float64(id) / cfg.Rate * float64(time.Second)))
					waitUntil(ctx, due)
				}
				res.Calls[id] = makeCall(ctx, cfg.CallTimeout, call, srv.URL, id, start, due)
				done.Add(1)
			}
		})
	}
	wg.Wait()
	res.Wall = time.Since(start)
	srv.Close() // waits for the handlers still running: the counts are final
	res.Server = srv.Stats()
	res.Load = load.stop(res.Server.Requests, res.Wall)
	return res, nil
}

// makeCall makes call id. Its latency runs from when it was due, when
// the workload is paced, so that time spent waiting for a free caller
// counts: a client that falls behind is slow, not merely late.
func makeCall(ctx context.Context, timeout time.Duration, call Caller, url string, id int, start, due time.Time) Call {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t0 := time.Now()
	if !due.IsZero() && due.Before(t0) {
		t0 = due
	}
	status, err := call(ctx, url, id)
	return Call{Start: t0.Sub(start), Latency: time.Since(t0), Status: status, Err: err}
}

// waitUntil returns at t, or when ctx ends.
func waitUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// newTransport is net/http's default transport with room in its pool for
// c idle connections to the one host, so that the connections a client
// opens measure the client and not the pool's size. No proxy: the lab
// talks to loopback only.
func newTransport(c int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.MaxIdleConnsPerHost = c
	t.MaxIdleConns = max(t.MaxIdleConns, c)
	return t
}
