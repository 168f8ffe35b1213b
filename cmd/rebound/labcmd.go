package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/faults"
	"github.com/rebound-go/rebound/internal/lab"
)

const labHelp = `Usage: rebound lab [flags]

Runs one workload of GETs through four clients side by side, each against
a fault server of its own on loopback with the same faults:

	net/http        no retries
	naive loop      a hand-written loop: -attempts attempts 100 ms apart,
	                closing failed responses without draining them
	rebound         rebound with the policy of -attempts and -backoff
	rebound+guards  rebound.Recommended(): the same policy with the adaptive
	                retry budget and a breaker per host that rides out a
	                short outage (calls wait for the host, then come back
	                at a ramp)

Calls start at -rate whatever became of the calls before them, as a
service's calls come from its own users. The default scenario fails 15 %
of attempts (503s, some with Retry-After, 429s and connection resets),
delays 5 % by 200 ms, and stops the server for -outage (20 % of the run)
from -outage-at (40 % of the way in); attempt n of call i meets the same
fault in every client. The table shows, per client, the share of calls
that succeeded, the requests the server saw per call and the connections
it accepted (from the server's own counters), latency percentiles of all
calls, the server's load during the outage and in its busiest second
after it (as multiples of its steady load), and the wall time; a "*"
marks the best value of each column, and footnotes say what each client
does. -report writes the same with charts to a self-contained HTML file;
-json and -csv print the figures for machines instead of the table.

-target URL runs the same clients against your own server, at a modest
pace (-n 100 and -rate 10 per client unless given), with the scenario's
faults injected on the client side, or none with -no-faults.

Examples:

	rebound lab
	rebound lab -n 4000 -rate 400 -attempts 5 -backoff exp:50ms:1s
	rebound lab -outage 3s -outage-at 2s -json > lab.json
	rebound lab -print-scenario > s.json && rebound lab -scenario s.json
	rebound lab -target http://localhost:8080/health -no-faults
`

// Defaults of -n, -rate and -c with -target: modest, since the server is
// someone's own.
const (
	labTargetN    = 100
	labTargetRate = 10
	labTargetC    = 32
)

// labOptions are the flags of `rebound lab`.
type labOptions struct {
	n, c           int
	rate           float64
	attempts       int
	backoff        string
	maxRetryAfter  time.Duration
	attemptTimeout time.Duration
	callTimeout    time.Duration
	outage         runShare
	outageAt       runShare
	scenarioFile   string
	report         string
	serial         bool
	printScenario  bool
	json, csv      bool
	target         string
	noFaults       bool
}

func labFlags(w io.Writer) (*flag.FlagSet, *labOptions) {
	o := &labOptions{outage: runShare{share: 0.2, isShare: true}, outageAt: runShare{share: 0.4, isShare: true}}
	fs := newFlagSet("lab", labHelp, w)
	fs.IntVar(&o.n, "n", lab.DefaultN, fmt.Sprintf("calls per client (%d with -target)", labTargetN))
	fs.IntVar(&o.c, "c", lab.DefaultC, fmt.Sprintf("most calls in flight at once, per client (%d with -target)", labTargetC))
	fs.Float64Var(&o.rate, "rate", lab.DefaultRate, fmt.Sprintf("calls each client starts per second (%d with -target; 0: each of -c callers starts its next call when its last ends)", labTargetRate))
	fs.IntVar(&o.attempts, "attempts", rebound.Recommended().Policy.Attempts, "attempts per call of every retrying client, the first included")
	fs.StringVar(&o.backoff, "backoff", "", backoffHelp)
	fs.DurationVar(&o.maxRetryAfter, "max-retry-after", 0, "longest Retry-After the rebound clients wait for (0: rebound's 30s)")
	fs.DurationVar(&o.attemptTimeout, "attempt-timeout", 0, "bound on each attempt of rebound+guards (0: none, as rebound.Recommended)")
	fs.DurationVar(&o.callTimeout, "call-timeout", lab.DefaultCallTimeout, "bound on each call of every client")
	fs.Var(&o.outage, "outage", "length of the default scenario's outage: a `DURATION` or a share of the run such as 20% (0: none)")
	fs.Var(&o.outageAt, "outage-at", "start of the outage, from each client's start: a `DURATION` or a share of the run")
	fs.StringVar(&o.scenarioFile, "scenario", "", "read the scenario from this JSON `FILE` instead (see rebound faults -print-scenario)")
	fs.StringVar(&o.report, "report", filepath.Join(os.TempDir(), "rebound-lab.html"), "write the HTML report to `FILE` (\"\": none)")
	fs.BoolVar(&o.serial, "serial", false, "run the clients one after the other, not at once (slower; they no longer share the CPU)")
	fs.BoolVar(&o.printScenario, "print-scenario", false, "print the scenario as JSON and exit")
	fs.BoolVar(&o.json, "json", false, "print the results as JSON instead of the table")
	fs.BoolVar(&o.csv, "csv", false, "print the results as CSV instead of the table")
	fs.StringVar(&o.target, "target", "", "call this `URL` instead of the embedded fault servers, with the faults injected on the client side")
	fs.BoolVar(&o.noFaults, "no-faults", false, "inject no faults (with -target: call it as it is)")
	return fs, o
}

