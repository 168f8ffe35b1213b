package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/faults"
	"github.com/rebound-go/rebound/internal/lab"
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
	outage         time.Duration
	outageAt       time.Duration
	scenarioFile   string
	report         string
	serial         bool
	printScenario  bool
}

func labFlags(w io.Writer) (*flag.FlagSet, *labOptions) {
	o := new(labOptions)
	fs := newFlagSet("lab", labUsage, w)
	fs.IntVar(&o.n, "n", lab.DefaultN, "calls per client")
	fs.IntVar(&o.c, "c", lab.DefaultC, "calls in flight at once, per client")
	fs.Float64Var(&o.rate, "rate", 200, "calls each client may start per second (0: as fast as it goes)")
	fs.IntVar(&o.attempts, "attempts", 0, "attempts per call of the rebound clients (0: rebound's default, 3)")
	fs.StringVar(&o.backoff, "backoff", "", backoffHelp)
	fs.DurationVar(&o.maxRetryAfter, "max-retry-after", 2*time.Second, "longest Retry-After the rebound clients wait for")
	fs.DurationVar(&o.attemptTimeout, "attempt-timeout", 500*time.Millisecond, "bound on each attempt of rebound+guards (0: none)")
	fs.DurationVar(&o.callTimeout, "call-timeout", lab.DefaultCallTimeout, "bound on each call of every client")
	fs.DurationVar(&o.outage, "outage", 2*time.Second, "length of the default scenario's outage (0: none)")
	fs.DurationVar(&o.outageAt, "outage-at", 0, "start of the outage, from each client's start (0: 40 % into the run at -rate)")
	fs.StringVar(&o.scenarioFile, "scenario", "", "read the scenario from this JSON `FILE` instead (see rebound faults -print-scenario)")
	fs.StringVar(&o.report, "report", filepath.Join(os.TempDir(), "rebound-lab.html"), "write the HTML report to `FILE` (\"\": none)")
	fs.BoolVar(&o.serial, "serial", false, "run the clients one after the other, not at once (slower; they no longer share the CPU)")
	fs.BoolVar(&o.printScenario, "print-scenario", false, "print the scenario as JSON and exit")
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
	fmt.Fprintf(e.stdout, "rebound lab: %s\nfaults: %s\nrebound policy: %s\n\n", info.Workload, lab.Describe(cfg.Scenario), info.Policy)
	results, err := lab.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "rebound lab: %v\n", err)
		return exitError
	}
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "rebound lab: interrupted")
		return exitError
	}
	if err := lab.WriteTable(e.stdout, results); err != nil {
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
	fmt.Fprintf(e.stdout, "\nreport: %s\n", path)
	return exitOK
}

// config turns the flags into the lab's configuration and the report's
// description of it.
func (o *labOptions) config(set func(string) bool) (lab.Config, lab.ReportInfo, error) {
	var none lab.Config
	switch {
	case o.n <= 0 || o.c <= 0:
		return none, lab.ReportInfo{}, fmt.Errorf("-n and -c must be positive")
	case o.rate < 0 || o.callTimeout <= 0 || o.outage < 0 || o.outageAt < 0 || o.attemptTimeout < 0:
		return none, lab.ReportInfo{}, fmt.Errorf("-rate, -outage, -outage-at and -attempt-timeout cannot be negative, -call-timeout must be positive")
	case o.attempts < 0:
		return none, lab.ReportInfo{}, fmt.Errorf("-attempts cannot be negative in the lab")
	}
	b, err := parseBackoff(o.backoff)
	if err != nil {
		return none, lab.ReportInfo{}, err
	}
	s, err := o.scenario(set)
	if err != nil {
		return none, lab.ReportInfo{}, err
	}
	p := rebound.Policy{Attempts: o.attempts, Backoff: b, MaxRetryAfter: o.maxRetryAfter}
	if err := p.Validate(); err != nil {
		return none, lab.ReportInfo{}, err
	}
	cfg := lab.Config{
		N: o.n, C: o.c, Rate: o.rate, CallTimeout: o.callTimeout,
		Scenario: s, Clients: lab.Clients(p, o.attemptTimeout), Serial: o.serial,
	}
	info := lab.ReportInfo{Workload: o.workload(), Policy: o.policy(), Scenario: s, Date: time.Now()}
	return cfg, info, nil
}

// scenario is the -scenario file's, or the default with the outage asked for.
func (o *labOptions) scenario(set func(string) bool) (faults.Scenario, error) {
	if o.scenarioFile == "" {
		at := o.outageAt
		if at == 0 {
			at = 500 * time.Millisecond
			if o.rate > 0 {
				at = time.Duration(0.4 * float64(o.n) / o.rate * float64(time.Second))
			}
		}
		return lab.DefaultScenario(at, o.outage), nil
	}
	if set("outage") || set("outage-at") {
		return faults.Scenario{}, fmt.Errorf("-scenario excludes -outage and -outage-at: put the outage in the file")
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

func (o *labOptions) workload() string {
	pace := "as fast as they go"
	if o.rate > 0 {
		pace = fmt.Sprintf("at most %g a second", o.rate)
	}
	together := "all clients at once"
	if o.serial {
		together = "one client after another"
	}
	return fmt.Sprintf("%d GETs per client, %d at a time, %s; each client against a fault server of its own, %s",
		o.n, o.c, pace, together)
}

func (o *labOptions) policy() string {
	attempts := "3 attempts (default)"
	if o.attempts > 0 {
		attempts = fmt.Sprintf("%d attempts", o.attempts)
	}
	bo := "backoff exp:100ms:5s:equal (default)"
	if o.backoff != "" {
		bo = "backoff " + o.backoff
	}
	b := lab.GuardBreaker()
	guards := fmt.Sprintf("rebound+guards adds the adaptive retry budget, a breaker per host (opens at %g %% failures of the last %d attempts, for %v), hedging at the host's p95 latency",
		100*b.FailureRate, b.WindowSize, b.OpenTimeout)
	if o.attemptTimeout > 0 {
		guards += fmt.Sprintf(" and a %v attempt timeout", o.attemptTimeout)
	}
	return fmt.Sprintf("%s, %s, Retry-After up to %v; %s", attempts, bo, o.maxRetryAfter, guards)
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
