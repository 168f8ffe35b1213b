package rebound

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/hedge"
)

// slowFast answers attempt seq after delays[seq-1] (the last repeats) with
// statuses[seq-1], or gives up when the attempt's context ends.
type slowFast struct {
	mu        sync.Mutex
	delays    []time.Duration
	statuses  []int
	sent      []time.Duration // when each attempt arrived, from start
	cancelled atomic.Int32
	bodies    []*trackedRespBody
	start     time.Time
}

func (s *slowFast) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	n := len(s.sent)
	s.sent = append(s.sent, time.Since(s.start))
	d := s.delays[min(n, len(s.delays)-1)]
	code := 200
	if s.statuses != nil {
		code = s.statuses[min(n, len(s.statuses)-1)]
	}
	s.mu.Unlock()
	select {
	case <-time.After(d):
	case <-req.Context().Done():
		s.cancelled.Add(1)
		return nil, req.Context().Err()
	}
	b := &trackedRespBody{r: strings.NewReader("answer " + itoa(n+1))}
	s.mu.Lock()
	s.bodies = append(s.bodies, b)
	s.mu.Unlock()
	return &http.Response{StatusCode: code, Header: http.Header{}, Body: b, Request: req}, nil
}

func TestHedgeSchedule(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name      string
		hedge     hedge.Settings
		method    string
		delays    []time.Duration
		statuses  []int
		wantSent  []time.Duration
		wantTook  time.Duration
		wantBody  string
		wantWon   int // hedges won; -1: any (parallel copies race to the transport)
		cancelled int32
	}{
		{name: "fast first answer: no hedge", hedge: hedge.Settings{Delay: 100 * ms}, delays: []time.Duration{20 * ms}, wantSent: []time.Duration{0}, wantTook: 20 * ms, wantBody: "answer 1"},
		{name: "slow first: the hedge wins", hedge: hedge.Settings{Delay: 100 * ms}, delays: []time.Duration{time.Second, 10 * ms}, wantSent: []time.Duration{0, 100 * ms}, wantTook: 110 * ms, wantBody: "answer 2", wantWon: 1, cancelled: 1},
		{name: "three copies, the third wins", hedge: hedge.Settings{Copies: 3, Delay: 50 * ms}, delays: []time.Duration{time.Second, time.Second, 10 * ms}, wantSent: []time.Duration{0, 50 * ms, 100 * ms}, wantTook: 110 * ms, wantBody: "answer 3", wantWon: 1, cancelled: 2},
		{name: "parallel (pester's Concurrency)", hedge: hedge.Settings{Copies: 3}, delays: []time.Duration{30 * ms, 10 * ms, 20 * ms}, wantSent: []time.Duration{0, 0, 0}, wantTook: 10 * ms, wantBody: "answer 2", wantWon: -1, cancelled: 2},
		{name: "first copy slow, then wins before the hedge", hedge: hedge.Settings{Delay: 100 * ms}, delays: []time.Duration{90 * ms, 10 * ms}, wantSent: []time.Duration{0}, wantTook: 90 * ms, wantBody: "answer 1"},
		{name: "a failed hedge does not win", hedge: hedge.Settings{Delay: 10 * ms}, delays: []time.Duration{50 * ms, 5 * ms}, statuses: []int{200, 503}, wantSent: []time.Duration{0, 10 * ms}, wantTook: 50 * ms, wantBody: "answer 1"},
		{name: "all copies fail fast: back to the retry loop at once", hedge: hedge.Settings{Delay: 500 * ms}, delays: []time.Duration{5 * ms, 5 * ms, 5 * ms}, statuses: []int{503, 503, 200},
			// try 1 fails at 5 ms without waiting for its hedge; backoff 100 ms; try 2 the same; try 3 succeeds
			wantSent: []time.Duration{0, 105 * ms, 210 * ms}, wantTook: 215 * ms, wantBody: "answer 3"},
		{name: "POST is not hedged", method: "POST", hedge: hedge.Settings{Delay: 10 * ms}, delays: []time.Duration{time.Second, 10 * ms}, wantSent: []time.Duration{0}, wantTook: time.Second, wantBody: "answer 1"},
		{name: "POST opted in", method: "POST", hedge: hedge.Settings{Delay: 10 * ms, NonIdempotent: true}, delays: []time.Duration{time.Second, 10 * ms}, wantSent: []time.Duration{0, 10 * ms}, wantTook: 20 * ms, wantBody: "answer 2", wantWon: 1, cancelled: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &slowFast{delays: tt.delays, statuses: tt.statuses, start: time.Now()}
				h := tt.hedge
				rt, err := NewTransport(s, Config{Policy: Policy{Backoff: tick}, Hedge: &h, OnEvent: logEvents})
				if err != nil {
					t.Fatal(err)
				}
				defer rt.CloseIdleConnections()
				method := tt.method
				if method == "" {
					method = "GET"
				}
				log := new(attemptLog)
				req, _ := http.NewRequestWithContext(withLog(context.Background(), log), method, "http://example.test/", strings.NewReader("payload"))
				resp, err := rt.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				took := time.Since(s.start)
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(body) != tt.wantBody || took != tt.wantTook {
					t.Errorf("got %q after %v, want %q after %v", body, took, tt.wantBody, tt.wantTook)
				}
				if len(s.sent) != len(tt.wantSent) {
					t.Fatalf("sent at %v, want %v", s.sent, tt.wantSent)
				}
				for i := range s.sent {
					if s.sent[i] != tt.wantSent[i] {
						t.Errorf("attempt %d sent at %v, want %v", i+1, s.sent[i], tt.wantSent[i])
					}
				}
				synctest.Wait() // the call does not wait for its losers; they end on their own
				if s.cancelled.Load() != tt.cancelled {
					t.Errorf("cancelled %d, want %d", s.cancelled.Load(), tt.cancelled)
				}
				if tt.wantWon < 0 {
					return
				}
				if st := rt.Stats(); st.HedgeWins != int64(tt.wantWon) {
					t.Errorf("hedge wins %d, cancelled %d; want %d, %d", st.HedgeWins, s.cancelled.Load(), tt.wantWon, tt.cancelled)
				}
				won := 0
				for _, a := range log.Attempts() {
					if a.Won {
						won++
					}
				}
				if won != tt.wantWon {
					t.Errorf("attempt log marks %d winners:\n%s", won, log)
				}
				// Every answer but the caller's was drained and closed.
				for _, b := range s.bodies {
					if b.closed.Load() != true {
						t.Errorf("a response was left open")
					}
				}
			})
		})
	}
}

func TestAdaptiveHedgeDelayFollowsLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ms := time.Millisecond
		s := &slowFast{delays: []time.Duration{20 * ms}, start: time.Now()}
		rt, _ := NewTransport(s, Config{Hedge: &hedge.Settings{Percentile: 0.95, Delay: 300 * ms, MinSamples: 20}})
		defer rt.CloseIdleConnections()
		run := func() time.Duration {
			start := time.Now()
			resp, err := rt.RoundTrip(mustRequest("GET", "http://example.test/"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return time.Since(start)
		}
		// Cold: the fixed fallback delay (300 ms) is above every latency, no hedge.
		for range 30 {
			run()
		}
		if st := rt.Stats(); st.Hedges != 0 {
			t.Fatalf("%d hedges while latencies were learnt", st.Hedges)
		}
		// Now a slow first copy: the hedge goes out at p95 ≈ 20 ms (within the
		// tracker's 9 % buckets), not at 300 ms.
		s.mu.Lock()
		s.delays = append(make([]time.Duration, len(s.sent)), time.Second, 20*ms)
		for i := range len(s.sent) {
			s.delays[i] = 20 * ms
		}
		s.mu.Unlock()
		took := run()
		if st := rt.Stats(); st.Hedges != 1 || took < 40*ms || took > 42*ms {
			t.Fatalf("%d hedges, call took %v; want one hedge after ~20 ms, answer ~20 ms later", st.Hedges, took)
		}
	})
}

func TestHedgesSpendTheBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &slowFast{delays: []time.Duration{time.Second, time.Millisecond}, start: time.Now()}
		b, _ := budget.NewAdaptive(budget.AdaptiveSettings{MinPerSecond: -1}) // no token and no reserve: no retry or hedge may go
		rt, _ := NewTransport(s, Config{Hedge: &hedge.Settings{Delay: 10 * time.Millisecond}, Budget: func() budget.Budget { return b }})
		defer rt.CloseIdleConnections()
		resp, err := rt.RoundTrip(mustRequest("GET", "http://example.test/"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if len(s.sent) != 1 {
			t.Fatalf("%d attempts: the hedge went out with an empty budget", len(s.sent))
		}
	})
}

// A hedged call leaves no goroutine behind, so a testing/synctest bubble
// ends without CloseIdleConnections, and a Transport may serve calls
// inside and outside bubbles alike (a goroutine belongs to the bubble it
// was started in for its whole life: one kept for reuse would not).
func TestHedgedCallsLeaveNoGoroutineForBubbles(t *testing.T) {
	shared, err := NewTransport(memTransport{}, Config{Hedge: &hedge.Settings{Delay: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	get := func(t *testing.T, rt http.RoundTripper) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://example.test/", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get(t, shared) // outside
	synctest.Test(t, func(t *testing.T) {
		own, err := NewTransport(memTransport{}, Config{Hedge: &hedge.Settings{Delay: time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		get(t, own)
		get(t, shared) // inside
	})
	get(t, shared) // outside again
}