// runLab runs `rebound lab`.
func runLab(ctx context.Context, args []string, e *env) int {
	fs, o := labFlags(e.stderr)
	pos, err := parseArgs(fs, args)
	if code := parseStatus(err); code >= 0 {
		return code
	}
	if len(pos) > 0 {
		return usageError(e.stderr, "lab", "unexpected argument %q", pos[0])
	}
	cfg, info, err := o.config(flagSet(fs))
	if err != nil {
		return usageError(e.stderr, "lab", "%v", err)
	}
	if o.printScenario {
		return printScenario(e.stdout, cfg.Scenario)
	}
	if e.tty {
		cfg.Progress = e.stderr
	}
	if !o.json && !o.csv {
		fmt.Fprintf(e.stdout, "rebound lab: %s\nfaults: %s\nrebound policy: %s\n\n", info.Workload, lab.Describe(cfg.Scenario), info.Policy)
	}
	results, err := lab.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "rebound lab: %v\n", err)
		return exitError
	}
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "rebound lab: interrupted")
		return exitError
	}
	return o.output(e, info, results)
}

// output prints the results as the flags ask, and writes the report.
func (o *labOptions) output(e *env, info lab.ReportInfo, results []*lab.Result) int {
	var err error
	switch {
	case o.json:
		err = lab.WriteJSON(e.stdout, info, results)
	case o.csv:
		err = lab.WriteCSV(e.stdout, results)
	default:
		err = lab.WriteTable(e.stdout, results)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "rebound lab: %v\n", err)
		return exitError
	}
	if o.report == "" {
		return exitOK
	}
	if err := writeReport(o.report, info, results); err != nil {
		fmt.Fprintf(e.stderr, "rebound lab: %v\n", err)
		return exitError
	}
	path := o.report
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if o.json || o.csv {
		fmt.Fprintf(e.stderr, "report: %s\n", path)
	} else {
		fmt.Fprintf(e.stdout, "\nreport: %s\n", path)
	}
	return exitOK
}

// config turns the flags into the lab's configuration and the report's
// description of it.
func (o *labOptions) config(set func(string) bool) (lab.Config, lab.ReportInfo, error) {
	var none lab.Config
	if o.target != "" {
		if err := checkLabTarget(o.target); err != nil {
			return none, lab.ReportInfo{}, err
		}
		if !set("n") {
			o.n = labTargetN
		}
		if !set("rate") {
			o.rate = labTargetRate
		}
		if !set("c") {
			o.c = labTargetC
		}
	}
	if err := o.check(set); err != nil {
		return none, lab.ReportInfo{}, err
	}
	b, err := parseBackoff(o.backoff)
	if err != nil {
		return none, lab.ReportInfo{}, err
	}
	s, err := o.scenario(set)
	if err != nil {
		return none, lab.ReportInfo{}, err
	}
	p := lab.DefaultPolicy()
	p.Attempts, p.MaxRetryAfter = o.attempts, o.maxRetryAfter
	if b != nil {
		p.Backoff = b
	}
	if err := p.Validate(); err != nil {
		return none, lab.ReportInfo{}, err
	}
	cfg := lab.Config{
		N: o.n, C: o.c, Rate: o.rate, CallTimeout: o.callTimeout, Target: o.target,
		Scenario: s, Clients: lab.Clients(p, o.attemptTimeout), Serial: o.serial,
	}
	info := lab.ReportInfo{Workload: o.workload(s, len(cfg.Clients)), Policy: lab.DescribePolicy(p), Scenario: s, Date: time.Now()}
	return cfg, info, nil
}

// check rejects flags out of range, and flags that exclude one another.
func (o *labOptions) check(set func(string) bool) error {
	switch {
	case o.n <= 0:
		return fmt.Errorf("-n %d: must be positive", o.n)
	case o.c <= 0:
		return fmt.Errorf("-c %d: must be positive", o.c)
	case o.rate < 0:
		return fmt.Errorf("-rate %g: cannot be negative", o.rate)
	case o.callTimeout <= 0:
		return fmt.Errorf("-call-timeout %v: must be positive", o.callTimeout)
	case o.attemptTimeout < 0:
		return fmt.Errorf("-attempt-timeout %v: cannot be negative", o.attemptTimeout)
	case o.attempts < 1:
		return fmt.Errorf("-attempts %d: the lab needs at least 1", o.attempts)
	case o.json && o.csv:
		return fmt.Errorf("-json and -csv exclude each other")
	case o.rate == 0 && (o.outage.isShare && set("outage") || o.outageAt.isShare && set("outage-at")):
		return fmt.Errorf("-outage and -outage-at as a share of the run need -rate: at -rate 0 the run's length is not known; give a duration")
	}
	for _, name := range []string{"outage", "outage-at", "scenario"} {
		if o.noFaults && set(name) {
			return fmt.Errorf("-no-faults excludes -%s", name)
		}
	}
	if o.scenarioFile != "" && (set("outage") || set("outage-at")) {
		return fmt.Errorf("-scenario excludes -outage and -outage-at: put the outage in the file")
	}
	return nil
}

