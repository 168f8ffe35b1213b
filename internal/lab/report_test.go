package lab

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rebound-go/rebound/breaker"
)

// syntheticResults makes results without running anything: one client
// that always succeeds, one whose calls all fail at once (latency zero, no
// server request), and one with no calls answered in time.
func syntheticResults() []*Result {
	good := &Result{Client: "good", Wall: 2500 * time.Millisecond, Load: []int64{10, 10, 5}}
	fast := &Result{Client: "fails fast", Wall: time.Millisecond, Load: []int64{0}}
	slow := &Result{Client: "times out", Wall: 3 * time.Second, Load: []int64{1, 0, 0, 1}}
	for i := range 25 {
		good.Calls = append(good.Calls, Call{Start: time.Duration(i) * 100 * time.Millisecond, Latency: time.Duration(i+1) * time.Millisecond, Status: 200})
		fast.Calls = append(fast.Calls, Call{Err: breaker.ErrCircuitOpen})
	}
	fast.BreakerHosts = []string{"host.test"}
	fast.Breaker = []BreakerChange{{At: 0, Host: "host.test", To: "open"}}
	slow.Calls = append(slow.Calls, Call{Latency: 3 * time.Second, Err: syscall.ECONNRESET})
	return []*Result{good, fast, slow}
}

func syntheticInfo() ReportInfo {
	return ReportInfo{Workload: "synthetic <workload> & co", Policy: "none", Scenario: DefaultScenario(time.Second, time.Second), Date: time.Unix(0, 0)}
}

func TestReportIsSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := WriteReport(&b, syntheticInfo(), syntheticResults()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<link", "@import", "url(", " src=", " href=", "<iframe", "<img"} {
		if strings.Contains(page, bad) {
			t.Errorf("report contains %q: it must load nothing", bad)
		}
	}
	for _, u := range regexp.MustCompile(`https?://[^"' <]*`).FindAllString(page, -1) {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("report mentions %s", u)
		}
	}
	for _, want := range []string{`<svg id="latency"`, `<svg id="successes"`, `<svg id="load"`, `<svg id="breakers"`, `<pre id="selfcheck"`,
		"synthetic &lt;workload&gt; &amp; co", "failed calls: circuit open: 25", "failed calls: reset: 1", `<td class="best">`,
		// The scenario, readable: a line per entry, and indented JSON.
		`<table class="plain" id="scenario">`, "<td>fault</td><td>503 (Retry-After 1s)</td><td>3% of requests</td>",
		"<td>outage</td><td>every request: 503</td><td>from 1s to 2s</td>", "\n  &#34;seed&#34;: 1,\n"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	m := regexp.MustCompile(`var DATA = (.*);\n`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no chart data in the report")
	}
	var d chartData
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatalf("chart data: %v", err)
	}
	if len(d.Clients) != 3 || len(d.LatencyOK) != 3 || len(d.LatencyFailed) != 3 || len(d.Successes) != 3 || len(d.Load) != 3 ||
		len(d.Outages) != 1 || len(d.Breakers) != 3 {
		t.Errorf("chart data has %d clients, %d+%d latency, %d success, %d load series, %d outages and %d breaker lists",
			len(d.Clients), len(d.LatencyOK), len(d.LatencyFailed), len(d.Successes), len(d.Load), len(d.Outages), len(d.Breakers))
	}
	if d.BucketMs != 100 {
		t.Errorf("buckets of %v ms, want 100", d.BucketMs)
	}
	if got := d.Successes[0]; sum(got) != 25 || len(got) < 25 || got[0] != 1 || got[24] != 1 {
		t.Errorf("successes per bucket %v, want 25 in all, one a bucket", got)
	}
	// Successes and failures apart: "good" only succeeded, "fails fast"
	// only failed.
	if len(d.LatencyOK[0]) == 0 || len(d.LatencyFailed[0]) != 0 || len(d.LatencyOK[1]) != 0 || len(d.LatencyFailed[1]) == 0 {
		t.Errorf("latency curves: succeeded %v, failed %v", d.LatencyOK, d.LatencyFailed)
	}
	if b := d.Breakers[1]; len(b) != 1 || b[0].Host != "host.test" || len(b[0].Spans) != 2 || b[0].Spans[1].State != "open" {
		t.Errorf("breaker bands of the client that failed fast: %+v", b)
	}
}

func TestReportWriteError(t *testing.T) {
	err := WriteReport(failingWriter{}, syntheticInfo(), syntheticResults())
	if !errors.Is(err, errWrite) {
		t.Errorf("WriteReport to a failing writer = %v, want it to wrap the write error", err)
	}
}

var errWrite = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }
