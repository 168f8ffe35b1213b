package main

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rebound-go/rebound/faults"
	"github.com/rebound-go/rebound/internal/lab"
)

func TestLabCommand(t *testing.T) {
	report := filepath.Join(t.TempDir(), "lab.html")
	code, out, errOut := runCmd(t, "", "lab", "-n", "60", "-c", "4", "-rate", "0", "-outage-at", "50ms", "-outage", "100ms",
		"-attempts", "3", "-backoff", "exp:1ms:10ms", "-report", report)
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	for _, want := range []string{
		"60 GETs per client, 4 at a time", "outage 503 50ms–150ms", "3 attempts, backoff 1ms doubling to 10ms with equal jitter",
		"client", "server req/call", "p99.9", "conns", "in outage", "after outage", "* the best value of its column",
		"rebound+guards  rebound.Recommended()",
		"\nnet/http ", "\nnaive loop ", "\nrebound ", "\nrebound+guards ", "report: " + report,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if errOut != "" {
		t.Errorf("stderr is not a terminal, yet it got %q", errOut)
	}
	page, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(page), `<pre id="selfcheck"`) {
		t.Errorf("report: %v", err)
	}
}

func TestLabPrintScenario(t *testing.T) {
	code, out, _ := runCmd(t, "", "lab", "-print-scenario", "-n", "1000", "-rate", "100")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	s, err := faults.ParseScenario([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Outages) != 1 || s.Outages[0].Start.Seconds() != 4 || s.Outages[0].End.Seconds() != 6 {
		t.Errorf("outages %+v: want 4s–6s, 40 %% into 1000 calls at 100 a second", s.Outages)
	}
	// The printed scenario is one the lab accepts back.
	file := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out2, errOut := runCmd(t, "", "lab", "-print-scenario", "-scenario", file); code != 0 || out2 != out {
		t.Errorf("-scenario of the printed one: exit %d, %q, %s", code, out2, errOut)
	}
}

func TestLabUsageErrors(t *testing.T) {
	noHeaders := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(noHeaders, []byte(`{"faults": [{"kind": "reset", "rate": 0.1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"lab", "-n", "0"},
		{"lab", "-c", "-1"},
		{"lab", "-rate", "-5"},
		{"lab", "-attempts", "-1"},
		{"lab", "-backoff", "soon"},
		{"lab", "-scenario", noHeaders}, // every client must meet the same faults
		{"lab", "-scenario", noHeaders, "-outage", "1s"},
		{"lab", "extra"},
		{"lab", "-attempts", "0"},
		{"lab", "-json", "-csv"},
		{"lab", "-rate", "0", "-outage", "20%"}, // a share of a run of unknown length
		{"lab", "-outage", "soon"},
		{"lab", "-outage-at", "120%"},
		{"lab", "-no-faults", "-outage", "1s"},
		{"lab", "-target", "ftp://example.com/"},
		{"lab", "-target", "http://"},
		{"lab", "-target", "localhost:8080"},
	} {
		if code, _, errOut := runCmd(t, "", args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d; stderr:\n%s", args, code, exitUsage, errOut)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, cmd := range []string{"", "get", "head", "post", "put", "delete", "faults", "lab"} {
		args := []string{"help"}
		if cmd != "" {
			args = append(args, cmd)
		}
		code, out, _ := runCmd(t, "", args...)
		if code != 0 || !strings.Contains(out, "rebound "+cmd) {
			t.Errorf("help %s: exit %d, output:\n%s", cmd, code, out)
		}
		if cmd != "" && !strings.Contains(out, "Flags:") {
			t.Errorf("help %s lists no flags:\n%s", cmd, out)
		}
	}
	if code, _, _ := runCmd(t, "", "help", "nope"); code != exitUsage {
		t.Errorf("help nope: exit %d", code)
	}
	if code, _, errOut := runCmd(t, "", "get", "-h"); code != 0 || !strings.Contains(errOut, "Usage: rebound get") {
		t.Errorf("get -h: exit %d, stderr %q", code, errOut)
	}
}

// labConfig parses a lab command line and returns what it would run.
func labConfig(t *testing.T, args ...string) (lab.Config, lab.ReportInfo) {
	t.Helper()
	fs, o := labFlags(io.Discard)
	if _, err := parseArgs(fs, args); err != nil {
		t.Fatal(err)
	}
	cfg, info, err := o.config(flagSet(fs))
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return cfg, info
}

// The default lab is the one the README promises and the lab's own test
// holds to its figures: 2000 calls at 200 a second, a 2 s outage 4 s in,
// rebound.Recommended as rebound+guards.
func TestLabDefaults(t *testing.T) {
	cfg, info := labConfig(t)
	if cfg.N != lab.DefaultN || cfg.Rate != lab.DefaultRate || cfg.C != lab.DefaultC || cfg.Target != "" {
		t.Errorf("default workload %+v", cfg)
	}
	if o := cfg.Scenario.Outages; len(o) != 1 || o[0].Start != 4*time.Second || o[0].End != 6*time.Second {
		t.Errorf("default outage %+v, want 4s–6s", o)
	}
	if len(cfg.Clients) != 4 || !strings.HasPrefix(cfg.Clients[3].Note, "rebound.Recommended()") || !strings.Contains(cfg.Clients[1].Note, "4 attempts") {
		t.Errorf("default clients %+v", cfg.Clients)
	}
	if want := "the outage (4s–6s) covers 20 % of the run, from 40 % in"; !strings.Contains(info.Workload, want) {
		t.Errorf("workload %q lacks %q", info.Workload, want)
	}
}

// -outage and -outage-at are shares of the run unless given as durations.
func TestLabOutageScalesWithTheRun(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		start, end time.Duration
		share      string
	}{
		{[]string{"-n", "600"}, 1200 * time.Millisecond, 1800 * time.Millisecond, "covers 20 % of the run, from 40 % in"},
		{[]string{"-n", "4000", "-rate", "400", "-outage", "10%"}, 4 * time.Second, 5 * time.Second, "covers 10 % of the run"},
		{[]string{"-outage", "3s", "-outage-at", "1s"}, time.Second, 4 * time.Second, "covers 30 % of the run, from 10 % in"},
		{[]string{"-rate", "0"}, 500 * time.Millisecond, 2500 * time.Millisecond, ""}, // the run's length is unknown
	} {
		cfg, info := labConfig(t, tc.args...)
		if o := cfg.Scenario.Outages; len(o) != 1 || o[0].Start != tc.start || o[0].End != tc.end {
			t.Errorf("%q: outage %+v, want %v–%v", tc.args, o, tc.start, tc.end)
		}
		if !strings.Contains(info.Workload, tc.share) {
			t.Errorf("%q: workload %q lacks %q", tc.args, info.Workload, tc.share)
		}
	}
	if cfg, _ := labConfig(t, "-outage", "0"); len(cfg.Scenario.Outages) != 0 {
		t.Errorf("-outage 0: outages %+v", cfg.Scenario.Outages)
	}
}

// --json prints the figures, and nothing else, on standard output.
func TestLabJSON(t *testing.T) {
	code, out, errOut := runCmd(t, "", "lab", "--json", "-n", "40", "-c", "4", "-rate", "0", "-outage", "0", "-attempts", "3",
		"-backoff", "const:1ms", "-report", "")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	var got lab.Output
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("parsing stdout back: %v\n%s", err, out)
	}
	if dec.More() {
		t.Errorf("more than one JSON value on stdout:\n%s", out)
	}
	if len(got.Results) != 4 || !strings.Contains(got.Workload, "40 GETs per client") || got.Scenario.IDHeader != lab.IDHeader {
		t.Fatalf("read back %+v", got)
	}
	for _, r := range got.Results {
		if r.Calls != 40 || r.Succeeded > r.Calls || r.ServerRequests < int64(r.Calls) || r.Connections < 1 || r.SuccessRate != float64(r.Succeeded)/40 {
			t.Errorf("%s: %+v", r.Client, r)
		}
	}
}

func TestLabCSV(t *testing.T) {
	code, out, errOut := runCmd(t, "", "lab", "--csv", "-n", "40", "-c", "4", "-rate", "0", "-outage", "0", "-attempts", "3",
		"-backoff", "const:1ms", "-report", "")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("parsing stdout back: %v\n%s", err, out)
	}
	if len(records) != 5 || !slices.Equal(records[0], lab.CSVHeader) || records[4][0] != "rebound+guards" || records[1][1] != "40" {
		t.Errorf("records %q", records)
	}
}

// -target runs the clients against a server of the user's: with
// -no-faults, each call is one request that reaches it.
func TestLabTarget(t *testing.T) {
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		io.WriteString(w, "fine")
	}))
	defer srv.Close()
	code, out, errOut := runCmd(t, "", "lab", "-target", srv.URL+"/health", "-no-faults", "-n", "10", "-rate", "0", "-json", "-report", "")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	var got lab.Output
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	for _, r := range got.Results {
		if r.SuccessRate != 1 || r.ServerRequests != 10 || r.Connections < 1 {
			t.Errorf("%s against a healthy target: %+v", r.Client, r)
		}
	}
	if n := seen.Load(); n != 40 {
		t.Errorf("the target saw %d requests, want 10 from each of 4 clients", n)
	}

	// With the scenario's faults, injected on the client side: the
	// faulted attempts never reach the target.
	seen.Store(0)
	code, out, errOut = runCmd(t, "", "lab", "-target", srv.URL, "-n", "50", "-rate", "0", "-outage", "0", "-attempts", "2",
		"-backoff", "const:1ms", "-max-retry-after", "-1s", "-json", "-report", "")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	var attempts int64
	for _, r := range got.Results {
		attempts += r.ServerRequests
	}
	if n := seen.Load(); n == 0 || n >= attempts {
		t.Errorf("the target saw %d requests of the %d attempts made: want the faulted ones kept on the client side", n, attempts)
	}
}

// With -target and no -n or -rate, the workload is modest, and says so.
func TestLabTargetDefaults(t *testing.T) {
	cfg, info := labConfig(t, "-target", "https://example.com/")
	if cfg.N != 100 || cfg.Rate != 10 || cfg.C != 32 || cfg.Target != "https://example.com/" {
		t.Errorf("-target workload: %d calls at %g a second, %d at most in flight", cfg.N, cfg.Rate, cfg.C)
	}
	for _, want := range []string{"100 GETs per client at 10 a second", "at most 32 in flight", "against https://example.com/, faults injected on the client side",
		"at most 40 calls a second in all"} {
		if !strings.Contains(info.Workload, want) {
			t.Errorf("workload %q lacks %q", info.Workload, want)
		}
	}
	if cfg, _ := labConfig(t, "-target", "https://example.com/", "-n", "7", "-rate", "2", "-c", "3"); cfg.N != 7 || cfg.Rate != 2 || cfg.C != 3 {
		t.Errorf("-n 7 -rate 2 -c 3 with -target: %d calls at %g a second, %d at most in flight", cfg.N, cfg.Rate, cfg.C)
	}
}
