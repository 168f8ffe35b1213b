package lab

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"time"

	"github.com/rebound-go/rebound/faults"
)

//go:embed report.html
var reportHTML string

var reportTemplate = template.Must(template.New("report").Parse(reportHTML))

// ReportInfo describes a lab for its report.
type ReportInfo struct {
	Workload string // such as "2000 GETs, 32 at a time, at most 200 a second"
	Policy   string // the rebound clients' policy
	Scenario faults.Scenario
	Date     time.Time
}

// chartData is what the report's script draws; its JSON is in the page.
type chartData struct {
	Clients []string `json:"clients"`
	// Latency holds, per client, points [x, ms] of latency by percentile:
	// x is -log10(1-q), so 1 is the 90th percentile, 2 the 99th.
	Latency [][][2]float64 `json:"latency"`
	// Successes and Load hold, per client, counts per second.
	Successes [][]int   `json:"successes"`
	Load      [][]int64 `json:"load"`
	// Outages are the scenario's outage windows, in seconds.
	Outages [][2]float64 `json:"outages"`
}

type reportPage struct {
	ReportInfo
	Describe string
	JSON     string
	Columns  []string
	Rows     []Row
	Failures []failureLine
	Charts   chartData
}

type failureLine struct{ Client, Summary string }

// WriteReport writes the lab's results as one self-contained HTML page:
// the table, a chart of latency by percentile and timelines of successes
// and server load per second, one series per client in each. The page
// loads nothing: its style and script are inline. After drawing, it
// writes {"errors":[…],"latencySeries":n,"successSeries":n,"loadSeries":n}
// into <pre id="selfcheck">, counting the series actually drawn, for
// tests that load it in a browser.
func WriteReport(w io.Writer, info ReportInfo, results []*Result) error {
	js, err := info.Scenario.MarshalJSON()
	if err != nil {
		return err
	}
	p := reportPage{ReportInfo: info, Describe: Describe(info.Scenario), JSON: string(js), Columns: Columns}
	for _, o := range info.Scenario.Outages {
		p.Charts.Outages = append(p.Charts.Outages, [2]float64{o.Start.Seconds(), o.End.Seconds()})
	}
	for _, r := range results {
		p.Rows = append(p.Rows, RowOf(r))
		p.Failures = append(p.Failures, failureLine{r.Client, FailureSummary(r)})
		p.Charts.Clients = append(p.Charts.Clients, r.Client)
		p.Charts.Latency = append(p.Charts.Latency, percentilePoints(r.Latencies(), 400))
		p.Charts.Successes = append(p.Charts.Successes, r.Successes())
		p.Charts.Load = append(p.Charts.Load, r.Load)
	}
	if err := reportTemplate.Execute(w, p); err != nil {
		return fmt.Errorf("lab: report: %w", err)
	}
	return nil
}

// percentilePoints samples sorted latencies at about k evenly spaced
// points of x = -log10(1-q), so the tail gets as many points as the body.
// The i-th value (from 0) of n sits at q = i/n; the last, the maximum, at
// x = log10(n).
func percentilePoints(sorted []time.Duration, k int) [][2]float64 {
	n := len(sorted)
	if n == 0 {
		return nil
	}
	top := math.Log10(float64(n))
	var pts [][2]float64
	last := -1
	for j := 0; j <= k; j++ {
		i := int(float64(n) * (1 - math.Pow(10, -top*float64(j)/float64(k))))
		i = min(max(i, 0), n-1)
		if j == k {
			i = n - 1
		}
		if i == last {
			continue
		}
		last = i
		x := top
		if i < n-1 {
			x = -math.Log10(1 - float64(i)/float64(n))
		}
		pts = append(pts, [2]float64{x, float64(sorted[i]) / float64(time.Millisecond)})
	}
	return pts
}
