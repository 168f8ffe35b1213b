package redis

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/fleet"
	"github.com/rebound-go/rebound/ratelimit"
)

const interval = 100 * time.Millisecond

// process is one member of a test fleet: its own Fleet (its own sync loop
// and Redis client) and its own Transport, as in a process of its own.
type process struct {
	fleet *fleet.Fleet
	tr    *rebound.Transport
	http  *http.Client
}

// newProcess makes a process whose Transport sends to next with cfg,
// sharing cfg's guards through srv. Every request is for the host "api".
func newProcess(t *testing.T, srv *redisServer, next http.RoundTripper, cfg rebound.Config) *process {
	t.Helper()
	return newProcessWith(t, fleet.Settings{Store: NewStore(srv.client(), "test:"), Interval: interval}, next, cfg)
}

func newProcessWith(t *testing.T, fs fleet.Settings, next http.RoundTripper, cfg rebound.Config) *process {
	t.Helper()
	f, err := fleet.New(fs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	cfg.Fleet = f
	cfg.Key = func(*http.Request) string { return "api" }
	tr, err := rebound.NewTransport(next, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &process{fleet: f, tr: tr, http: &http.Client{Transport: tr}}
}

// warm makes a first call, which makes the host's guards and so the
// fleet's member, and waits until the fleet has synced.
func (p *process) warm(t *testing.T, url string) {
	t.Helper()
	if _, err := p.get(context.Background(), url); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the fleet connects", func() bool { return p.fleet.Stats().Connected })
}

// get makes one call and returns its status, or 0 and the error.
func (p *process) get(ctx context.Context, url string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := p.http.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func statusServer(t *testing.T, status *atomic.Int32, hits *atomic.Int64) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits != nil {
			hits.Add(1)
		}
		w.WriteHeader(int(status.Load()))
	}))
	t.Cleanup(ts.Close)
	return ts
}

// Instance A trips on its failures; instance B, whose own calls succeed,
// refuses within one sync interval.
func TestBreakerOpenAnywhereIsOpenEverywhere(t *testing.T) {
	srv := startRedis(t)
	var bad, good atomic.Int32
	bad.Store(503)
	good.Store(200)
	down, up := statusServer(t, &bad, nil), statusServer(t, &good, nil)
	tripped := make(chan time.Time, 1)
	bs := &breaker.Settings{ConsecutiveFailures: 3, OpenTimeout: 10 * time.Second,
		OnStateChange: func(_ string, _, to breaker.State) {
			if to == breaker.Open {
				select {
				case tripped <- time.Now():
				default:
				}
			}
		}}
	a := newProcess(t, srv, down.Client().Transport, rebound.Config{Breaker: bs})
	b := newProcess(t, srv, up.Client().Transport, rebound.Config{Breaker: &breaker.Settings{ConsecutiveFailures: 3, OpenTimeout: 10 * time.Second}})
	b.warm(t, up.URL)
	a.warm(t, down.URL)
	for range 2 {
		a.get(context.Background(), down.URL)
	}
	at := <-tripped
	var refusedAt time.Time
	for refusedAt.IsZero() {
		_, err := b.get(context.Background(), up.URL)
		switch {
		case errors.Is(err, breaker.ErrCircuitOpen):
			refusedAt = time.Now()
		case err != nil:
			t.Fatal(err)
		case time.Since(at) > 10*interval:
			t.Fatalf("B still calls %v after A tripped", time.Since(at))
		}
		time.Sleep(time.Millisecond) // a call a millisecond; not a schedule
	}
	lag := refusedAt.Sub(at)
	t.Logf("B refused %v after A tripped (sync interval %v)", lag, interval)
	if lag > interval+50*time.Millisecond {
		t.Fatalf("B refused %v after A tripped, want within the interval %v (+50ms of slack for -race)", lag, interval)
	}
}

