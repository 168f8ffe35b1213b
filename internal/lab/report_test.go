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
	for _, want := range []string{`<svg id="latency"`, `<svg id="successes"`, `<svg id="load"`, `<pre id="selfcheck"`,
		"synthetic &lt;workload&gt; &amp; co", "fails fast: circuit open: 25", "times out: reset: 1"} {
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
	if len(d.Clients) != 3 || len(d.Latency) != 3 || len(d.Successes) != 3 || len(d.Load) != 3 || len(d.Outages) != 1 {
		t.Errorf("chart data has %d clients, %d latency, %d success, %d load series and %d outages",
			len(d.Clients), len(d.Latency), len(d.Successes), len(d.Load), len(d.Outages))
	}
	if got := d.Successes[0]; sum(got) != 25 {
		t.Errorf("successes per second %v, want 25 in all", got)
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
