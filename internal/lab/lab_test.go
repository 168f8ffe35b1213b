package lab

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
	"github.com/rebound-go/rebound/faults"
)

// smallLab runs the default scenario, outage shortened, with 200 calls
// 8 at a time, through the standard clients with a quicker policy and a
// quicker ride-out. The guarded client's attempt timeout is long enough
// never to abandon an answer the server has counted.
func smallLab(t *testing.T) []*Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	results, err := Run(ctx, Config{
		N: 200, C: 8,
		Scenario: DefaultScenario(100*time.Millisecond, 300*time.Millisecond),
		Clients:  quickClients(5 * time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	return results
}

func TestTableAgreesWithTheServers(t *testing.T) {
	results := smallLab(t)
	var out bytes.Buffer
	if err := WriteTable(&out, results); err != nil {
		t.Fatal(err)
	}
	rows := parseTable(t, out.String())
	if len(rows) != len(results) {
		t.Fatalf("table has %d rows, want %d:\n%s", len(rows), len(results), out.String())
	}
	for i, r := range results {
		st := r.Server
		row := rows[i]
		if row["client"] != r.Client {
			t.Errorf("row %d is %q, want %q", i, row["client"], r.Client)
		}
		// The table's server figures are the server's counts.
		if want := fmt.Sprintf("%.2f", float64(st.Requests)/200); row["server req/call"] != want {
			t.Errorf("%s: server req/call %s, server counted %d requests for 200 calls", r.Client, row["server req/call"], st.Requests)
		}
		if want := strconv.FormatInt(st.Connections, 10); row["conns"] != want {
			t.Errorf("%s: conns %s, server accepted %s", r.Client, row["conns"], want)
		}
		// Every 200 the server sent reached a caller who counted it: no
		// client abandons an answer here (no hedging, generous timeouts).
		if want := fmt.Sprintf("%.1f%%", float64(st.Responses[200])/2); row["success"] != want {
			t.Errorf("%s: success %s, server sent %d 200s for 200 calls", r.Client, row["success"], st.Responses[200])
		}
		if got := int64(r.OK()); got != st.Responses[200] {
			t.Errorf("%s: %d calls succeeded, server sent %d 200s", r.Client, got, st.Responses[200])
		}
		// The timelines add up to the totals.
		if got := sum(r.Load); got != st.Requests {
			t.Errorf("%s: load per second adds up to %d, server counted %d", r.Client, got, st.Requests)
		}
		if got := sum(r.Successes()); got != r.OK() {
			t.Errorf("%s: successes per second add up to %d, want %d", r.Client, got, r.OK())
		}
		if st.Connections < 1 || st.Requests < 200 && r.Client != "rebound+guards" { // a breaker turns calls away
			t.Errorf("%s: server counted %d requests on %d connections for 200 calls", r.Client, st.Requests, st.Connections)
		}
	}
	// What each client is allowed to cost the server, per call: each
	// attempt is one request (see sendOnce).
	maxPerCall := map[string]int64{"net/http": 1, "naive loop": 4, "rebound": 4, "rebound+guards": 4}
	for _, r := range results {
		if limit := maxPerCall[r.Client] * 200; r.Server.Requests > limit {
			t.Errorf("%s: %d server requests for 200 calls, more than %d", r.Client, r.Server.Requests, limit)
		}
	}
}

// parseTable reads the rows of WriteTable's table into maps by column.
func parseTable(t *testing.T, text string) []map[string]string {
	t.Helper()
	lines := strings.Split(text, "\n")
	if !strings.HasPrefix(lines[0], "client") {
		t.Fatalf("table starts with %q", lines[0])
	}
	var rows []map[string]string
	for _, l := range lines[1:] {
		if l == "" {
			break
		}
		f := strings.Fields(strings.ReplaceAll(l, "*", "")) // the marks of the best values
		k := len(f) - (len(Columns) - 1)                    // the client's name may have spaces
		if k < 1 {
			t.Fatalf("row %q has %d fields, want at least %d", l, len(f), len(Columns))
		}
		row := map[string]string{"client": strings.Join(f[:k], " ")}
		for i, c := range Columns[1:] {
			row[c] = f[k+i]
		}
		rows = append(rows, row)
	}
	return rows
}

// quickClients are the standard clients with a policy and a ride-out
// scaled down for tests: the same kinds of guard, in milliseconds.
func quickClients(attemptTimeout time.Duration) []Client {
	p := rebound.Policy{Attempts: 4, Backoff: backoff.Exponential{Initial: 20 * time.Millisecond, Jitter: backoff.Equal}, MaxRetryAfter: 2 * time.Second}
	cs := Clients(p, attemptTimeout)
	g := Guarded(p, attemptTimeout)
	g.Breaker.OpenTimeout, g.Breaker.MaxOpenTimeout = 100*time.Millisecond, 100*time.Millisecond
	g.Breaker.RampUp, g.Breaker.MaxWait = 300*time.Millisecond, time.Second
	cs[3] = Rebound(cs[3].Name, DescribeGuards(g), g)
	return cs
}

func sum[T int | int64](xs []T) T {
	var s T
	for _, x := range xs {
		s += x
	}
	return s
}

// TestClientsMeetTheSameFaults checks the attempt numbering of every
// client against the schedule: call i succeeds exactly when one of the
// attempts the client may make, numbered from 1, is spared by the plan.
func TestClientsMeetTheSameFaults(t *testing.T) {
	s := faults.Scenario{
		Seed: 7, IDHeader: IDHeader, AttemptHeader: AttemptHeader,
		Faults: []faults.Fault{
			{Kind: faults.Status, Rate: 0.25, Status: 503},
			{Kind: faults.Status, Rate: 0.05, Status: 429},
			{Kind: faults.Reset, Rate: 0.1},
		},
	}
	fast := rebound.Policy{Attempts: 3, Backoff: backoff.Constant{Interval: time.Millisecond}}
	clients := []Client{Plain(), Naive(4, time.Millisecond), Rebound("rebound", "", rebound.Config{Policy: fast})}
	attempts := []int{1, 4, 3}
	results, err := Run(t.Context(), Config{N: 300, C: 8, Scenario: s, Clients: clients})
	if err != nil {
		t.Fatal(err)
	}
	spared := schedule(t, s)
	for ci, r := range results {
		for id, c := range r.Calls {
			want := false
			for a := 1; a <= attempts[ci]; a++ {
				if spared(id, a) {
					want = true
					break
				}
			}
			if c.OK() != want {
				t.Errorf("%s: call %d succeeded %v, the plan says %v (status %d, error %v)", r.Client, id, c.OK(), want, c.Status, c.Err)
			}
		}
	}
}

// schedule returns whether attempt a of call id is spared by s: the
// answer of a fresh injector of s, through its client-side transport, to
// a request that carries the id and the attempt in s's headers. With
// those headers what a request meets depends on them alone, not on the
// order requests arrive in.
func schedule(t *testing.T, s faults.Scenario) func(id, a int) bool {
	in, err := faults.New(s)
	if err != nil {
		t.Fatal(err)
	}
	rt := in.Transport(roundTripFunc(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: req}, nil
	}))
	return func(id, a int) bool {
		req, _ := http.NewRequest(http.MethodGet, "http://lab.test/", nil)
		req.Header.Set(s.IDHeader, strconv.Itoa(id))
		req.Header.Set(s.AttemptHeader, strconv.Itoa(a))
		resp, err := rt.RoundTrip(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
}

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		var out []time.Duration
		for _, n := range ns {
			out = append(out, time.Duration(n)*time.Millisecond)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{nil, 0.5, 0},
		{ms(7), 0.5, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 0.51, 3 * time.Millisecond},
		{ms(1, 2, 3, 4), 1, 4 * time.Millisecond},
		{ms(hundred...), 0.99, 99 * time.Millisecond},
		{ms(hundred...), 0.999, 100 * time.Millisecond},
		{ms(hundred...), 0.001, time.Millisecond},
	} {
		if got := Percentile(tc.sorted, tc.q); got != tc.want {
			t.Errorf("Percentile(%d values, %v) = %v, want %v", len(tc.sorted), tc.q, got, tc.want)
		}
	}
}

func TestPercentilePoints(t *testing.T) {
	for _, n := range []int{1, 2, 10, 1000, 5000} {
		sorted := make([]time.Duration, n)
		for i := range sorted {
			sorted[i] = time.Duration(i+1) * time.Microsecond
		}
		pts := percentilePoints(sorted, 400)
		if len(pts) == 0 || len(pts) > 401 || len(pts) > n {
			t.Fatalf("n=%d: %d points", n, len(pts))
		}
		for i := 1; i < len(pts); i++ {
			if pts[i][0] <= pts[i-1][0] || pts[i][1] < pts[i-1][1] {
				t.Fatalf("n=%d: points %v then %v are not increasing", n, pts[i-1], pts[i])
			}
		}
		if last := pts[len(pts)-1]; last[1] != float64(n)/1000 {
			t.Errorf("n=%d: last point %v, want the maximum %v ms", n, last, float64(n)/1000)
		}
	}
}

func TestDescribe(t *testing.T) {
	got := Describe(DefaultScenario(4*time.Second, 2*time.Second))
	want := "503 (Retry-After 1s) 3%, 503 7%, 429 (Retry-After 1s) 2%, reset 3%; +1ms–5ms 100%, +200ms 5%; outage 503 4s–6s"
	if got != want {
		t.Errorf("Describe(default) =\n%s\nwant\n%s", got, want)
	}
	if got := Describe(faults.Scenario{}); got != "no faults" {
		t.Errorf("Describe(zero) = %q", got)
	}
}

func TestProgressIsOneLineRewritten(t *testing.T) {
	var out syncBuffer
	results, err := Run(t.Context(), Config{N: 20, C: 2, Clients: []Client{Plain()}, Progress: &out})
	if err != nil || len(results) != 1 {
		t.Fatal(results, err)
	}
	s := out.String()
	if strings.Contains(s, "\n") || !strings.HasPrefix(s, "\rlab:") || !strings.HasSuffix(s, "\r\033[K") {
		t.Errorf("progress output %q: want carriage-return lines, cleared at the end", s)
	}
}
