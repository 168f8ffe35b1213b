package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// script is a test server that answers its requests with the given
// statuses in turn (200 once they run out) and records what it received.
type script struct {
	mu       sync.Mutex
	statuses []int
	reqs     []seen
}

type seen struct {
	method string
	header http.Header
	body   string
}

func newScript(t *testing.T, statuses ...int) (*script, *httptest.Server) {
	s := &script{statuses: statuses}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.reqs = append(s.reqs, seen{r.Method, r.Header.Clone(), string(b)})
	code := http.StatusOK
	if len(s.statuses) > 0 {
		code, s.statuses = s.statuses[0], s.statuses[1:]
	}
	s.mu.Unlock()
	w.Header().Set("X-Test", "yes")
	w.WriteHeader(code)
	io.WriteString(w, "body "+http.StatusText(code))
}

func (s *script) received() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

const fast = "const:1ms" // a backoff that keeps the tests quick

func TestFetchExitStatus(t *testing.T) {
	refused := httptest.NewServer(http.NotFoundHandler())
	refused.Close() // its port now refuses connections
	for _, tc := range []struct {
		name     string
		statuses []int
		args     []string
		url      string // "" means the script server's
		want     int
		wantHits int
		wantOut  string
	}{
		{name: "200", args: []string{"get"}, want: 0, wantHits: 1, wantOut: "body OK"},
		{name: "304 is success", statuses: []int{304}, args: []string{"get"}, want: 0, wantHits: 1},
		{name: "503 then 200", statuses: []int{503, 200}, args: []string{"get", "-backoff", fast}, want: 0, wantHits: 2, wantOut: "body OK"},
		{name: "404 not retried", statuses: []int{404}, args: []string{"get"}, want: 1, wantHits: 1, wantOut: "body Not Found"},
		{name: "503 until attempts run out", statuses: []int{503, 503, 503, 503}, args: []string{"get", "-attempts", "4", "-backoff", fast}, want: 1, wantHits: 4},
		{name: "POST not retried on 503", statuses: []int{503, 200}, args: []string{"post", "-backoff", fast}, want: 1, wantHits: 1},
		{name: "POST retried on 503 with -idempotent", statuses: []int{503, 200}, args: []string{"post", "-idempotent", "-backoff", fast}, want: 0, wantHits: 2},
		{name: "POST retried on 429", statuses: []int{429, 200}, args: []string{"post", "-backoff", fast}, want: 0, wantHits: 2},
		{name: "HEAD", args: []string{"head"}, want: 0, wantHits: 1},
		{name: "PUT", statuses: []int{502, 201}, args: []string{"put", "-d", "x", "-backoff", fast}, want: 0, wantHits: 2},
		{name: "DELETE", statuses: []int{500}, args: []string{"delete", "-attempts", "1"}, want: 1, wantHits: 1},
		{name: "connection refused", args: []string{"get", "-attempts", "2", "-backoff", fast}, url: refused.URL, want: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, srv := newScript(t, tc.statuses...)
			url := tc.url
			if url == "" {
				url = srv.URL
			}
			code, out, errOut := runCmd(t, "", append(tc.args, url)...)
			if code != tc.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.want, errOut)
			}
			if got := len(s.received()); tc.url == "" && got != tc.wantHits {
				t.Errorf("server saw %d requests, want %d", got, tc.wantHits)
			}
			if out != tc.wantOut && tc.args[0] != "head" && tc.wantOut != "" {
				t.Errorf("stdout %q, want %q", out, tc.wantOut)
			}
		})
	}
}

func TestFetchUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"get"},
		{"get", "http://a/", "http://b/"},
		{"get", "ftp://example.com/"},
		{"get", "not a url"},
		{"get", "-backoff", "exp", "http://a/"},
		{"get", "-backoff", "wobbly:1s", "http://a/"},
		{"get", "-H", "NoColon", "http://a/"},
		{"get", "-nosuchflag", "http://a/"},
		{"get", "-timeout", "-1s", "http://a/"},
		{"frobnicate"},
		{},
	} {
		code, _, errOut := runCmd(t, "", args...)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want %d; stderr:\n%s", args, code, exitUsage, errOut)
		}
	}
}

func TestFetchBodies(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "body.json")
	payload := `{"order": 42, "bytes": "` + strings.Repeat("é", 1000) + `"}`
	if err := os.WriteFile(file, []byte(payload), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, data, stdin, want string
	}{
		{name: "string", data: "a=1&b=2", want: "a=1&b=2"},
		{name: "@file", data: "@" + file, want: payload},
		{name: "@- reads stdin", data: "@-", stdin: payload, want: payload},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, srv := newScript(t, 503, 503, 200)
			code, _, errOut := runCmd(t, tc.stdin, "post", "-idempotent", "-backoff", fast, "-d", tc.data, srv.URL)
			if code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", code, errOut)
			}
			reqs := s.received()
			if len(reqs) != 3 {
				t.Fatalf("server saw %d requests, want 3", len(reqs))
			}
			key := reqs[0].header.Get("Idempotency-Key")
			for i, r := range reqs {
				if r.body != tc.want {
					t.Errorf("attempt %d carried %d bytes %.40q…, want %d bytes", i+1, len(r.body), r.body, len(tc.want))
				}
				if r.method != "POST" || r.header.Get("Idempotency-Key") != key || len(key) != 32 {
					t.Errorf("attempt %d: %s with Idempotency-Key %q, want POST with the first attempt's 32-digit key %q", i+1, r.method, r.header.Get("Idempotency-Key"), key)
				}
				if got := r.header.Get("Content-Type"); got != "application/x-www-form-urlencoded" {
					t.Errorf("attempt %d: Content-Type %q", i+1, got)
				}
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		code, _, errOut := runCmd(t, "", "post", "-d", "@"+filepath.Join(dir, "nope"), "http://127.0.0.1:1/")
		if code != exitError || !strings.Contains(errOut, "nope") {
			t.Errorf("exit %d, stderr %q: want %d and the file named", code, errOut, exitError)
		}
	})
}

