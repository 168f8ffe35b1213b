package lab

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
)

// loadResult is a result whose server saw load (requests per Bucket),
// with an outage from 1 s to 2 s.
func loadResult(load ...int64) *Result {
	return &Result{Client: "c", Calls: make([]Call, 1), Load: load, Outages: []Window{{time.Second, 2 * time.Second}}}
}

// repeat returns n buckets of v.
func repeat(v int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestLabLoadFigures(t *testing.T) {
	cat := func(parts ...[]int64) []int64 {
		var out []int64
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	for _, tc := range []struct {
		name                 string
		r                    *Result
		steady, during, peak float64
	}{
		{"flat", loadResult(repeat(20, 40)...), 200, 1, 1},
		{"retry storm, then a burst", loadResult(cat(repeat(20, 10), repeat(60, 10), repeat(50, 5), repeat(20, 15))...), 200, 3, 1.75},
		{"quiet outage, then a ramp", loadResult(cat(repeat(20, 10), repeat(2, 10), repeat(29, 10), repeat(20, 10))...), 200, 0.1, 1.45},
		{"the busiest second, not the first", loadResult(cat(repeat(20, 10), repeat(0, 10), repeat(20, 5), repeat(40, 10), repeat(20, 5))...), 200, 0, 2},
		{"a run that ends half a second after the outage", loadResult(cat(repeat(20, 10), repeat(0, 10), repeat(30, 5))...), 200, 0, 1.5},
		{"no outage", &Result{Calls: make([]Call, 1), Load: repeat(10, 30)}, 100, math.NaN(), math.NaN()},
		{"an outage at the start", &Result{Calls: make([]Call, 1), Load: repeat(10, 30), Outages: []Window{{0, time.Second}}}, math.NaN(), math.NaN(), math.NaN()},
		{"nothing after the outage", loadResult(repeat(20, 20)...), 200, 1, math.NaN()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range []struct {
				what      string
				got, want float64
			}{
				{"SteadyRate", tc.r.SteadyRate(), tc.steady},
				{"OutageLoad", tc.r.OutageLoad(), tc.during},
				{"AfterOutage", tc.r.AfterOutage(), tc.peak},
			} {
				if !(math.IsNaN(f.want) && math.IsNaN(f.got)) && math.Abs(f.got-f.want) > 1e-9 {
					t.Errorf("%s = %v, want %v", f.what, f.got, f.want)
				}
			}
		})
	}
}

func TestLabRowsMarkTheBest(t *testing.T) {
	a := &Result{Client: "a", Wall: time.Second, Calls: []Call{{Status: 200, Latency: time.Millisecond}, {Status: 503, Latency: time.Millisecond}}}
	b := &Result{Client: "b", Wall: time.Second, Calls: []Call{{Status: 200, Latency: 2 * time.Millisecond}, {Status: 200, Latency: 2 * time.Millisecond}}}
	a.Server.Requests, b.Server.Requests = 2, 3
	a.Server.Connections, b.Server.Connections = 5, 5
	rows := Rows([]*Result{a, b})
	best := func(row int, col string) bool {
		for j, c := range Columns[1:] {
			if c == col {
				return rows[row].Cells[j].Best
			}
		}
		t.Fatalf("no column %q", col)
		return false
	}
	for _, tc := range []struct {
		col    string
		row    int
		want   bool
		reason string
	}{
		{"success", 1, true, "higher is better"},
		{"success", 0, false, ""},
		{"server req/call", 0, true, "lower is better"},
		{"p50", 0, true, "lower is better"},
		{"conns", 0, true, "a tie marks both"},
		{"conns", 1, true, "a tie marks both"},
		{"in outage", 0, false, "nothing to measure"},
	} {
		if got := best(tc.row, tc.col); got != tc.want {
			t.Errorf("%s of %s: best %v, want %v (%s)", tc.col, rows[tc.row].Client, got, tc.want, tc.reason)
		}
	}
	if one := Rows([]*Result{a}); one[0].Cells[0].Best {
		t.Error("a lone client is marked best")
	}
}

func TestLabBreakerBands(t *testing.T) {
	r := &Result{Wall: 10 * time.Second, BreakerHosts: []string{"a", "b"}, Breaker: []BreakerChange{
		{At: 4 * time.Second, Host: "a", To: "open"},
		{At: 5 * time.Second, Host: "a", To: "half-open"},
		{At: 5 * time.Second, Host: "a", To: "closed"},
	}}
	got := bands(r)
	want := []band{
		{Host: "a", Spans: []span{{0, 4, "closed"}, {4, 5, "open"}, {5, 5, "half-open"}, {5, 10, "closed"}}},
		{Host: "b", Spans: []span{{0, 10, "closed"}}},
	}
	if len(got) != len(want) {
		t.Fatalf("bands = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Host != want[i].Host || len(got[i].Spans) != len(want[i].Spans) {
			t.Fatalf("band %d = %+v, want %+v", i, got[i], want[i])
		}
		for j := range want[i].Spans {
			if got[i].Spans[j] != want[i].Spans[j] {
				t.Errorf("band %s span %d = %+v, want %+v", want[i].Host, j, got[i].Spans[j], want[i].Spans[j])
			}
		}
	}
}

func TestLabDescribesItsClients(t *testing.T) {
	for _, tc := range []struct {
		p    rebound.Policy
		want string
	}{
		{DefaultPolicy(), "4 attempts, backoff 300ms doubling to 5s with equal jitter, Retry-After honoured up to 30s"},
		{rebound.Policy{}, "3 attempts, backoff 100ms doubling to 5s with equal jitter, Retry-After honoured up to 30s"},
		{rebound.Policy{Attempts: 2, Backoff: backoff.Constant{Interval: time.Millisecond}, MaxRetryAfter: -1},
			"2 attempts, backoff 1ms constant, Retry-After ignored"},
		{rebound.Policy{Attempts: 5, Backoff: backoff.Exponential{Initial: time.Second, Multiplier: 3, Jitter: backoff.Full}, MaxRetryAfter: time.Minute},
			"5 attempts, backoff 1s growing ×3 with full jitter, Retry-After honoured up to 1m0s"},
		{rebound.Policy{Backoff: backoff.Decorrelated{Initial: time.Second, Max: 10 * time.Second}},
			"3 attempts, backoff decorrelated jitter from 1s to 10s, Retry-After honoured up to 30s"},
	} {
		if got := DescribePolicy(tc.p); got != tc.want {
			t.Errorf("DescribePolicy(%+v) =\n%s\nwant\n%s", tc.p, got, tc.want)
		}
	}
	got := DescribeGuards(Guarded(DefaultPolicy(), 0))
	for _, want := range []string{
		"rebound.Recommended()", "adaptive retry budget", "opens when 50 % of the last 100 calls failed",
		"lets 20 probes through 1s later, and every 1s while the host stays down",
		"up to 1000 calls, 9s each", "released evenly over 7s",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("DescribeGuards(Recommended) = %q\nlacks %q", got, want)
		}
	}
	if got := DescribeGuards(Guarded(DefaultPolicy(), 500*time.Millisecond)); !strings.HasSuffix(got, "a 500ms bound on each attempt") {
		t.Errorf("with an attempt timeout: %q", got)
	}
}
