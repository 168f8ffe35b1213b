package redis

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
)

func TestQuotaSettingsValidation(t *testing.T) {
	c := goredisClientless(t)
	tests := []struct {
		name string
		s    QuotaSettings
		want string
	}{
		{"no name", QuotaSettings{Limit: 1}, "Name"},
		{"no limit", QuotaSettings{Name: "q"}, "Limit"},
		{"negative period", QuotaSettings{Name: "q", Limit: 1, Period: -1}, "Period"},
		{"negative burst", QuotaSettings{Name: "q", Limit: 1, Burst: -1}, "Burst"},
		{"negative wait", QuotaSettings{Name: "q", Limit: 1, MaxWait: -1}, "MaxWait"},
		{"negative timeout", QuotaSettings{Name: "q", Limit: 1, Timeout: -1}, "Timeout"},
		{"negative retry", QuotaSettings{Name: "q", Limit: 1, RetryAfter: -1}, "RetryAfter"},
		{"too fast", QuotaSettings{Name: "q", Limit: 2_000_000}, "Limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewQuota(c, tt.s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming %s", err, tt.want)
			}
		})
	}
	if _, err := NewQuota(nil, QuotaSettings{Name: "q", Limit: 1}); err == nil {
		t.Fatal("a nil client was accepted")
	}
}

func newQuota(t *testing.T, srv *redisServer, s QuotaSettings) *Quota {
	t.Helper()
	q, err := NewQuota(srv.client(), s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// Two processes share 200 requests a second: together they get 200 a
// second, not 400, with one round trip per call.
func TestQuotaIsSharedByTheFleet(t *testing.T) {
	srv := startRedis(t)
	s := QuotaSettings{Name: "client-1", Limit: 200, Timeout: time.Second}
	a, b := newQuota(t, srv, s), newQuota(t, srv, s)
	for _, q := range []*Quota{a, b} { // the first call loads the script
		if err := q.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	trips := a.Stats().RoundTrips + b.Stats().RoundTrips
	const calls = 60 // 30 each: 59 intervals of 5 ms at least
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for _, q := range []*Quota{a, b} {
		for range calls / 2 {
			wg.Go(func() {
				if err := q.Wait(context.Background()); err != nil {
					failed.Add(1)
				}
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	if failed.Load() != 0 {
		t.Fatalf("%d calls failed", failed.Load())
	}
	if min := time.Duration(calls-1) * 5 * time.Millisecond; elapsed < min {
		t.Fatalf("%d calls took %v, want at least %v at 200/s for the fleet", calls, elapsed, min)
	}
	sa, sb := a.Stats(), b.Stats()
	if n := sa.RoundTrips + sb.RoundTrips - trips; n != calls {
		t.Fatalf("%d round trips for %d calls, want one each", n, calls)
	}
	if sa.Fallbacks+sb.Fallbacks != 0 {
		t.Fatalf("fallbacks %d + %d with Redis up", sa.Fallbacks, sb.Fallbacks)
	}
	if sa.Instances != 2 || sb.Instances != 2 {
		t.Fatalf("instances %d and %d, want 2", sa.Instances, sb.Instances)
	}
}

func TestQuotaRefusesASlotPastTheDeadline(t *testing.T) {
	srv := startRedis(t)
	q := newQuota(t, srv, QuotaSettings{Name: "slow", Limit: 1, Period: 10 * time.Second, Timeout: time.Second})
	if err := q.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := q.Wait(ctx); !errors.Is(err, ErrOverQuota) {
		t.Fatalf("Wait = %v, want ErrOverQuota", err)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Fatalf("the refusal took %v, want it at once", d)
	}
	q2 := newQuota(t, srv, QuotaSettings{Name: "slow", Limit: 1, Period: 10 * time.Second, MaxWait: time.Second, Timeout: time.Second})
	if err := q2.Wait(context.Background()); !errors.Is(err, ErrOverQuota) {
		t.Fatalf("Wait past MaxWait = %v, want ErrOverQuota", err)
	}
	cancel()
	if err := q.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with an ended context = %v", err)
	}
}

func TestQuotaKeysExpire(t *testing.T) {
	srv := startRedis(t)
	c := srv.client()
	q := newQuota(t, srv, QuotaSettings{Name: "ttl{1}", Limit: 10, Timeout: time.Second, Prefix: "test:"})
	for range 3 {
		if err := q.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range keys("test:", "ttl{1}", "gcra", "gcra-who") {
		if !strings.HasPrefix(k, "test:{ttl%7B1%7D}:") {
			t.Fatalf("key %q is not under its hash tag", k)
		}
		ttl, err := c.PTTL(context.Background(), k).Result()
		if err != nil || ttl <= 0 || ttl > 4*time.Second {
			t.Fatalf("PTTL %s = %v, %v; want a TTL of a few seconds at most", k, ttl, err)
		}
	}
}

// Redis gone: calls take local slots within Timeout and none fails; Redis
// back: calls share again.
func TestQuotaFallsBackAndComesBack(t *testing.T) {
	srv := startRedis(t)
	q := newQuota(t, srv, QuotaSettings{Name: "lost", Limit: 1000, RetryAfter: 50 * time.Millisecond, Timeout: 20 * time.Millisecond})
	if err := q.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.stop()
	for i := range 20 {
		start := time.Now()
		if err := q.Wait(context.Background()); err != nil {
			t.Fatalf("call %d with Redis gone: %v", i, err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Fatalf("call %d with Redis gone took %v", i, d)
		}
	}
	if q.Stats().Fallbacks < 20 {
		t.Fatalf("fallbacks %d, want 20", q.Stats().Fallbacks)
	}
	srv.start()
	eventually(t, 5*time.Second, "sharing again after the restart", func() bool {
		before := q.Stats().Fallbacks
		if err := q.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		return q.Stats().Fallbacks == before
	})
}

// The quota plugs into a Transport as Config.RateLimit.
func TestQuotaAsRateLimit(t *testing.T) {
	srv := startRedis(t)
	var hits atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer ts.Close()
	q := newQuota(t, srv, QuotaSettings{Name: "rt", Limit: 100, Timeout: time.Second})
	tr, err := rebound.NewTransport(ts.Client().Transport, rebound.Config{RateLimit: q})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: tr}
	start := time.Now()
	for range 11 {
		resp, err := client.Get(ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("11 calls at 100/s took %v, want at least 100ms", d)
	}
	if q.Stats().RoundTrips > 12 {
		t.Fatalf("%d round trips for 11 calls", q.Stats().RoundTrips)
	}
}