// Three instances, their breakers open together; in half-open exactly
// one request reaches the server until its verdict closes every breaker.
func TestOneProbeForTheFleet(t *testing.T) {
	srv := startRedis(t)
	var healthy atomic.Bool
	var halfOpenHits atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(503)
			return
		}
		halfOpenHits.Add(1)
		time.Sleep(300 * time.Millisecond) // a slow probe, so the others have time to (not) send
		w.WriteHeader(200)
	}))
	t.Cleanup(ts.Close)
	bs := breaker.Settings{ConsecutiveFailures: 2, OpenTimeout: 300 * time.Millisecond, MaxOpenTimeout: 300 * time.Millisecond}
	var ps []*process
	for range 3 {
		s := bs
		p := newProcess(t, srv, ts.Client().Transport, rebound.Config{Breaker: &s})
		p.get(context.Background(), ts.URL) // a failure each: no breaker trips yet
		ps = append(ps, p)
	}
	for _, p := range ps {
		eventually(t, 5*time.Second, "the fleet connects", func() bool { return p.fleet.Stats().Connected })
	}
	ps[0].get(context.Background(), ts.URL) // the second failure trips A
	for i, p := range ps {                  // within one interval, every breaker is open
		eventually(t, 5*interval, fmt.Sprintf("instance %d open", i), func() bool { return p.tr.Hosts()[0].Breaker == breaker.Open })
	}
	healthy.Store(true)
	// Every instance calls every 5 ms while the fleet is open and half-open.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var answered atomic.Int64
	for _, p := range ps {
		for range 2 {
			wg.Go(func() {
				for ctx.Err() == nil {
					if st, _ := p.get(ctx, ts.URL); st == 200 {
						answered.Add(1)
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			})
		}
	}
	eventually(t, 5*time.Second, "the first answer after the outage", func() bool { return answered.Load() > 0 })
	// The probe's answer came; until then the server saw only the probe.
	if n := halfOpenHits.Load(); n != 1 {
		cancel()
		wg.Wait()
		t.Fatalf("%d requests reached the server in half-open, want 1 probe for the fleet", n)
	}
	eventually(t, 5*time.Second, "every instance calls again", func() bool { return answered.Load() == 6 })
	cancel()
	wg.Wait()
}

func TestFleetKeysExpire(t *testing.T) {
	srv := startRedis(t)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Remaining", "90")
		w.Header().Set("X-RateLimit-Reset", "5")
	}))
	t.Cleanup(ts.Close)
	p := newProcess(t, srv, ts.Client().Transport, rebound.Config{Breaker: &breaker.Settings{},
		Budget: rebound.AdaptiveBudget, Pace: &ratelimit.Settings{}})
	p.warm(t, ts.URL)
	c := srv.client()
	names := keys("test:", "api", "brk", "bud", "pace", "who")
	eventually(t, 5*time.Second, "every key written", func() bool {
		n, err := c.Exists(context.Background(), names...).Result()
		return err == nil && n == int64(len(names))
	})
	limits := []time.Duration{22 * time.Second, 2 * time.Minute, 7 * time.Second, 2 * time.Second}
	for i, k := range names {
		ttl, err := c.PTTL(context.Background(), k).Result()
		if err != nil || ttl <= 0 || ttl > limits[i] {
			t.Errorf("PTTL %s = %v, %v; want a TTL up to %v", k, ttl, err, limits[i])
		}
	}
	if n, _ := c.DBSize(context.Background()).Result(); n != int64(len(names)) {
		t.Errorf("%d keys in Redis, want %d", n, len(names))
	}
}

// A server's rate-limit headers, seen by instance A only (B's calls go
// to a server that says nothing), pace instance B.
func TestPacingOnOneServersHeaders(t *testing.T) {
	srv := startRedis(t)
	var spent atomic.Bool
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if spent.Load() { // the quota is spent for 2 s
			w.Header().Set("X-RateLimit-Limit", "100")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", "2")
		}
	}))
	t.Cleanup(ts.Close)
	quiet := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})) // B's: says nothing
	t.Cleanup(quiet.Close)
	pace := rebound.Config{Pace: &ratelimit.Settings{}}
	a := newProcess(t, srv, ts.Client().Transport, pace)
	b := newProcess(t, srv, quiet.Client().Transport, pace)
	a.warm(t, ts.URL)
	b.warm(t, quiet.URL)
	spent.Store(true)
	if _, err := a.get(context.Background(), ts.URL); err != nil { // A learns it
		t.Fatal(err)
	}
	answered := time.Now()
	var sent int
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		_, err := b.get(ctx, quiet.URL)
		cancel()
		if errors.Is(err, rebound.ErrWaitPastDeadline) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if sent++; time.Since(answered) > 10*interval {
			t.Fatalf("B still sends %v after A learned the quota was spent", time.Since(answered))
		}
		time.Sleep(time.Millisecond) // a call a millisecond; not a schedule
	}
	waited := time.Since(answered)
	t.Logf("B paced %v after A's answer (%d calls sent before)", waited, sent)
	if waited > 2*interval+100*time.Millisecond {
		t.Fatalf("B paced %v after A's answer, want within two sync intervals", waited)
	}
}
