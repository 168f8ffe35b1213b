package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRequestFlags(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		wantMethod string
		check      func(h http.Header) string // "" when the headers are right
	}{
		{name: "default User-Agent", args: []string{"get"}, wantMethod: "GET", check: func(h http.Header) string {
			if ua := h.Get("User-Agent"); !strings.HasPrefix(ua, "rebound/") || ua == "rebound/" {
				return "User-Agent " + ua + ", want rebound/VERSION"
			}
			return ""
		}},
		{name: "-A", args: []string{"get", "-A", "probe/1"}, wantMethod: "GET", check: header("User-Agent", "probe/1")},
		{name: "--user-agent", args: []string{"get", "--user-agent", "probe/2"}, wantMethod: "GET", check: header("User-Agent", "probe/2")},
		{name: "-H wins over -A", args: []string{"get", "-A", "a", "-H", "User-Agent: h"}, wantMethod: "GET", check: header("User-Agent", "h")},
		{name: "-u", args: []string{"get", "-u", "ann:pa:ss"}, wantMethod: "GET",
			check: header("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("ann:pa:ss")))},
		{name: "-X", args: []string{"get", "-X", "OPTIONS"}, wantMethod: "OPTIONS"},
		{name: "--request", args: []string{"post", "--request", "PUT", "-d", "x"}, wantMethod: "PUT"},
		{name: "patch", args: []string{"patch", "-d", "x"}, wantMethod: "PATCH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, srv := newScript(t)
			code, _, stderr := runCmd(t, "", append(tc.args, srv.URL)...)
			if code != exitOK {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr)
			}
			r := s.received()[0]
			if r.method != tc.wantMethod {
				t.Errorf("method %s, want %s", r.method, tc.wantMethod)
			}
			if tc.check != nil {
				if msg := tc.check(r.header); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

func header(key, want string) func(http.Header) string {
	return func(h http.Header) string {
		if got := h.Get(key); got != want {
			return key + ": " + got + ", want " + want
		}
		return ""
	}
}

func TestURLWithoutScheme(t *testing.T) {
	_, srv := newScript(t)
	code, out, stderr := runCmd(t, "", "get", strings.TrimPrefix(srv.URL, "http://")+"/x")
	if code != exitOK || out != "body OK" {
		t.Errorf("exit %d, stdout %q; stderr:\n%s", code, out, stderr)
	}
}

func TestOutputAndFail(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name       string
		statuses   []int
		args       []string
		wantCode   int
		wantStdout string
		wantFile   string // "-" means no file
	}{
		{name: "-o", args: []string{"-o", "F"}, wantCode: 0, wantFile: "body OK"},
		{name: "--output", args: []string{"--output", "F"}, wantCode: 0, wantFile: "body OK"},
		{name: "-o -", args: []string{"-o", "-"}, wantCode: 0, wantStdout: "body OK", wantFile: "-"},
		{name: "-o -i", args: []string{"-o", "F", "-i"}, wantCode: 0, wantFile: "HTTP/1.1 200 OK\r\n"},
		{name: "404", statuses: []int{404}, wantCode: exitStatus, wantStdout: "body Not Found", wantFile: "-"},
		{name: "-f 404", statuses: []int{404}, args: []string{"-f"}, wantCode: exitFail, wantFile: "-"},
		{name: "--fail -o 404", statuses: []int{404}, args: []string{"--fail", "-o", "F"}, wantCode: exitFail, wantFile: "-"},
		{name: "-f 200", args: []string{"-f"}, wantCode: 0, wantStdout: "body OK", wantFile: "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			args := []string{"get"}
			for _, a := range tc.args {
				if a == "F" {
					a = file
				}
				args = append(args, a)
			}
			_, srv := newScript(t, tc.statuses...)
			code, out, stderr := runCmd(t, "", append(args, srv.URL)...)
			if code != tc.wantCode || out != tc.wantStdout {
				t.Errorf("exit %d, stdout %q; want %d, %q; stderr:\n%s", code, out, tc.wantCode, tc.wantStdout, stderr)
			}
			b, err := os.ReadFile(file)
			switch {
			case tc.wantFile == "-" && err == nil:
				t.Errorf("wrote %s, want no file", file)
			case tc.wantFile != "-" && (err != nil || !strings.HasPrefix(string(b), tc.wantFile)):
				t.Errorf("file holds %q (%v), want %q", b, err, tc.wantFile)
			}
		})
	}
}

func TestSilent(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // in stderr; "" means stderr is empty
	}{
		{args: []string{"-f"}, want: "rebound: 404 Not Found"},
		{args: []string{"-f", "-s"}},
		{args: []string{"-f", "--silent"}},
		{args: []string{"-f", "-s", "-S"}, want: "rebound: 404 Not Found"},
	} {
		_, srv := newScript(t, 404)
		code, _, stderr := runCmd(t, "", append(append([]string{"get"}, tc.args...), srv.URL)...)
		if code != exitFail || (tc.want == "" && stderr != "") || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, exitFail, tc.want)
		}
	}
}