func TestFetchHeadersAndInclude(t *testing.T) {
	s, srv := newScript(t)
	code, out, errOut := runCmd(t, "", "get", srv.URL, "-i", "-H", "Content-Type: application/json", "-H", "X-Many: 1", "-H", "X-Many: 2", "-H", "Idempotency-Key: mine", "-idempotent")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	h := s.received()[0].header
	if h.Get("Content-Type") != "application/json" || len(h["X-Many"]) != 2 || h.Get("Idempotency-Key") != "mine" {
		t.Errorf("server got headers %v", h)
	}
	if !strings.HasPrefix(out, "HTTP/1.1 200 OK\r\n") || !strings.Contains(out, "X-Test: yes\r\n") || !strings.HasSuffix(out, "\r\n\r\nbody OK") {
		t.Errorf("-i output %q: want the status line, the headers, a blank line and the body", out)
	}
}

func TestFetchRedirects(t *testing.T) {
	_, target := newScript(t)
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	defer redirect.Close()
	if code, out, _ := runCmd(t, "", "get", redirect.URL); code != 0 || strings.Contains(out, "body OK") {
		t.Errorf("without -L: exit %d, stdout %q; want 0 and the 302's body", code, out)
	}
	if code, out, _ := runCmd(t, "", "get", "-L", redirect.URL); code != 0 || out != "body OK" {
		t.Errorf("with -L: exit %d, stdout %q; want 0 and the target's body", code, out)
	}
}

func TestFetchVerboseKeepsSecrets(t *testing.T) {
	secrets := []string{"s3cr3t-pass", "Bearer t0ken-value", "session=c00kie", "Basic cHJveHk6cHc="}
	s, srv := newScript(t, 503, 503, 200)
	url := strings.Replace(srv.URL, "http://", "http://user:"+secrets[0]+"@", 1) + "/path"
	code, out, errOut := runCmd(t, "", "get", "-v", "-backoff", fast,
		"-H", "Authorization: "+secrets[1], "-H", "Cookie: "+secrets[2], "-H", "Proxy-Authorization: "+secrets[3], url)
	if code != 0 || out != "body OK" {
		t.Fatalf("exit %d, stdout %q; stderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"attempt 1: GET http://user:xxxxx@", "503", "attempt 3", "200"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("-v output lacks %q:\n%s", want, errOut)
		}
	}
	for _, secret := range secrets {
		if strings.Contains(errOut, secret) || strings.Contains(out, secret) {
			t.Errorf("output shows the secret %q:\n%s", secret, errOut)
		}
	}
	if got := s.received()[2].header.Get("Authorization"); got != secrets[1] {
		t.Errorf("third attempt sent Authorization %q", got)
	}
}

func TestFetchErrorsKeepSecrets(t *testing.T) {
	refused := httptest.NewServer(http.NotFoundHandler())
	refused.Close()
	url := strings.Replace(refused.URL, "http://", "http://user:s3cr3t@", 1)
	code, _, errOut := runCmd(t, "", "get", "-v", "-attempts", "2", "-backoff", fast, "-H", "Authorization: Bearer t0ken", url)
	if code != exitError {
		t.Errorf("exit %d, want %d", code, exitError)
	}
	if strings.Contains(errOut, "s3cr3t") || strings.Contains(errOut, "t0ken") || !strings.Contains(errOut, "attempt 2") {
		t.Errorf("stderr shows a secret or misses the log:\n%s", errOut)
	}
	// A bad URL is not echoed with its password either.
	code, _, errOut = runCmd(t, "", "get", "ftp://user:s3cr3t@example.com/")
	if code != exitUsage || strings.Contains(errOut, "s3cr3t") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	// Nor is a header that cannot be parsed.
	code, _, errOut = runCmd(t, "", "get", "-H", "Authorization Bearer t0ken", "http://a/")
	if code != exitUsage || strings.Contains(errOut, "t0ken") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestFetchTimeout(t *testing.T) {
	// The server never answers; -timeout ends the call.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	code, _, errOut := runCmd(t, "", "get", "-timeout", "50ms", srv.URL)
	if code != exitError || !strings.Contains(errOut, "deadline exceeded") {
		t.Errorf("exit %d, stderr %q: want %d and a deadline", code, errOut, exitError)
	}
}

func TestFetchHedge(t *testing.T) {
	// The first attempt hangs; -hedge sends a second copy that answers.
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first {
			<-r.Context().Done()
			return
		}
		io.WriteString(w, "from the hedge")
	}))
	defer srv.Close()
	code, out, errOut := runCmd(t, "", "get", "-hedge", "20ms", "-v", srv.URL)
	if code != exitOK || out != "from the hedge" || !strings.Contains(errOut, "hedge 1") || !strings.Contains(errOut, "(won)") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
