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
		b.WriteString(" wrong bodies at server | bodies cut short |")
	}
	b.WriteString("\n|---|--:|--:|--:|--:|--:|--:|--:|---|---|")
	if post {
		b.WriteString("--:|--:|")
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
			fmt.Fprintf(&b, " %d | %d |", r.Server.BadBodies, r.Server.CutBodies)
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

// Notes lists, under a table, what the clients' guards did ("" when none
// says anything).
func Notes(rs []*Result) string {
	var b strings.Builder
	for _, r := range rs {
		if r.Notes != "" {
			fmt.Fprintf(&b, "- %s: %s\n", r.Client, r.Notes)
		}
	}
	return b.String()
}

// ConnColumn is one run of a workload for the connections table.
type ConnColumn struct {
	Title       string
	Results     []*Result
	ShowSuccess bool // add a column with the success rate of this run
}

// ConnTable puts the new connections of several runs side by side, one row
// per client (in the order of the first column), "–" where a client did
// not run.
func ConnTable(cols []ConnColumn) string {
	var b strings.Builder
	var names []string
	seen := map[string]bool{}
	for _, c := range cols {
		for _, r := range c.Results {
			if !seen[r.Client] {
				seen[r.Client] = true
				names = append(names, r.Client)
			}
		}
	}
	b.WriteString("| client |")
	align := "|---|"
	for _, c := range cols {
		fmt.Fprintf(&b, " %s: new conns |", c.Title)
		align += "--:|"
		if c.ShowSuccess {
			fmt.Fprintf(&b, " %s: success |", c.Title)
			align += "--:|"
		}
	}
	b.WriteString("\n" + align + "\n")
	for _, name := range names {
		fmt.Fprintf(&b, "| %s |", name)
		for _, c := range cols {
			var r *Result
			for _, x := range c.Results {
				if x.Client == name {
					r = x
				}
			}
			switch {
			case r == nil:
				b.WriteString(" – |")
				if c.ShowSuccess {
					b.WriteString(" – |")
				}
				continue
			case r.TimedOut:
				fmt.Fprintf(&b, " %d (timed out after %v: %d/%d calls) |", r.Server.NewConns, r.Workload.Timeout, r.Calls, r.Workload.N)
			default:
				fmt.Fprintf(&b, " %d |", r.Server.NewConns)
			}
			if c.ShowSuccess {
				fmt.Fprintf(&b, " %.1f %% |", 100*r.SuccessRate())
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
