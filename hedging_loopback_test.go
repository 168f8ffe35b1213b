package rebound

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rebound-go/rebound/hedge"
)

// tailServer makes a deterministic 5 % of attempts (by request id and
// attempt number) take 200 ms; the rest answer at once.
func tailServer(t testing.TB) *overloadServer {
	s := &overloadServer{}
	s.loopbackServer = newLoopbackServer(t, func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		n, _ := s.seen.LoadOrStore(id, new(atomic.Int64))
		attempt := n.(*atomic.Int64).Add(1)
		if failing(id, strconv.FormatInt(attempt, 10), 5) {
			select {
			case <-time.After(200 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		io.WriteString(w, "ok")
	})
	return s
}

type tailResult struct {
	p50, p99, p999 time.Duration
	perRequest     float64
	stats          Stats
}

func runTail(tb testing.TB, cfg Config, tag string) tailResult {
	const n, c = 1000, 16
	srv := tailServer(tb)
	inner := pooledTransport(0)
	defer inner.CloseIdleConnections()
	rt, err := NewTransport(inner, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < n; i = next.Add(1) - 1 {
				start := time.Now()
				resp, err := rt.RoundTrip(mustRequest("GET", fmt.Sprintf("%s/?id=%s-%d", srv.URL, url.QueryEscape(tag), i)))
				if err != nil {
					tb.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					tb.Errorf("status %d", resp.StatusCode)
				}
				lat[i] = time.Since(start)
			}
		})
	}
	wg.Wait()
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(int(p*n), n-1)] }
	return tailResult{q(0.5), q(0.99), q(0.999), float64(srv.requests.Load()) / n, rt.Stats()}
}

var tailModes = []struct {
	name  string
	hedge *hedge.Settings
}{
	{"none", nil},
	{"fixed-20ms", &hedge.Settings{Delay: 20 * time.Millisecond}},
	{"adaptive-p95", &hedge.Settings{Percentile: 0.95, MinDelay: 2 * time.Millisecond, MaxDelay: 100 * time.Millisecond}},
}

// Hedging on a real server whose tail is slow: hedges go out for the slow
// attempts, win, and stay within the budget. The latency figures are the
// benchmark's below; a unit test asserts no timing.
func TestHedgingCutsTheTail(t *testing.T) {
	checkGoroutines(t)
	for _, m := range tailModes {
		r := runTail(t, Config{Hedge: m.hedge, Budget: AdaptiveBudget}, m.name)
		t.Logf("%-13s p50 %8v  p99 %8v  p99.9 %8v  server requests per request %.3f, %d hedges, %d won",
			m.name, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.p999.Round(10*time.Microsecond), r.perRequest, r.stats.Hedges, r.stats.HedgeWins)
		if m.hedge == nil {
			continue
		}
		if r.stats.HedgeWins < 20 || r.perRequest > 1.20 {
			t.Errorf("%s: %d hedges won, %.3f requests per request; want the ~50 slow attempts hedged within the budget", m.name, r.stats.HedgeWins, r.perRequest)
		}
	}
}

// The figures of issue 4, side by side: p50, p99, p99.9 and server
// requests per request with no hedging, a fixed delay and an adaptive one.
// Goal: p99 under 1.5 × (delay + p50), ≤ 1.10 requests per request.
// Run: go test -run '^$' -bench HedgingTail -benchtime 1x
func BenchmarkHedgingTail(b *testing.B) {
	for _, m := range tailModes {
		b.Run(m.name, func(b *testing.B) {
			var r tailResult
			for b.Loop() {
				r = runTail(b, Config{Hedge: m.hedge, Budget: AdaptiveBudget}, m.name)
			}
			b.ReportMetric(float64(r.p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(r.p99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(r.p999.Microseconds())/1000, "p99.9-ms")
			b.ReportMetric(r.perRequest, "server-req/req")
		})
	}
}

// A large winning body is read whole after the losers were cancelled, over
// HTTP/1.1 and HTTP/2: the winner's context must outlive RoundTrip.
func TestHedgeWinnerBodyIntact(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), (8<<20)/16)
	want := sha256.Sum256(payload)
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP/1.1", true: "HTTP/2"}[h2], func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 { // the first copy hangs until cancelled
					<-r.Context().Done()
					return
				}
				w.Write(payload)
			}))
			srv.EnableHTTP2 = h2
			srv.StartTLS()
			defer srv.Close()
			inner := srv.Client().Transport.(*http.Transport)
			checkGoroutines(t, inner.CloseIdleConnections)
			rt, err := NewTransport(inner, Config{Hedge: &hedge.Settings{Delay: 20 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if h2 != (resp.ProtoMajor == 2) {
				t.Fatalf("protocol %s", resp.Proto)
			}
			<-time.After(50 * time.Millisecond) // let the loser's cancellation land before reading
			h := sha256.New()
			n, err := io.Copy(h, resp.Body)
			resp.Body.Close()
			if err != nil || n != int64(len(payload)) || !bytes.Equal(h.Sum(nil), want[:]) {
				t.Fatalf("read %d bytes, err %v: the winner's body was cut", n, err)
			}
			if st := rt.Stats(); st.HedgeWins != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}
