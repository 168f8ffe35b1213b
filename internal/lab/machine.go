package lab

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// Output is what WriteJSON prints: the lab's setting and each client's
// figures.
type Output struct {
	Workload string          `json:"workload"`
	Policy   string          `json:"policy"`
	Scenario faults.Scenario `json:"scenario"`
	Date     time.Time       `json:"date"`
	Results  []Summary       `json:"results"`
}

// Summary is one client's figures, as numbers. Latencies are in
// milliseconds; OutageLoad and AfterOutage are multiples of SteadyRate
// (see Result), absent when there is no outage to measure them by.
type Summary struct {
	Client         string         `json:"client"`
	Note           string         `json:"note,omitempty"`
	Calls          int            `json:"calls"`
	Succeeded      int            `json:"succeeded"`
	SuccessRate    float64        `json:"success_rate"`
	ServerRequests int64          `json:"server_requests"`
	ServerPerCall  float64        `json:"server_requests_per_call"`
	Connections    int64          `json:"connections"`
	P50ms          float64        `json:"p50_ms"`
	P99ms          float64        `json:"p99_ms"`
	P999ms         float64        `json:"p999_ms"`
	WallMs         float64        `json:"wall_ms"`
	SteadyRate     float64        `json:"steady_requests_per_second"`
	OutageLoad     *float64       `json:"outage_load,omitempty"`
	AfterOutage    *float64       `json:"after_outage,omitempty"`
	BreakerWaits   int            `json:"breaker_waits"`
	Failures       map[string]int `json:"failures"`
}

// Summarize reads a result's figures.
func Summarize(r *Result) Summary {
	ls := r.Latencies()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	opt := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	steady := r.SteadyRate()
	if math.IsNaN(steady) {
		steady = 0
	}
	return Summary{
		Client: r.Client, Note: r.Note,
		Calls: len(r.Calls), Succeeded: r.OK(), SuccessRate: r.SuccessRate(),
		ServerRequests: r.Server.Requests, ServerPerCall: r.ServerPerCall(), Connections: r.Server.Connections,
		P50ms: ms(Percentile(ls, 0.5)), P99ms: ms(Percentile(ls, 0.99)), P999ms: ms(Percentile(ls, 0.999)),
		WallMs: ms(r.Wall), SteadyRate: steady, OutageLoad: opt(r.OutageLoad()), AfterOutage: opt(r.AfterOutage()),
		BreakerWaits: r.BreakerWaits, Failures: r.Failures(),
	}
}

// WriteJSON prints the lab's setting and results as one JSON object
// (Output), indented.
func WriteJSON(w io.Writer, info ReportInfo, results []*Result) error {
	out := Output{Workload: info.Workload, Policy: info.Policy, Scenario: info.Scenario, Date: info.Date, Results: []Summary{}}
	for _, r := range results {
		out.Results = append(out.Results, Summarize(r))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("lab: json: %w", err)
	}
	return nil
}

// CSVHeader is the first record WriteCSV prints: the names of its
// columns, as in Summary's JSON (failures in one cell, as FailureSummary prints them).
var CSVHeader = []string{
	"client", "calls", "succeeded", "success_rate", "server_requests", "server_requests_per_call", "connections",
	"p50_ms", "p99_ms", "p999_ms", "wall_ms", "steady_requests_per_second", "outage_load", "after_outage",
	"breaker_waits", "failures",
}

// WriteCSV prints the results as CSV (RFC 4180): CSVHeader, then one
// record per client; a figure that cannot be measured is empty.
func WriteCSV(w io.Writer, results []*Result) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(CSVHeader)
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return num(*v)
	}
	for _, r := range results {
		s := Summarize(r)
		_ = cw.Write([]string{
			s.Client, strconv.Itoa(s.Calls), strconv.Itoa(s.Succeeded), num(s.SuccessRate),
			strconv.FormatInt(s.ServerRequests, 10), num(s.ServerPerCall), strconv.FormatInt(s.Connections, 10),
			num(s.P50ms), num(s.P99ms), num(s.P999ms), num(s.WallMs), num(s.SteadyRate),
			opt(s.OutageLoad), opt(s.AfterOutage), strconv.Itoa(s.BreakerWaits), FailureSummary(r),
		})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("lab: csv: %w", err)
	}
	return nil
}
