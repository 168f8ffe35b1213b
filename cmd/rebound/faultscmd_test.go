package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/rebound-go/rebound/faults"
)

func TestFaultsServesAndReports(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	var errOut strings.Builder
	done := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"faults", "-addr", "127.0.0.1:0", "-rate-503", "1", "-retry-after", "2s"},
			&env{stdin: strings.NewReader(""), stdout: pw, stderr: &errOut})
		pw.Close()
		done <- code
	}()
	out := bufio.NewScanner(pr)
	if !out.Scan() {
		t.Fatalf("no output; stderr: %s", errOut.String())
	}
	url, ok := strings.CutPrefix(out.Text(), "rebound faults: serving ")
	if !ok {
		t.Fatalf("first line %q", out.Text())
	}
	for range 3 {
		resp, err := http.Get(url + "/anything")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "2" {
			t.Errorf("got %s with Retry-After %q, want 503 with 2", resp.Status, resp.Header.Get("Retry-After"))
		}
	}
	cancel() // as SIGINT would
	var rest []string
	for out.Scan() {
		rest = append(rest, out.Text())
	}
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
	text := strings.Join(rest, "\n")
	for _, want := range []string{"requests 3: forwarded 0", "faults: status 3, reset 0", "responses: 503: 3", "connections: 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("stats lack %q:\n%s", want, text)
		}
	}
}

func TestFaultsDuration(t *testing.T) {
	code, out, errOut := runCmd(t, "", "faults", "-addr", "127.0.0.1:0", "-duration", "1ms")
	if code != 0 || !strings.Contains(out, "requests 0") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if errOut != "" {
		t.Errorf("on loopback, stderr %q: want no warning", errOut)
	}
}

// Listening beyond loopback is worth a warning: the server answers
// whoever reaches it.
func TestFaultsWarnsBeyondLoopback(t *testing.T) {
	code, _, errOut := runCmd(t, "", "faults", "-addr", "0.0.0.0:0", "-duration", "1ms")
	if code != 0 || !strings.Contains(errOut, "warning: listening on") || !strings.Contains(errOut, "beyond loopback") {
		t.Errorf("-addr 0.0.0.0:0: exit %d, stderr %q: want a warning", code, errOut)
	}
	for _, tc := range []struct {
		addr net.Addr
		want bool
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, true},
		{&net.TCPAddr{IP: net.IPv4(127, 1, 2, 3)}, true},
		{&net.TCPAddr{IP: net.IPv6loopback}, true},
		{&net.TCPAddr{IP: net.IPv4zero}, false},
		{&net.TCPAddr{IP: net.IPv6unspecified}, false},
		{&net.TCPAddr{IP: net.IPv4(192, 168, 1, 10)}, false},
		{&net.UnixAddr{Name: "/tmp/s", Net: "unix"}, true},
	} {
		if got := loopbackOnly(tc.addr); got != tc.want {
			t.Errorf("loopbackOnly(%v) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

func TestFaultsPrintScenarioRoundTrips(t *testing.T) {
	args := []string{"faults", "-print-scenario", "-rate-503", "0.2", "-retry-after", "1s", "-rate-reset", "5%", "-latency", "200ms@5%", "-outage", "1s-2s"}
	code, out, errOut := runCmd(t, "", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got, err := faults.ParseScenario([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want, err := scenarioOf(args[2:]...)
	if err != nil || got.Seed != want.Seed || len(got.Faults) != 2 || got.Faults[0] != want.Faults[0] || got.Latency[0] != want.Latency[0] || got.Outages[0] != want.Outages[0] {
		t.Errorf("printed %+v, want %+v (%v)", got, want, err)
	}
}

func TestFaultsUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"faults", "extra"},
		{"faults", "-rate-503", "2"},
		{"faults", "-latency", "soon"},
	} {
		if code, _, _ := runCmd(t, "", args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, errOut := runCmd(t, "", "faults", "-addr", "256.0.0.1:1"); code != exitError {
		t.Errorf("bad address: exit %d, want %d (%s)", code, exitError, errOut)
	}
}