func TestWriteOutFlag(t *testing.T) {
	_, srv := newScript(t, 503, 200)
	code, out, stderr := runCmd(t, "", "get", "-backoff", fast, srv.URL, "-w",
		`\n%{http_code} %{num_attempts} %{num_retries} %{size_download} %{method} %{exitcode}%{errormsg}\n`)
	if code != exitOK || out != "body OK\n200 2 1 7 GET 0\n" {
		t.Errorf("exit %d, stdout %q; stderr:\n%s", code, out, stderr)
	}
	// On a failure too, as curl writes it.
	refused := httptest.NewServer(http.NotFoundHandler())
	refused.Close()
	code, out, _ = runCmd(t, "", "get", "-s", "-attempts", "2", "-backoff", fast, refused.URL, "--write-out", "%{http_code} %{num_attempts} %{exitcode}")
	if code != exitError || out != "000 2 2" {
		t.Errorf("exit %d, stdout %q; want 2, \"000 2 2\"", code, out)
	}
}

func TestJSONSummary(t *testing.T) {
	_, srv := newScript(t, 503, 503, 200)
	code, out, stderr := runCmd(t, "", "get", "--json", "-backoff", fast, srv.URL+"/p?api_key=s3cr3t")
	if code != exitOK || out != "body OK" {
		t.Fatalf("exit %d, stdout %q; stderr:\n%s", code, out, stderr)
	}
	if strings.Contains(stderr, "s3cr3t") {
		t.Errorf("the summary shows a query value:\n%s", stderr)
	}
	var got summary
	if err := json.Unmarshal([]byte(stderr), &got); err != nil {
		t.Fatalf("stderr is not one JSON object: %v\n%s", err, stderr)
	}
	if got.HTTPCode != 200 || got.Attempts != 3 || got.Retries != 2 || got.Size != 7 || got.ExitCode != 0 ||
		got.Method != "GET" || got.URL != srv.URL+"/p?api_key=xxxxx" || got.TimeTotal <= 0 || got.Error != "" {
		t.Errorf("summary %+v", got)
	}
	if len(got.Log) != 3 || got.Log[0].Status != 503 || got.Log[0].WaitReason != "backoff" || got.Log[0].Wait <= 0 || got.Log[2].Status != 200 {
		t.Errorf("attempts %+v", got.Log)
	}

	// A failure's summary says why.
	_, srv = newScript(t, 503)
	code, _, stderr = runCmd(t, "", "post", "--json", "-s", srv.URL)
	if err := json.Unmarshal([]byte(stderr), &got); err != nil || code != exitStatus {
		t.Fatalf("exit %d, %v:\n%s", code, err, stderr)
	}
	if got.ExitCode != exitStatus || got.Reason != "not retried: POST 503: not idempotent; add -idempotent" || !strings.Contains(got.Error, "503") {
		t.Errorf("summary %+v", got)
	}
}

func TestMaxRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		wantCode int
		wantHits int
		want     string
	}{
		{args: []string{"--max-retry-after", "1s"}, wantCode: exitStatus, wantHits: 1,
			want: "rebound: 503 Service Unavailable after 1 attempt (the server asked to wait 1h0m0s, over -max-retry-after 1s)"},
		{args: []string{"-max-retry-after", "-1s"}, wantCode: exitOK, wantHits: 2},
	} {
		s := &script{statuses: []int{503, 200}}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			s.ServeHTTP(w, r)
		}))
		defer srv.Close()
		code, _, stderr := runCmd(t, "", append(append([]string{"get", "-backoff", fast}, tc.args...), srv.URL)...)
		if code != tc.wantCode || len(s.received()) != tc.wantHits || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, %d requests, stderr %q; want %d, %d, %q", tc.args, code, len(s.received()), stderr, tc.wantCode, tc.wantHits, tc.want)
		}
	}
}

