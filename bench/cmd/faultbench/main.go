// Command faultbench runs every workload of package harness through every
// client of package clients, against a real loopback server with the same
// deterministic faults for all, and prints the results as Markdown tables.
//
//	go run ./cmd/faultbench                       # the published run: n = 2000, 32 concurrent
//	go run ./cmd/faultbench -n 200 -only 503      # a quick look at one workload
//	go run ./cmd/faultbench -clients 'rebound|net/http'
//
// -only and -clients are regular expressions on workload and client names.
// Progress goes to stderr, tables to stdout.
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
	for _, w := range harness.Workloads(o) {
		if !onlyRE.MatchString(w.Name) {
			continue
		}
		var rs []*harness.Result
		for _, c := range cs {
			fmt.Fprintf(os.Stderr, "%-28s %-20s", w.Name, c.Name)
			r, err := harness.Run(w, c, o.Seed)
			if err != nil {
				fail(err)
			}
			fmt.Fprintf(os.Stderr, " %6.1f %%  %v\n", 100*r.SuccessRate(), r.Elapsed.Round(time.Millisecond))
			rs = append(rs, r)
		}
		fmt.Println(harness.Heading(w))
		fmt.Println(harness.Table(rs))
	}
	fmt.Fprintf(os.Stderr, "total %v\n", time.Since(start).Round(time.Second))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "faultbench:", err)
	os.Exit(1)
}
