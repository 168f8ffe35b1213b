package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// TestVerboseIsLive shows -v printing an attempt while it is in flight:
// the server holds its answer until the test has read the attempt's line.
func TestVerboseIsLive(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		io.WriteString(w, "late")
	}))
	defer srv.Close()
	c := startCmd(t, t.Context(), false, "get", "-v", srv.URL+"/x")
	c.waitLine(t, "* attempt 1: GET "+srv.URL+"/x")
	if !c.running() {
		t.Fatal("the attempt line came only after the call ended")
	}
	close(release)
	code, stderr := c.wait(t)
	if code != exitOK || c.stdout.String() != "late" {
		t.Fatalf("exit %d, stdout %q; stderr:\n%s", code, c.stdout.String(), stderr)
	}
	for _, want := range []string{"* attempt 1: 200 OK in ", "* 200 OK after 1 attempt in "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestWaitsAreLiveAndCtrlCExits130 reads the line of a wait while the
// wait is on, then interrupts the command as Ctrl-C would: it ends at
// once with status 130.
func TestWaitsAreLiveAndCtrlCExits130(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter string
		args       []string
		tty        bool
		want       string
	}{
		{name: "backoff", args: []string{"-v", "-backoff", "const:1h"},
			want: "* retrying in 1h0m0s (2 attempts left)"},
		{name: "retry-after", retryAfter: "20", args: []string{"-v", "-attempts", "4", "-backoff", "const:1ms"},
			want: "after the server's Retry-After (3 attempts left)"},
		{name: "unlimited", args: []string{"-v", "-attempts", "-1", "-backoff", "const:1h"},
			want: "* retrying in 1h0m0s (no attempt limit)"},
		{name: "terminal without -v", tty: true, args: []string{"-backoff", "const:1h"},
			want: "rebound: 503 Service Unavailable; retrying in 1h0m0s (2 attempts left)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(http.StatusServiceUnavailable)
			}))
			defer srv.Close()
			ctx, cancel := context.WithCancelCause(t.Context())
			defer cancel(nil)
			c := startCmd(t, ctx, tc.tty, append([]string{"get", srv.URL}, tc.args...)...)
			c.waitLine(t, tc.want)
			cancel(signalError{os.Interrupt})
			code, stderr := c.wait(t)
			if code != 130 || !strings.HasSuffix(stderr, "rebound: interrupted") {
				t.Errorf("exit %d, want 130 and a last line \"rebound: interrupted\"; stderr:\n%s", code, stderr)
			}
			if hits.Load() != 1 {
				t.Errorf("server saw %d requests, want 1", hits.Load())
			}
		})
	}
}

func TestSignalExitCodes(t *testing.T) {
	for _, tc := range []struct {
		sig  os.Signal
		want int
	}{{os.Interrupt, 130}, {syscall.SIGTERM, 143}} {
		if got := (signalError{tc.sig}).exitCode(); got != tc.want {
			t.Errorf("%v: exit %d, want %d", tc.sig, got, tc.want)
		}
	}
}

func TestRetryLinesOnlyOnATerminal(t *testing.T) {
	for _, tc := range []struct {
		name     string
		tty      bool
		args     []string
		wantLine bool
	}{
		{name: "terminal", tty: true, wantLine: true},
		{name: "terminal, -s", tty: true, args: []string{"-s"}},
		{name: "pipe", tty: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, srv := newScript(t, 503, 200)
			code, _, stderr := runEnv(t, tc.tty, "", append([]string{"get", "-backoff", fast, srv.URL}, tc.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr)
			}
			if got := strings.Contains(stderr, "rebound: 503 Service Unavailable; retrying in 1ms (2 attempts left)\n"); got != tc.wantLine {
				t.Errorf("retry line printed: %v, want %v; stderr:\n%s", got, tc.wantLine, stderr)
			}
			if !tc.wantLine && stderr != "" {
				t.Errorf("stderr %q, want nothing", stderr)
			}
		})
	}
}
