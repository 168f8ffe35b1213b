package redis

import (
	"context"
	"net/http"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/fleet"
	"github.com/rebound-go/rebound/ratelimit"
)

// okRT answers every request at once, in memory.
type okRT struct{}

func (okRT) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
}

// roundTrips counts the commands a client sends to Redis.
type roundTrips struct{ n, piped int64 }

func (h *roundTrips) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h *roundTrips) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error { h.n++; return next(ctx, cmd) }
}
func (h *roundTrips) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error { h.piped++; return next(ctx, cmds) }
}

// BenchmarkHappyPath is a GET through a Transport with a breaker, an
// adaptive budget and pacing, in memory: each process's guards alone
// (local), and the same guards shared through a real Redis (shared), whose
// sync runs in the background. It reports Redis round trips per call.
func BenchmarkHappyPath(b *testing.B) {
	srv := startRedis(b)
	cfg := func() rebound.Config {
		return rebound.Config{Breaker: &breaker.Settings{}, Budget: rebound.AdaptiveBudget, Pace: &ratelimit.Settings{}}
	}
	req, _ := http.NewRequest(http.MethodGet, "http://api.example/", nil)
	run := func(b *testing.B, tr *rebound.Transport) {
		b.ReportAllocs()
		for b.Loop() {
			resp, err := tr.RoundTrip(req)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	b.Run("local", func(b *testing.B) {
		tr, err := rebound.NewTransport(okRT{}, cfg())
		if err != nil {
			b.Fatal(err)
		}
		run(b, tr)
	})
	b.Run("shared", func(b *testing.B) {
		c := srv.client()
		var count roundTrips // written by the fleet's goroutine only, read after Close
		c.AddHook(&count)
		f, err := fleet.New(fleet.Settings{Store: NewStore(c, "bench:")})
		if err != nil {
			b.Fatal(err)
		}
		c2 := cfg()
		c2.Fleet = f
		tr, err := rebound.NewTransport(okRT{}, c2)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		run(b, tr)
		elapsed := time.Since(start)
		f.Close()
		b.ReportMetric(float64(count.n+count.piped)/float64(b.N), "redis-trips/op")
		b.ReportMetric(float64(count.piped)/elapsed.Seconds(), "syncs/s")
	})
	b.Run("quota", func(b *testing.B) {
		q, err := NewQuota(srv.client(), QuotaSettings{Name: "bench", Limit: 1_000_000, Burst: 1_000_000, Timeout: time.Second})
		if err != nil {
			b.Fatal(err)
		}
		c2 := cfg()
		c2.RateLimit = q
		tr, err := rebound.NewTransport(okRT{}, c2)
		if err != nil {
			b.Fatal(err)
		}
		run(b, tr)
		b.ReportMetric(float64(q.Stats().RoundTrips)/float64(b.N), "redis-trips/op")
	})
}

// BenchmarkHappyPathPaired runs the local and the shared Transport of
// BenchmarkHappyPath in alternating batches of 1000 calls, so that both
// meet the same load on a shared machine, and reports each one's fastest
// batch (ns per call) and their ratio.
func BenchmarkHappyPathPaired(b *testing.B) {
	srv := startRedis(b)
	cfg := rebound.Config{Breaker: &breaker.Settings{}, Budget: rebound.AdaptiveBudget, Pace: &ratelimit.Settings{}}
	local, err := rebound.NewTransport(okRT{}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	f, err := fleet.New(fleet.Settings{Store: NewStore(srv.client(), "bench:")})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	cfg.Fleet = f
	shared, err := rebound.NewTransport(okRT{}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://api.example/", nil)
	batch := func(tr *rebound.Transport) time.Duration {
		start := time.Now()
		for range 1000 {
			resp, err := tr.RoundTrip(req)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
		}
		return time.Since(start) / 1000
	}
	bestLocal, bestShared := time.Duration(1<<62), time.Duration(1<<62)
	for b.Loop() {
		bestLocal = min(bestLocal, batch(local))
		bestShared = min(bestShared, batch(shared))
	}
	b.ReportMetric(float64(bestLocal), "local-ns/call")
	b.ReportMetric(float64(bestShared), "shared-ns/call")
	b.ReportMetric(float64(bestShared)/float64(bestLocal), "shared/local")
}
