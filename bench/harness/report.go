package harness

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Percentile returns the p-quantile (0 < p ≤ 1) of sorted durations by the
// nearest-rank method, 0 when there are none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// SuccessRate is the share of the workload's calls that ended in a 200.
func (r *Result) SuccessRate() float64 { return float64(r.OK) / float64(r.Workload.N) }

// LoadFactor is server requests per call made.
func (r *Result) LoadFactor() float64 {
	if r.Calls == 0 {
		return 0
	}
	return float64(r.Server.Requests) / float64(r.Calls)
}

// Heading describes the workload in one Markdown heading and a line.
func Heading(w Workload) string {
	return fmt.Sprintf("### %s\n\n%s. n = %d, %d concurrent, %d attempts, backoff %v→%v.\n",
		w.Name, w.About, w.N, w.C, w.Settings.Attempts, w.Settings.Initial, w.Settings.Max)
}

// Table renders the results of one workload as a Markdown table.
func Table(rs []*Result) string {
	if len(rs) == 0 {
		return ""
	}
	post := rs[0].Workload.BodySize > 0
	var b strings.Builder
	b.WriteString("| client | success | server req/call | new conns | p50 | p99 | p99.9 | max | final statuses | errors |")
	if post {
		b.WriteString(" bad bodies at server |")
	}
	b.WriteString("\n|---|--:|--:|--:|--:|--:|--:|--:|---|---|")
	if post {
		b.WriteString("--:|")
	}
	b.WriteString("\n")
	for _, r := range rs {
		name := r.Client
		if r.TimedOut {
			name += fmt.Sprintf(" (timed out after %v: %d/%d calls)", r.Workload.Timeout, r.Calls, r.Workload.N)
		}
		fmt.Fprintf(&b, "| %s | %.1f %% | %.2f | %d | %s | %s | %s | %s | %s | %s |",
			name, 100*r.SuccessRate(), r.LoadFactor(), r.Server.NewConns,
			Dur(Percentile(r.Latencies, 0.50)), Dur(Percentile(r.Latencies, 0.99)),
			Dur(Percentile(r.Latencies, 0.999)), Dur(Percentile(r.Latencies, 1)),
			statuses(r.Statuses), errorsCell(r.Errors))
		if post {
			fmt.Fprintf(&b, " %d |", r.Server.BadBodies)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Dur prints a duration with three significant digits.
func Dur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', digits(d.Seconds()), 64) + " s"
	case d >= time.Millisecond:
		ms := float64(d) / float64(time.Millisecond)
		return strconv.FormatFloat(ms, 'f', digits(ms), 64) + " ms"
	default:
		us := float64(d) / float64(time.Microsecond)
		return strconv.FormatFloat(us, 'f', digits(us), 64) + " µs"
	}
}

func digits(v float64) int {
	switch {
	case v >= 100:
		return 0
	case v >= 10:
		return 1
	}
	return 2
}

func statuses(m map[int]int) string {
	if len(m) == 0 {
		return "–"
	}
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d×%d", c, m[c])
	}
	return strings.Join(parts, ", ")
}

func errorsCell(m map[string]int) string {
	if len(m) == 0 {
		return "–"
	}
	type kv struct {
		k string
		v int
	}
	var kvs []kv
	total := 0
	for k, v := range m {
		kvs = append(kvs, kv{k, v})
		total += v
	}
	slices.SortFunc(kvs, func(a, b kv) int { return cmp.Or(b.v-a.v, strings.Compare(a.k, b.k)) })
	parts := make([]string, 0, 3)
	for i, e := range kvs {
		if i == 3 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", strings.ReplaceAll(e.k, "|", "/"), e.v))
	}
	return fmt.Sprintf("%d: %s", total, strings.Join(parts, "; "))
}