// checkLabTarget accepts an http or https URL with a host.
func checkLabTarget(target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("-target %q: %w", target, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-target %q: want an http:// or https:// URL with a host", target)
	}
	return nil
}

// run is how long the workload lasts at -rate; 0 when unpaced.
func (o *labOptions) run() time.Duration {
	if o.rate <= 0 {
		return 0
	}
	return time.Duration(float64(o.n) / o.rate * float64(time.Second))
}

// scenario is the -scenario file's, none with -no-faults, or the default
// with the outage asked for.
func (o *labOptions) scenario(set func(string) bool) (faults.Scenario, error) {
	switch {
	case o.noFaults:
		return faults.Scenario{IDHeader: lab.IDHeader, AttemptHeader: lab.AttemptHeader}, nil
	case o.scenarioFile == "":
		at, length := o.outageAt.of(o.run()), o.outage.of(o.run())
		if o.run() == 0 { // unpaced: the run's length is not known, shares mean the defaults below
			if o.outageAt.isShare {
				at = 500 * time.Millisecond
			}
			if o.outage.isShare {
				length = 2 * time.Second
			}
		}
		return lab.DefaultScenario(at, length), nil
	}
	s, err := loadScenarioFile(o.scenarioFile)
	if err != nil {
		return faults.Scenario{}, err
	}
	if s.IDHeader != lab.IDHeader || s.AttemptHeader != lab.AttemptHeader {
		return faults.Scenario{}, fmt.Errorf("%s: the lab needs \"id_header\": %q and \"attempt_header\": %q, so every client meets the same faults",
			o.scenarioFile, lab.IDHeader, lab.AttemptHeader)
	}
	return s, nil
}

// workload describes the workload of clients clients in a line, with the
// share of the run each outage covers.
func (o *labOptions) workload(s faults.Scenario, clients int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d GETs per client", o.n)
	if run := o.run(); run > 0 {
		fmt.Fprintf(&b, " at %g a second (a run of %v), at most %d in flight", o.rate, run.Round(time.Millisecond), o.c)
	} else {
		fmt.Fprintf(&b, ", %d at a time, as fast as they go", o.c)
	}
	switch {
	case o.target == "":
		b.WriteString("; each client against a fault server of its own")
	case o.noFaults:
		fmt.Fprintf(&b, "; against %s, no faults injected", o.target)
	default:
		fmt.Fprintf(&b, "; against %s, faults injected on the client side", o.target)
	}
	switch {
	case o.serial:
		b.WriteString(", one client after another")
	case o.target != "" && o.rate > 0:
		fmt.Fprintf(&b, ", all clients at once: at most %g calls a second in all, plus retries", float64(clients)*o.rate)
	default:
		b.WriteString(", all clients at once")
	}
	if run := o.run(); run > 0 {
		for _, w := range s.Outages {
			fmt.Fprintf(&b, "; the outage (%v–%v) covers %.0f %% of the run, from %.0f %% in",
				w.Start, w.End, 100*float64(w.End-w.Start)/float64(run), 100*float64(w.Start)/float64(run))
		}
	}
	return b.String()
}

// runShare is a flag value: a duration ("2s"), or a share of the run
// ("20%").
type runShare struct {
	d       time.Duration
	share   float64
	isShare bool
}

func (s *runShare) String() string {
	if s == nil {
		return ""
	}
	if s.isShare {
		return strconv.FormatFloat(100*s.share, 'g', -1, 64) + "%"
	}
	return s.d.String()
}

func (s *runShare) Set(v string) error {
	if p, ok := strings.CutSuffix(strings.TrimSpace(v), "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f < 0 || f > 100 {
			return fmt.Errorf("%q is not a share of the run from 0%% to 100%%", v)
		}
		*s = runShare{share: f / 100, isShare: true}
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return fmt.Errorf("%q is neither a duration such as 2s nor a share of the run such as 20%%", v)
	}
	*s = runShare{d: d}
	return nil
}

// of is the duration the value stands for in a run of length run.
func (s runShare) of(run time.Duration) time.Duration {
	if s.isShare {
		return time.Duration(s.share * float64(run)).Round(time.Millisecond)
	}
	return s.d
}

func writeReport(path string, info lab.ReportInfo, results []*lab.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := lab.WriteReport(f, info, results); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
