// Command faultbench runs every workload of package harness through every
// client of package clients, against a real loopback server with the same
// deterministic faults for all, and prints the results as Markdown tables.
//
//	go run ./cmd/faultbench                       # the published run: n = 2000, 32 concurrent
//	go run ./cmd/faultbench -n 200 -only 503      # a quick look at one workload
//	go run ./cmd/faultbench -clients 'rebound|nethttp'
//
// -only and -clients are regular expressions on workload and client names.
// A guarded variant runs only on the workloads its Only lists, unless
// -every. After the tables comes the connections study: no faults, 503-30%
// and outage, each also with the transport's MaxConnsPerHost pinned to the
// number of callers (-conns=false skips it). Progress goes to stderr,
// tables to stdout.
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"time"

	"github.com/rebound-go/rebound/bench/clients"
	"github.com/rebound-go/rebound/bench/harness"
)

func main() {
	o := harness.DefaultOptions()
	flag.IntVar(&o.N, "n", o.N, "calls per workload (some workloads use a fraction, as their heading says)")
	flag.IntVar(&o.C, "c", o.C, "concurrent callers")
	seed := flag.Uint64("seed", o.Seed, "seed of the fault schedule")
	flag.DurationVar(&o.Timeout, "timeout", o.Timeout, "bound on each workload for each client")
	only := flag.String("only", "", "run only workloads whose name matches this regexp")
	which := flag.String("clients", "", "run only clients whose name matches this regexp")
	every := flag.Bool("every", false, "run every client on every workload, ignoring the variants' Only")
	conns := flag.Bool("conns", true, "add the connections study (no faults, 503-30%, outage; unpinned and MaxConnsPerHost = callers)")
	pinnedTimeout := flag.Duration("pinned-timeout", 10*time.Second, "bound on each pinned run for each client (a client that leaks connections stalls there)")
	flag.Parse()
	o.Seed = *seed

	onlyRE, err := regexp.Compile(*only)
	if err != nil {
		fail(err)
	}
	clientRE, err := regexp.Compile(*which)
	if err != nil {
		fail(err)
	}
	var cs []clients.Constructor
	for _, c := range clients.All() {
		if clientRE.MatchString(c.Name) {
			cs = append(cs, c)
		}
	}

	fmt.Printf("## Under faults\n\n%s, %s/%s, %d CPUs (GOMAXPROCS %d), seed %d, %s.\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), o.Seed,
		time.Now().UTC().Format("2006-01-02"))
	start := time.Now()
	// run runs w for the clients that belong in the table of workload
	// "like" (w's own name, but for the no-faults run).
	run := func(w harness.Workload, like, tag string) []*harness.Result {
		var rs []*harness.Result
		for _, c := range cs {
			if !*every && !c.RunsOn(like) {
				continue
			}
			fmt.Fprintf(os.Stderr, "%-28s %-20s", w.Name+tag, c.Name)
			r, err := harness.Run(w, c, o.Seed)
			if err != nil {
				fail(err)
			}
			fmt.Fprintf(os.Stderr, " %6.1f %%  %6d conns  %v\n", 100*r.SuccessRate(), r.Server.NewConns, r.Elapsed.Round(time.Millisecond))
			rs = append(rs, r)
		}
		return rs
	}
	byName := map[string][]*harness.Result{}
	for _, w := range harness.Workloads(o) {
		if !onlyRE.MatchString(w.Name) {
			continue
		}
		rs := run(w, w.Name, "")
		byName[w.Name] = rs
		fmt.Println(harness.Heading(w))
		fmt.Println(harness.Table(rs))
		if n := harness.Notes(rs); n != "" {
			fmt.Println(n)
		}
	}

	if *conns {
		var cols []harness.ConnColumn
		none := harness.NoFaults(o)
		if onlyRE.MatchString(none.Name) || onlyRE.MatchString("503-30%") {
			pinned := harness.Pinned(none)
			pinned.Timeout = *pinnedTimeout
			// The same clients as the 503-30% table.
			cols = append(cols, harness.ConnColumn{Title: "no faults", Results: run(none, "503-30%", "")},
				harness.ConnColumn{Title: "no faults, pinned", Results: run(pinned, "503-30%", " (pinned)")})
		}
		for _, w := range harness.Workloads(o) {
			if (w.Name != "503-30%" && w.Name != "outage") || !onlyRE.MatchString(w.Name) {
				continue
			}
			p := harness.Pinned(w)
			p.Timeout = *pinnedTimeout
			cols = append(cols, harness.ConnColumn{Title: w.Name, Results: byName[w.Name]},
				harness.ConnColumn{Title: w.Name + ", pinned", Results: run(p, w.Name, " (pinned)"), ShowSuccess: true})
		}
		if len(cols) > 0 {
			fmt.Printf("### Connections, with and without MaxConnsPerHost\n\n"+
				"New TCP connections the server accepted, for %d calls from %d callers; \"pinned\": the transport under the client has "+
				"MaxConnsPerHost = %d, so net/http waits for a busy connection instead of dialing a spare one, and only connections "+
				"closed by the client (or a fault) are replaced. Pinned runs are bounded to %v each.\n\n",
				o.N, o.C, o.C, *pinnedTimeout)
			fmt.Println(harness.ConnTable(cols))
		}
	}
	fmt.Fprintf(os.Stderr, "total %v\n", time.Since(start).Round(time.Second))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "faultbench:", err)
	os.Exit(1)
}
