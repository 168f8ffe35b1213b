// Command benchratio turns `go test -bench -benchmem` output whose
// sub-benchmarks are named …/client=NAME into Markdown tables: one per
// group (the name without its client part), one row per client, with ns/op
// and allocs/op as ratios to the baseline client (plain net/http). With
// -count > 1 it takes the median of each measure.
//
//	go test -run '^$' -bench HappyPath -benchmem -count 6 . > happy.txt
//	go run ./cmd/benchratio happy.txt
//
// With no file it reads standard input.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/rebound-go/rebound/bench/clients"
)

func main() {
	base := flag.String("base", clients.Baseline, "client the ratios refer to")
	flag.Parse()
	var in io.Reader = os.Stdin
	if flag.NArg() > 0 {
		var rs []io.Reader
		for _, name := range flag.Args() {
			f, err := os.Open(name)
			if err != nil {
				fmt.Fprintln(os.Stderr, "benchratio:", err)
				os.Exit(1)
			}
			defer f.Close()
			rs = append(rs, f)
		}
		in = io.MultiReader(rs...)
	}
	groups, err := Parse(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	fmt.Print(Render(groups, *base))
}

// Sample is one client's measures in one group, each a list over runs.
type Sample struct {
	Client string
	NsOp   []float64
	BOp    []float64
	Allocs []float64
}

// Group is one benchmark case with every client's samples, in the order
// they first appeared.
type Group struct {
	Name    string
	Samples []*Sample
}

// Parse reads benchmark lines and groups them.
func Parse(r io.Reader) ([]*Group, error) {
	var groups []*Group
	byName := map[string]*Group{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i] // the -GOMAXPROCS suffix
			}
		}
		var group []string
		client := ""
		for _, part := range strings.Split(name, "/") {
			if c, ok := strings.CutPrefix(part, "client="); ok {
				client = c
				continue
			}
			group = append(group, part)
		}
		if client == "" {
			continue
		}
		g := byName[strings.Join(group, "/")]
		if g == nil {
			g = &Group{Name: strings.Join(group, "/")}
			byName[g.Name] = g
			groups = append(groups, g)
		}
		var s *Sample
		for _, x := range g.Samples {
			if x.Client == client {
				s = x
			}
		}
		if s == nil {
			s = &Sample{Client: client}
			g.Samples = append(g.Samples, s)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %w", f[0], f[i], err)
			}
			switch f[i+1] {
			case "ns/op":
				s.NsOp = append(s.NsOp, v)
			case "B/op":
				s.BOp = append(s.BOp, v)
			case "allocs/op":
				s.Allocs = append(s.Allocs, v)
			}
		}
	}
	return groups, sc.Err()
}

// Median of vs, NaN-free: 0 when empty.
func Median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Render prints one Markdown table per group.
func Render(groups []*Group, base string) string {
	var b strings.Builder
	for _, g := range groups {
		var ref *Sample
		for _, s := range g.Samples {
			if s.Client == base {
				ref = s
			}
		}
		fmt.Fprintf(&b, "#### %s\n\n", g.Name)
		b.WriteString("| client | ns/op | × " + base + " | B/op | allocs/op | allocs − " + base + " |\n|---|--:|--:|--:|--:|--:|\n")
		for _, s := range g.Samples {
			ns, allocs := Median(s.NsOp), Median(s.Allocs)
			ratio, extra := "–", "–"
			if ref != nil && Median(ref.NsOp) > 0 {
				ratio = fmt.Sprintf("%.2f", ns/Median(ref.NsOp))
				extra = fmt.Sprintf("%+.0f", allocs-Median(ref.Allocs))
			}
			fmt.Fprintf(&b, "| %s | %.0f | %s | %.0f | %.0f | %s |\n", s.Client, ns, ratio, Median(s.BOp), allocs, extra)
		}
		b.WriteString("\n")
	}
	return b.String()
}
