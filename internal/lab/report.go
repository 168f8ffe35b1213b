package lab

import (
	"bytes"
	_ "embed"
	"encoding/json"
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
	// LatencyOK and LatencyFailed hold, per client, points [x, ms] of the
	// latency of the calls that succeeded, and of those that failed, by
	// percentile: x is -log10(1-q), so 1 is the 90th percentile, 2 the
	// 99th.
	LatencyOK     [][][2]float64 `json:"latencyOK"`
	LatencyFailed [][][2]float64 `json:"latencyFailed"`
	// BucketMs is the width of the timelines' buckets, in milliseconds.
	BucketMs float64 `json:"bucketMs"`
	// Successes and Load hold, per client, counts per bucket.
	Successes [][]int   `json:"successes"`
	Load      [][]int64 `json:"load"`
	// Outages are the scenario's outage windows, in seconds.
	Outages [][2]float64 `json:"outages"`
	// Breakers holds, per client, a band per host with a breaker.
	Breakers [][]band `json:"breakers"`
}

// band is the states of one host's breaker over a run.
type band struct {
	Host  string `json:"host"`
	Spans []span `json:"spans"`
}

// span is a stretch of time, in seconds, in one state.
type span struct {
	From  float64 `json:"from"`
	To    float64 `json:"to"`
	State string  `json:"state"`
}

type reportPage struct {
	ReportInfo
	Describe string
	JSON     string
	Faults   []scenarioLine
	Columns  []string
	Rows     []Row
	Notes    []string
	Clients  []clientLine
	Charts   chartData
}

type clientLine struct{ Client, Note, Failures string }

// WriteReport writes the lab's results as one self-contained HTML page:
// the table with its notes, the scenario, a chart of latency by
// percentile (calls that succeeded and calls that failed apart),
// timelines of successes and server load per 100 ms, and each host's
// breaker state as a band over the run; every chart shows its values
// under the pointer. The page loads nothing: its style and script are
// inline. After drawing, it writes {"errors":[…],"clients":n,
// "latencySeries":n,"successSeries":n,"loadSeries":n,"breakerBands":n,
// "hoverCharts":n,"bucketMs":ms} into <pre id="selfcheck">, counting what
// was actually drawn, for tests that load it in a browser.
func WriteReport(w io.Writer, info ReportInfo, results []*Result) error {
	js, err := info.Scenario.MarshalJSON()
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, js, "", "  "); err != nil {
		return err
	}
	p := reportPage{
		ReportInfo: info, Describe: Describe(info.Scenario), JSON: pretty.String(),
		Faults: scenarioLines(info.Scenario), Columns: Columns, Rows: Rows(results), Notes: ColumnNotes(results),
	}
	p.Charts.BucketMs = float64(Bucket) / float64(time.Millisecond)
	for _, o := range info.Scenario.Outages {
		p.Charts.Outages = append(p.Charts.Outages, [2]float64{o.Start.Seconds(), o.End.Seconds()})
	}
	for _, r := range results {
		p.Clients = append(p.Clients, clientLine{r.Client, r.Note, FailureSummary(r)})
		c := &p.Charts
		c.Clients = append(c.Clients, r.Client)
		c.LatencyOK = append(c.LatencyOK, percentilePoints(r.LatenciesOf(true), 400))
		c.LatencyFailed = append(c.LatencyFailed, percentilePoints(r.LatenciesOf(false), 400))
		c.Successes = append(c.Successes, r.Successes())
		c.Load = append(c.Load, r.Load)
		c.Breakers = append(c.Breakers, bands(r))
	}
	if err := reportTemplate.Execute(w, p); err != nil {
		return fmt.Errorf("lab: report: %w", err)
	}
	return nil
}

// bands turns a result's breaker changes into one band per host, closed
// until its first change, each span ending at the next or at the end of
// the run.
func bands(r *Result) []band {
	out := []band{}
	end := r.Wall.Seconds()
	for _, host := range r.BreakerHosts {
		b := band{Host: host, Spans: []span{{From: 0, To: end, State: "closed"}}}
		for _, c := range r.Breaker {
			if c.Host != host {
				continue
			}
			at := min(c.At.Seconds(), end)
			b.Spans[len(b.Spans)-1].To = at
			b.Spans = append(b.Spans, span{From: at, To: end, State: c.To})
		}
		out = append(out, b)
	}
	return out
}

// percentilePoints samples sorted latencies at about k evenly spaced
// points of x = -log10(1-q), so the tail gets as many points as the body.
// The i-th value (from 0) of n sits at q = i/n; the last, the maximum, at
// x = log10(n).
func percentilePoints(sorted []time.Duration, k int) [][2]float64 {
	n := len(sorted)
	if n == 0 {
		return [][2]float64{}
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