func TestWhyNotRetried(t *testing.T) {
	refused := httptest.NewServer(http.NotFoundHandler())
	refused.Close()
	reset := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close() // the request arrived; no answer comes
		}
	}))
	defer reset.Close()
	for _, tc := range []struct {
		name     string
		statuses []int
		args     []string
		url      string
		want     []string // lines of stderr, in order
	}{
		{name: "POST 503", statuses: []int{503}, args: []string{"post", "-v"}, want: []string{
			"* attempt 1: 503 Service Unavailable in ",
			"rebound: 503 Service Unavailable (not retried: POST 503: not idempotent; add -idempotent)"}},
		{name: "404", statuses: []int{404}, args: []string{"get"}, want: []string{
			"rebound: 404 Not Found (not retried: a 404 is the request's fault, not the server's)"}},
		{name: "attempts used", statuses: []int{503, 502}, args: []string{"get", "-attempts", "2", "-backoff", fast}, want: []string{
			"rebound: 502 Bad Gateway after 2 attempts (no attempts left)"}},
		{name: "refused", args: []string{"get", "-attempts", "2", "-backoff", fast}, url: refused.URL, want: []string{
			"rebound: gave up after 2 attempts (no attempts left): dial tcp "}},
		{name: "POST reset", args: []string{"post", "-d", "x"}, url: reset.URL, want: []string{
			"rebound: gave up after 1 attempt (not retried: the POST may have reached the server, and is not idempotent; add -idempotent): "}},
		{name: "-v -s", statuses: []int{404}, args: []string{"get", "-v", "-s"}, want: []string{
			"* 404 Not Found (not retried: "}},
		{name: "hedge ignored", args: []string{"post", "-hedge", "1s"}, want: []string{
			"rebound: warning: -hedge is ignored: POST is not idempotent; add -idempotent"}},
		{name: "unbounded", args: []string{"get", "-attempts", "-1"}, want: []string{
			"rebound: warning: -attempts -1 without -timeout: nothing bounds the retries but Ctrl-C"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, srv := newScript(t, tc.statuses...)
			url := srv.URL
			if tc.url != "" {
				url = tc.url
			}
			_, _, stderr := runCmd(t, "", append(tc.args, url)...)
			rest := stderr
			for _, want := range tc.want {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("stderr lacks %q (in order):\n%s", want, stderr)
				}
				rest = rest[i+len(want):]
			}
		})
	}
}

func TestBadFlagIsOneLine(t *testing.T) {
	for _, args := range [][]string{
		{"get", "-nosuchflag", "http://a/"},
		{"get", "-attempts", "many", "http://a/"},
		{"post", "-o"},
		{"get", "-w", "%{nope}", "http://a/"},
		{"get", "-X", "BAD METHOD", "http://a/"},
		{"get", "-attempts", "-2", "http://a/"},
	} {
		code, _, stderr := runCmd(t, "", args...)
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if code != exitUsage || len(lines) != 2 || lines[1] != "Run 'rebound help "+args[0]+"' for usage." {
			t.Errorf("%q: exit %d, stderr:\n%s", args, code, stderr)
		}
	}
	code, _, stderr := runCmd(t, "", "get", "-u", "ann:s3cr3t", "-X", "BAD METHOD", "http://a/")
	if code != exitUsage || strings.Contains(stderr, "s3cr3t") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCmd(t, "", "get", "-u", "s3cr3t", "http://a/")
	if code != exitUsage || strings.Contains(stderr, "s3cr3t") || !strings.Contains(stderr, "USER:PASSWORD") {
		t.Errorf("-u without a colon: exit %d, stderr %q", code, stderr)
	}
}

func TestHelpListsEveryFlag(t *testing.T) {
	code, out, _ := runCmd(t, "", "help", "patch")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	fs, _ := fetchFlags("patch", nil)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(out, "-"+f.Name+" ") && !strings.Contains(out, "-"+f.Name+",") && !strings.Contains(out, "-"+f.Name+"\n") {
			t.Errorf("help patch lacks -%s", f.Name)
		}
	})
	for _, want := range []string{"-o, --output FILE", "-f, --fail", "-w, --write-out FORMAT", "%{num_attempts}", "%{time_total}"} {
		if !strings.Contains(out, want) {
			t.Errorf("help patch lacks %q", want)
		}
	}
	if code, out, _ := runCmd(t, "", "version"); code != exitOK || !strings.HasPrefix(out, "rebound ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
}
