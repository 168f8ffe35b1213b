package lab

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Row is one line of the table, formatted; the text table and the HTML
// report print the same rows.
type Row struct {
	Client         string
	Success        string // share of calls that succeeded
	ServerPerCall  string // requests the server saw per call
	P50, P99, P999 string
	Conns          string // connections the server accepted
	Wall           string
}

// Columns are the table's headings, in the order of Row's fields.
var Columns = []string{"client", "success", "server req/call", "p50", "p99", "p99.9", "conns", "wall"}

// RowOf formats a result.
func RowOf(r *Result) Row {
	ls := r.Latencies()
	return Row{
		Client:        r.Client,
		Success:       fmt.Sprintf("%.1f%%", 100*r.SuccessRate()),
		ServerPerCall: fmt.Sprintf("%.2f", r.ServerPerCall()),
		P50:           Round(Percentile(ls, 0.50)).String(),
		P99:           Round(Percentile(ls, 0.99)).String(),
		P999:          Round(Percentile(ls, 0.999)).String(),
		Conns:         fmt.Sprint(r.Server.Connections),
		Wall:          Round(r.Wall).String(),
	}
}

func (r Row) cells() []string {
	return []string{r.Client, r.Success, r.ServerPerCall, r.P50, r.P99, r.P999, r.Conns, r.Wall}
}

// Round keeps three significant digits or so of a duration, for reading.
func Round(d time.Duration) time.Duration {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond)
	case d < 10*time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d < time.Second:
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Millisecond)
}

// WriteTable prints the results as a table, then why calls failed.
func WriteTable(w io.Writer, results []*Result) error {
	rows := [][]string{Columns}
	for _, r := range results {
		rows = append(rows, RowOf(r).cells())
	}
	widths := make([]int, len(Columns))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			switch {
			case i == 0:
				b.WriteString(c + pad)
			default:
				b.WriteString("  " + pad + c)
			}
		}
		b.WriteByte('\n')
	}
	b.WriteString("\nfailed calls, by how they ended:\n")
	for _, r := range results {
		fmt.Fprintf(&b, "  %-*s  %s\n", widths[0], r.Client, FailureSummary(r))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// FailureSummary lists a result's failures, most frequent first, such
// as "503: 212, reset: 31", or "none".
func FailureSummary(r *Result) string {
	f := r.Failures()
	if len(f) == 0 {
		return "none"
	}
	keys := slices.SortedFunc(maps.Keys(f), func(a, b string) int {
		return cmp.Or(cmp.Compare(f[b], f[a]), cmp.Compare(a, b))
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, f[k])
	}
	return strings.Join(parts, ", ")
}
