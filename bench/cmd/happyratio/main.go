// Command happyratio measures the happy path of every client the way
// BenchmarkHappyPath does, but interleaved: in each round every client makes
// one batch of calls, in a fresh random order, and its time is divided by
// plain net/http's time of the same round. The median of those paired
// ratios is robust to what else the machine is doing, which on a shared
// 2-core box moves a plain benchmark's ns/op by ±30 %. Allocations per call
// come from testing.AllocsPerRun and are exact.
//
//	go run ./cmd/happyratio                      # mem and loopback, GET and POST
//	go run ./cmd/happyratio -inner mem -rounds 60
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rebound-go/rebound/bench/clients"
	"github.com/rebound-go/rebound/bench/harness"
)

func main() {
	rounds := flag.Int("rounds", 40, "rounds; each client makes one batch per round")
	batchTime := flag.Duration("batch", 20*time.Millisecond, "how long one batch of net/http calls takes; every client makes that many calls a batch")
	inners := flag.String("inner", "mem,loopback", "inner transports: mem, loopback")
	which := flag.String("clients", "", "only clients whose name matches this regexp (net/http always runs)")
	flag.Parse()
	re, err := regexp.Compile(*which)
	if err != nil {
		fmt.Fprintln(os.Stderr, "happyratio:", err)
		os.Exit(1)
	}
	var cs []clients.Constructor
	for _, c := range clients.All() {
		if c.Name == clients.Baseline || re.MatchString(c.Name) {
			cs = append(cs, c)
		}
	}
	srv := harness.NewHappyServer()
	defer srv.Close()

	fmt.Printf("%s, %s/%s, %d CPUs; %d rounds, each client one batch a round (as many calls as %s needs %v for), in random order; × is the median of per-round ratios to %s, [p25, p75] their spread.\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), *rounds, clients.Baseline, *batchTime, clients.Baseline)
	for _, inner := range strings.Split(*inners, ",") {
		for _, op := range []string{http.MethodGet, http.MethodPost} {
			var (
				url   string
				newRT func() (http.RoundTripper, func())
			)
			switch inner {
			case "mem":
				url = "http://example.test/"
				newRT = func() (http.RoundTripper, func()) { return harness.MemTransport{}, func() {} }
			case "loopback":
				url = srv.URL
				newRT = func() (http.RoundTripper, func()) {
					t := clients.NewHTTPTransport()
					return t, t.CloseIdleConnections
				}
			default:
				fmt.Fprintln(os.Stderr, "happyratio: unknown inner", inner)
				os.Exit(1)
			}
			fmt.Printf("#### %s %s\n\n%s", inner, op, measure(cs, newRT, op, url, *rounds, *batchTime))
		}
	}
}

type subject struct {
	name   string
	client clients.Client
	ns     []float64 // per round
	allocs float64
}

func measure(cs []clients.Constructor, newRT func() (http.RoundTripper, func()), op, url string, rounds int, batchTime time.Duration) string {
	ctx := context.Background()
	var subs []*subject
	batch := 0
	for _, c := range cs {
		rt, done := newRT()
		defer done()
		cl, err := c.New(rt, clients.DefaultSettings())
		if err != nil {
			fmt.Fprintln(os.Stderr, "happyratio:", err)
			os.Exit(1)
		}
		s := &subject{name: c.Name, client: cl}
		call := func() {
			if err := harness.HappyCall(ctx, cl, op, url); err != nil {
				fmt.Fprintf(os.Stderr, "happyratio: %s: %v\n", c.Name, err)
				os.Exit(1)
			}
		}
		if batch == 0 { // the baseline, first: how many calls fill batchTime
			for start := time.Now(); time.Since(start) < batchTime; batch++ {
				call()
			}
		}
		for range batch / 4 { // warm up: connections, pools
			call()
		}
		s.allocs = testing.AllocsPerRun(200, call)
		subs = append(subs, s)
	}
	order := slices.Clone(subs)
	for range rounds {
		rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, s := range order {
			runtime.GC()
			start := time.Now()
			for range batch {
				harness.HappyCall(ctx, s.client, op, url)
			}
			s.ns = append(s.ns, float64(time.Since(start).Nanoseconds())/float64(batch))
		}
	}
	base := subs[0] // the baseline comes first in clients.All
	var b strings.Builder
	b.WriteString("| client | ns/op | × " + base.name + " | [p25, p75] | allocs/op | allocs − " + base.name + " |\n|---|--:|--:|--:|--:|--:|\n")
	for _, s := range subs {
		ratios := make([]float64, rounds)
		for i := range ratios {
			ratios[i] = s.ns[i] / base.ns[i]
		}
		fmt.Fprintf(&b, "| %s | %.0f | %.2f | [%.2f, %.2f] | %.0f | %+.0f |\n", s.name, quantile(s.ns, 0.5),
			quantile(ratios, 0.5), quantile(ratios, 0.25), quantile(ratios, 0.75), s.allocs, s.allocs-base.allocs)
	}
	b.WriteString("\n")
	return b.String()
}

func quantile(vs []float64, q float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1)+0.5)]
}
