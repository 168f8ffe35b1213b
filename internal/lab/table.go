package lab

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// column is one figure of the table: how to read it from a result, how to
// print it, and which way is better.
type column struct {
	name   string
	value  func(*Result) float64
	format func(float64) string
	higher bool // a higher value is better
}

var columns = []column{
	{"success", (*Result).SuccessRate, successPercent, true},
	{"server req/call", (*Result).ServerPerCall, func(v float64) string { return fmt.Sprintf("%.2f", v) }, false},
	{"p50", quantile(0.50), durationText, false},
	{"p99", quantile(0.99), durationText, false},
	{"p99.9", quantile(0.999), durationText, false},
	{"conns", func(r *Result) float64 { return float64(r.Server.Connections) }, func(v float64) string { return fmt.Sprint(int64(v)) }, false},
	{"in outage", (*Result).OutageLoad, timesText, false},
	{"after outage", (*Result).AfterOutage, timesText, false},
	{"wall", func(r *Result) float64 { return float64(r.Wall) }, durationText, false},
}

// Columns are the table's headings: "client", then one per figure.
var Columns = func() []string {
	names := []string{"client"}
	for _, c := range columns {
		names = append(names, c.name)
	}
	return names
}()

func quantile(q float64) func(*Result) float64 {
	return func(r *Result) float64 { return float64(Percentile(r.Latencies(), q)) }
}

func durationText(v float64) string { return Round(time.Duration(v)).String() }

func timesText(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return fmt.Sprintf("%.2f×", v)
}

// Row is one line of the table, formatted; the text table and the HTML
// report print the same rows.
type Row struct {
	Client string
	Cells  []Cell // one per column after "client"
}

// Cell is one figure of a Row; Best marks the best value of its column.
type Cell struct {
	Text string
	Best bool
}

// Rows formats the results, marking the best value of each column (every
// row that shows it, on a tie).
func Rows(results []*Result) []Row {
	rows := make([]Row, len(results))
	for i, r := range results {
		rows[i] = Row{Client: r.Client, Cells: make([]Cell, len(columns))}
	}
	for j, c := range columns {
		var best string
		bestV := math.NaN()
		for i, r := range results {
			v := r.value(c)
			rows[i].Cells[j].Text = c.format(v)
			if !math.IsNaN(v) && (math.IsNaN(bestV) || c.higher && v > bestV || !c.higher && v < bestV) {
				bestV, best = v, rows[i].Cells[j].Text
			}
		}
		for i := range rows {
			rows[i].Cells[j].Best = len(results) > 1 && !math.IsNaN(bestV) && rows[i].Cells[j].Text == best
		}
	}
	return rows
}

func (r *Result) value(c column) float64 {
	if len(r.Calls) == 0 {
		return math.NaN()
	}
	return c.value(r)
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

// WriteTable prints the results as a table, its footnotes (what the
// figures are, what each client does), then why calls failed. A "*"
// marks the best value of each column.
func WriteTable(w io.Writer, results []*Result) error {
	cells := [][]string{Columns}
	for _, row := range Rows(results) {
		line := []string{row.Client}
		for _, c := range row.Cells {
			mark := " "
			if c.Best {
				mark = "*"
			}
			line = append(line, c.Text+mark)
		}
		cells = append(cells, line)
	}
	cells[0] = slices.Clone(cells[0])
	for i := 1; i < len(cells[0]); i++ {
		cells[0][i] += " "
	}
	widths := make([]int, len(Columns))
	for _, line := range cells {
		for i, c := range line {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, line := range cells {
		for i, c := range line {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(" " + pad + c)
			}
		}
		b.WriteString("\n")
	}
	writeNotes(&b, results, widths[0])
	b.WriteString("\nfailed calls, by how they ended:\n")
	for _, r := range results {
		fmt.Fprintf(&b, "  %-*s  %s\n", widths[0], r.Client, FailureSummary(r))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeNotes prints the table's footnotes.
func writeNotes(b *strings.Builder, results []*Result, indent int) {
	b.WriteString("\n")
	for _, n := range ColumnNotes(results) {
		wrap(b, n, "", "  ", 100)
	}
	b.WriteString("\n")
	for _, r := range results {
		if r.Note != "" {
			head := fmt.Sprintf("%-*s  ", indent, r.Client)
			wrap(b, r.Note, head, strings.Repeat(" ", indent+2), 100)
		}
	}
}

// ColumnNotes explain the table's figures, one note each.
func ColumnNotes(results []*Result) []string {
	notes := []string{
		"* the best value of its column.",
		"success: calls that ended in a 2xx, body read. server req/call and conns: the fault server's own counts.",
		"p50, p99, p99.9: latency of every call, failed ones included, from when it was due to its body read.",
	}
	if len(results) > 0 && results[0].Target != "" {
		notes[1] = "success: calls that ended in a 2xx, body read. server req/call: the attempts the client made, counted by the " +
			"fault injector on its side (faulted ones included); conns: the connections it dialled."
	}
	var lo, hi float64
	for i, r := range results {
		s := r.SteadyRate()
		if i == 0 || s < lo {
			lo = s
		}
		if i == 0 || s > hi {
			hi = s
		}
	}
	if len(results) > 0 && len(results[0].Outages) > 0 {
		o := results[0].Outages[0]
		notes = append(notes, fmt.Sprintf("in outage, after outage: the server's request rate during the outage (%v–%v), and in its "+
			"busiest second after it, as a multiple of its steady rate before it (%.0f–%.0f requests/s).", o.Start, o.End, lo, hi))
	}
	return notes
}

// wrap writes s to b in lines of at most width runes, the first line
// prefixed by first and the others by rest.
func wrap(b *strings.Builder, s, first, rest string, width int) {
	line := first
	fresh := true
	for _, word := range strings.Fields(s) {
		if !fresh && len([]rune(line))+1+len([]rune(word)) > width {
			b.WriteString(line + "\n")
			line, fresh = rest, true
		}
		if !fresh {
			line += " "
		}
		line += word
		fresh = false
	}
	b.WriteString(line + "\n")
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

// successPercent prints a share to one decimal, never rounding a share below one
// up to 100 %: a run with a failure does not read as a perfect one.
func successPercent(v float64) string {
	if v < 1 && 100*v >= 99.95 {
		return fmt.Sprintf("%.2f%%", 100*v)
	}
	return fmt.Sprintf("%.1f%%", 100*v)
}
