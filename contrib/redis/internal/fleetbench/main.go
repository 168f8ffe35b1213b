// Command fleetbench measures rebound's fleet-wide guards (package fleet on
// contrib/redis) with real OS processes: it starts a redis-server of its
// own and one loopback fault server, then runs the same workload from N
// worker processes (copies of itself) with each process's guards alone
// (local) and with the guards shared through Redis (shared), one after the
// other in the same run:
//
//   - outage: every process calls at -rate a second; the server answers 503
//     for -outage of the -duration run. Breaker and adaptive budget.
//   - quota: the server allows -quota requests a second for one credential,
//     429 beyond; every process wants -want a second. Local: each process
//     alone (pacing on the server's headers); shared: a fleet-wide GCRA
//     quota of -quota a second on Redis. One attempt per call.
//   - lost: shared guards and quota on a healthy server while Redis is
//     stopped for a second mid-run and started again on the same port.
//
// It prints a table, and with -check exits 1 when a goal is missed.
//
// Usage: go run ./internal/fleetbench [-procs 8] [-duration 10s] [-short] [-check]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

func main() {
	var j job
	worker := flag.Bool("worker", false, "run as a worker (the driver starts these)")
	flag.StringVar(&j.Scenario, "scenario", "", "worker: outage, quota or lost")
	flag.BoolVar(&j.Shared, "shared", false, "worker: share the guards through Redis")
	flag.StringVar(&j.URL, "url", "", "worker: the fault server's URL")
	flag.StringVar(&j.Redis, "redis", "", "worker: Redis address")
	start := flag.Int64("start", 0, "worker: start time, Unix nanoseconds")
	flag.DurationVar(&j.Duration, "d", 0, "worker: how long to start calls")
	flag.Float64Var(&j.Rate, "r", 0, "worker: calls a second")
	flag.IntVar(&j.Quota, "q", 0, "worker: the shared quota, requests a second")

	var o options
	flag.IntVar(&o.procs, "procs", 8, "worker processes")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each run")
	flag.DurationVar(&o.outage, "outage", 2*time.Second, "how long the server answers 503 in the outage run")
	flag.Float64Var(&o.rate, "rate", 50, "calls a second per process in the outage and lost runs")
	flag.IntVar(&o.quota, "quota", 200, "requests a second the server allows the credential")
	flag.Float64Var(&o.want, "want", 100, "calls a second each process wants in the quota run")
	short := flag.Bool("short", false, "a short run for CI: 4 s runs, a 1 s outage")
	flag.BoolVar(&o.check, "check", false, "exit 1 when a goal is missed")
	flag.Parse()

	if *worker {
		j.Start = time.Unix(0, *start)
		if err := runWorker(j); err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(1)
		}
		return
	}
	if *short {
		o.duration, o.outage = 4*time.Second, time.Second
	}
	ok, err := drive(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleetbench:", err)
		os.Exit(2)
	}
	if o.check && !ok {
		os.Exit(1)
	}
}

type options struct {
	procs            int
	duration, outage time.Duration
	rate, want       float64
	quota            int
	check            bool
}

// spawn runs o.procs workers of j, starting together at j.Start, and
// returns their tallies.
func spawn(o options, j job) ([]tally, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	out := make([]tally, o.procs)
	errs := make([]error, o.procs)
	var wg sync.WaitGroup
	for i := range o.procs {
		wg.Go(func() {
			cmd := exec.Command(self, "-worker", "-scenario", j.Scenario, "-shared="+strconv.FormatBool(j.Shared),
				"-url", j.URL, "-redis", j.Redis, "-start", strconv.FormatInt(j.Start.UnixNano(), 10),
				"-d", j.Duration.String(), "-r", strconv.FormatFloat(j.Rate, 'g', -1, 64), "-q", strconv.Itoa(j.Quota))
			var stdout bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, io.Discard
			if os.Getenv("FLEETBENCH_VERBOSE") != "" {
				cmd.Stderr = os.Stderr
			}
			if errs[i] = cmd.Run(); errs[i] == nil {
				errs[i] = json.Unmarshal(stdout.Bytes(), &out[i])
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("worker: %w", err)
		}
	}
	return out, nil
}

func sum(ts []tally) tally {
	var s tally
	for _, t := range ts {
		s.Sent += t.Sent
		s.OK += t.OK
		s.TooMany += t.TooMany
		s.Unavailable += t.Unavailable
		s.Refused += t.Refused
		s.Failed += t.Failed
		s.Syncs += t.Syncs
		s.QuotaTrips += t.QuotaTrips
		s.QuotaFallbacks += t.QuotaFallbacks
	}
	return s
}

// serve starts the fault server on a loopback port.
func serve(s *faultServer) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	return "http://" + l.Addr().String(), func() { srv.Close() }, nil
}
