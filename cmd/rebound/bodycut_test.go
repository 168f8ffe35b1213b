package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// cutServer answers its first request with a 200 whose body stops half
// way, the connection closed, and every later one whole.
func cutServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		if n.Add(1) == 1 {
			io.WriteString(w, strings.Repeat("a", 50))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, strings.Repeat("b", 100))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestBodyCutShortIsRetried: issue 12's `rebound get -v -attempts 5`
// against a server that cuts a 200's body, then serves it whole.
func TestBodyCutShortIsRetried(t *testing.T) {
	file := filepath.Join(t.TempDir(), "out")
	whole := strings.Repeat("b", 100)
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantHits int64
		wantOut  string
		wantErr  string
	}{
		{name: "stdout", args: []string{"-v", "-attempts", "5", "-backoff", fast}, wantCode: exitOK, wantHits: 2, wantOut: whole,
			wantErr: "* attempt 1: error after "},
		{name: "-o", args: []string{"-o", file, "-backoff", fast}, wantCode: exitOK, wantHits: 2},
		{name: "-N streams", args: []string{"-N", "-v", "-backoff", fast}, wantCode: exitError, wantHits: 1, wantOut: strings.Repeat("a", 50),
			wantErr: "rebound: reading the body: unexpected EOF (with -N a body cut short is not retried)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := cutServer(t)
			code, out, stderr := runCmd(t, "", append([]string{"get"}, append(tc.args, srv.URL)...)...)
			if code != tc.wantCode || hits.Load() != tc.wantHits || out != tc.wantOut || !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("exit %d, %d requests, stdout %.20q…; want %d, %d, %.20q…; stderr:\n%s", code, hits.Load(), out, tc.wantCode, tc.wantHits, tc.wantOut, stderr)
			}
		})
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != whole {
		t.Errorf("-o file holds %.20q… (%d bytes), %v; want the whole body", b, len(b), err)
	}
}
