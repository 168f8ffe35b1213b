// Command limitbench measures adaptive limits beside their peers (package
// limits) and prints the tables as Markdown: the queueing server whose
// capacity halves, the quota without rate-limit headers, and priorities
// under overload, each workload one run with every client.
//
//	go run ./cmd/limitbench                        # all three, the published scale (about 3 min)
//	go run ./cmd/limitbench -run queue -half 5s    # one workload, shorter
//	go run ./cmd/limitbench -run queue -clients rebound+limit
//
// -run takes a comma-separated list of queue, quota and priority; -clients,
// a comma-separated list of the queue run's clients by name (all when
// empty). Progress goes to stderr, tables to stdout.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/rebound-go/rebound/bench/limits"
)

func main() {
	which := flag.String("run", "queue,quota,priority", "workloads to run: queue, quota, priority")
	q := limits.DefaultQueueOptions()
	flag.IntVar(&q.Workers, "workers", q.Workers, "queue and priority: the server's workers (the queue run halves them halfway)")
	flag.DurationVar(&q.Service, "service", q.Service, "queue and priority: the server's service time per request")
	flag.DurationVar(&q.Half, "half", q.Half, "queue: the length of each half")
	flag.DurationVar(&q.Settle, "settle", q.Settle, "queue: the start of each half left out of the settled column")
	flag.Float64Var(&q.Load, "load", q.Load, "queue: offered rate as a multiple of the first half's capacity")
	p := limits.DefaultPriorityOptions()
	flag.DurationVar(&p.Duration, "duration", p.Duration, "priority: the measured stretch (after the warm-up)")
	flag.Float64Var(&p.Load, "overload", p.Load, "priority: offered rate as a multiple of capacity")
	qu := limits.DefaultQuotaOptions()
	flag.IntVar(&qu.N, "n", qu.N, "quota: calls in all")
	flag.IntVar(&qu.Rate, "rate", qu.Rate, "quota: requests a second")
	seed := flag.Uint64("seed", 1, "seed of the arrivals")
	only := flag.String("clients", "", "queue: comma-separated names of the clients to run (default all)")
	flag.Parse()
	q.Seed, p.Seed, qu.Seed = *seed, *seed, *seed
	p.Workers, p.Service = q.Workers, q.Service
	runs := strings.Split(*which, ",")

	fmt.Printf("%s, %s/%s, %d CPUs (GOMAXPROCS %d), seed %d, %s.\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH,
		runtime.NumCPU(), runtime.GOMAXPROCS(0), *seed, time.Now().UTC().Format("2006-01-02 15:04 MST"))
	if slices.Contains(runs, "queue") {
		fmt.Fprintln(os.Stderr, "queue …")
		cs := limits.QueueContenders(q)
		if *only != "" {
			names := strings.Split(*only, ",")
			cs = slices.DeleteFunc(cs, func(c limits.Contender) bool { return !slices.Contains(names, c.Name) })
			if len(cs) == 0 {
				check(fmt.Errorf("-clients %q names none of the queue run's clients", *only))
			}
		}
		r, err := limits.RunQueue(q, cs)
		check(err)
		fmt.Printf("### Queueing server, capacity halved halfway\n\n%s\n", r.Markdown())
	}
	if slices.Contains(runs, "quota") {
		fmt.Fprintln(os.Stderr, "quota …")
		rows, err := limits.RunQuota(qu, limits.QuotaClients())
		check(err)
		fmt.Printf("### Quota without rate-limit headers\n\n%s\n", limits.QuotaMarkdown(qu, rows))
	}
	if slices.Contains(runs, "priority") {
		fmt.Fprintln(os.Stderr, "priority …")
		r, err := limits.RunPriority(p, limits.PriorityContenders(p))
		check(err)
		fmt.Printf("### Priorities under overload\n\n%s\n", r.Markdown())
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "limitbench:", err)
		os.Exit(1)
	}
}
