package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// Defaults of a zero Config, but for DefaultRate, which is the command's
// (a zero Config is unpaced).
const (
	DefaultN           = 2000
	DefaultC           = 1000
	DefaultRate        = 200
	DefaultCallTimeout = 10 * time.Second
)

// Config is one lab: a workload, the faults it meets and the clients that
// run it. Its zero value runs DefaultN calls, up to DefaultC at a time, as
// fast as they go, through Clients(DefaultPolicy(), 0), with no faults.
type Config struct {
	// N is how many calls each client makes; C how many may be in
	// flight at once.
	N, C int
	// Rate, when positive, is how many calls a second each client starts:
	// call i is due i/Rate after the client's start and starts then, in
	// a goroutine of its own, whatever became of the calls before it
	// (an open workload, as a service's calls come from its own users),
	// unless C calls are in flight already; it then waits for one to
	// end, and the wait counts in its latency. Zero means each of C
	// callers starts its next call as soon as its last one ends.
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
	// Target, when set, is the URL every client calls instead of a fault
	// server of its own. The scenario's faults are then injected on the
	// client side, through faults.Injector.Transport, so the "server"
	// figures are what that injector saw (every attempt the client
	// made) and the connections the client dialled.
	Target string
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
		cfg.Clients = Clients(DefaultPolicy(), 0)
	}
	return cfg
}

// runOne runs the workload through one client against a server of its
// own, or against cfg.Target through a client-side injector.
func runOne(ctx context.Context, cfg Config, c Client, done *atomic.Int64) (*Result, error) {
	in, err := faults.New(cfg.Scenario) // the outage clock starts here
	if err != nil {
		return nil, err
	}
	tr := newTransport(cfg.C)
	defer tr.CloseIdleConnections()
	var (
		rt    http.RoundTripper = sendOnce{tr}
		url                     = cfg.Target
		srv   *faults.Server
		dials atomic.Int64
	)
	if cfg.Target == "" {
		if srv, err = faults.NewServer(nil, in, nil); err != nil { // 200 "ok" past the faults
			return nil, err
		}
		defer srv.Close()
		url = srv.URL
	} else {
		countDials(tr, &dials)
		rt = in.Transport(tr) // net/http's resends are the target's business

	}

	start := time.Now()
	rec := newRecorder(start)
	call, err := c.New(rt, rec)
	if err != nil {
		return nil, fmt.Errorf("lab: %s: %w", c.Name, err)
	}
	res := &Result{Client: c.Name, Note: c.Note, Target: cfg.Target, Calls: make([]Call, cfg.N), Outages: outages(cfg.Scenario)}
	load := startSampler(in, start)
	dispatch(ctx, cfg, func(id int, due time.Time) {
		res.Calls[id] = makeCall(ctx, cfg.CallTimeout, call, url, id, start, due)
		done.Add(1)
	})
	res.Wall = time.Since(start)
	if srv != nil {
		srv.Close() // waits for the handlers still running: the counts are final
	}
	res.Server = in.Stats()
	if srv == nil {
		res.Server.Connections = dials.Load()
	}
	res.Load = load.stop(res.Server.Requests, res.Wall)
	res.Breaker, res.BreakerWaits, res.BreakerHosts = rec.result()
	for id := range res.Calls {
		if c := &res.Calls[id]; c.Status == 0 && c.Err == nil { // never made
			c.Err = context.Cause(ctx)
		}
	}
	return res, nil
}

// dispatch makes cfg.N calls, at most cfg.C at a time: each when it is
// due at cfg.Rate, or, unpaced, as soon as a caller is free. It returns
// when every call started has ended; cancelling ctx starts no more.
func dispatch(ctx context.Context, cfg Config, call func(id int, due time.Time)) {
	start := time.Now()
	slots := make(chan struct{}, cfg.C)
	var wg sync.WaitGroup
	defer wg.Wait()
	for id := range cfg.N {
		var due time.Time
		if cfg.Rate > 0 {
			due = start.Add(time.Duration(float64(id) / cfg.Rate * float64(time.Second)))
			waitUntil(ctx, due)
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			return
		}
		wg.Go(func() {
			defer func() { <-slots }()
			call(id, due)
		})
	}
}

// makeCall makes call id. Its latency runs from when it was due, when
// the workload is paced, so that time spent waiting for a free slot
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
// talks to loopback, or to the one target it was given.
func newTransport(c int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.MaxIdleConnsPerHost = c
	t.MaxIdleConns = max(t.MaxIdleConns, c)
	return t
}

// countDials makes t count the connections it dials in n.
func countDials(t *http.Transport, n *atomic.Int64) {
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err == nil {
			n.Add(1)
		}
		return conn, err
	}
}
