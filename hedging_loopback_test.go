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
func tailServer(t *testing.T) *overloadServer {
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
}

func runTail(t *testing.T, cfg Config, tag string) tailResult {
	const n, c = 1000, 16
	srv := tailServer(t)
	inner := pooledTransport(0)
	defer inner.CloseIdleConnections()
	rt, err := NewTransport(inner, cfg)
	if err != nil {
		t.Fatal(err)
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
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("status %d", resp.StatusCode)
				}
				lat[i] = time.Since(start)
			}
		})
	}
	wg.Wait()
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(int(p*n), n-1)] }
	return tailResult{q(0.5), q(0.99), q(0.999), float64(srv.requests.Load()) / n}
}

// The figures of issue 4: the slow tail with no hedging, a fixed delay
// and an adaptive one. Run: go test -run TestHedgingCutsTheTail -v
func TestHedgingCutsTheTail(t *testing.T) {
	checkGoroutines(t)
	const fixed = 20 * time.Millisecond
	for _, tc := range []struct {
		name  string
		hedge *hedge.Settings
	}{
		{"no hedging", nil},
		{"fixed 20ms", &hedge.Settings{Delay: fixed}},
		{"adaptive p95", &hedge.Settings{Percentile: 0.95, MinDelay: 2 * time.Millisecond, MaxDelay: 100 * time.Millisecond}},
	} {
		r := runTail(t, Config{Hedge: tc.hedge, Budget: AdaptiveBudget}, tc.name)
		t.Logf("%-13s p50 %8v  p99 %8v  p99.9 %8v  server requests per request %.3f",
			tc.name, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.p999.Round(10*time.Microsecond), r.perRequest)
		switch tc.name {
		case "no hedging":
			if r.p99 < 200*time.Millisecond {
				t.Errorf("the slow tail is missing: p99 %v", r.p99)
			}
		case "fixed 20ms":
			if limit := time.Duration(1.5 * float64(fixed+r.p50)); r.p99 > limit {
				t.Errorf("p99 %v above 1.5 × (delay + p50) = %v", r.p99, limit)
			}
		case "adaptive p95":
			if r.p99 > 100*time.Millisecond || r.perRequest > 1.10 {
				t.Errorf("p99 %v, %.3f requests per request; want the tail cut at ≤ 1.10", r.p99, r.perRequest)
			}
		}
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
			c, err := NewClient(&http.Client{Transport: inner}, Config{Hedge: &hedge.Settings{Delay: 20 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Get(srv.URL)
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
			if st := c.Stats(); st.HedgeWins != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}
