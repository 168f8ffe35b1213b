package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rebound-go/rebound/faults"
)

func TestLabCommand(t *testing.T) {
	report := filepath.Join(t.TempDir(), "lab.html")
	code, out, errOut := runCmd(t, "", "lab", "-n", "60", "-c", "4", "-rate", "0", "-outage-at", "50ms", "-outage", "100ms",
		"-attempts", "3", "-backoff", "exp:1ms:10ms", "-report", report)
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	for _, want := range []string{
		"60 GETs per client, 4 at a time", "outage 503 50ms–150ms", "3 attempts, backoff exp:1ms:10ms",
		"client", "server req/call", "p99.9", "conns",
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
