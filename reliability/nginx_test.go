package reliability_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/ratelimit"
)

// startNginx runs a real nginx on a free loopback port with the given
// server-block directives, and returns its base URL. nginx must be
// installed (scripts/test-all installs Debian's package when it is not).
func startNginx(t *testing.T, httpBlock, serverBlock string) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, e := os.Stat("/usr/sbin/nginx"); e != nil {
			t.Fatalf("nginx is not installed: apt-get install -y nginx (scripts/test-all does): %v", err)
		}
		bin = "/usr/sbin/nginx"
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	os.WriteFile(filepath.Join(dir, "ok.txt"), []byte("ok"), 0o644)
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
error_log %[1]s/error.log warn;
pid %[1]s/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	keepalive_requests 100000;
	%[3]s
	server {
		listen %[2]s;
		root %[1]s;
		%[4]s
	}
}
`, dir, addr, httpBlock, serverBlock)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", path, "-e", filepath.Join(dir, "error.log"))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting nginx: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for deadline := time.Now().Add(settle); ; {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not listen on %s: %v\n%s", addr, err, log)
		}
		time.Sleep(10 * time.Millisecond) // polling for a child process to listen, not proving a schedule
	}
	return "http://" + addr
}

// A healthy but flaky host (30 % of answers 503 at random, from a real
// nginx) does not trip the breaker's defaults, and retries carry the calls
// to success. A trip needs 50 failures among 100 attempts where 30 are
// expected: about 1 run in 3000 of 200 calls (280 attempts) meets one by
// chance (a simulation of independent 30 % failures), so 100 runs show
// one trip in about 3.5 % of test runs and two in fewer than 0.1 %.
func TestNginxFlakyHostDoesNotTripTheBreaker(t *testing.T) {
	t.Parallel()
	base := startNginx(t,
		`split_clients "${request_id}" $flaky { 30% "503"; * "200"; }`,
		`location /flaky { if ($flaky = "503") { return 503; } try_files /ok.txt =404; }`)
	const runs, calls, parallel = 100, 200, 8
	var trips, ok, total atomic.Int64
	tr := &http.Transport{MaxIdleConnsPerHost: parallel}
	defer tr.CloseIdleConnections()
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for range runs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			rt, err := rebound.NewTransport(tr, rebound.Config{
				Policy:  rebound.Policy{Backoff: backoffConstant(time.Millisecond)},
				Breaker: &breaker.Settings{FailureRate: 0.5},
				OnEvent: func(_ context.Context, e rebound.Event) {
					if e.Kind == rebound.EventBreakerChange && e.To == breaker.Open {
						trips.Add(1)
					}
				}})
			if err != nil {
				t.Error(err)
				return
			}
			c := &http.Client{Transport: rt}
			for range calls {
				total.Add(1)
				resp, err := c.Get(base + "/flaky")
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	share := float64(ok.Load()) / float64(total.Load())
	t.Logf("%d runs of %d calls: %d breaker trips, %.1f %% success", runs, calls, trips.Load(), 100*share)
	if trips.Load() > 1 {
		t.Errorf("the breaker tripped %d times in %d runs on a host that is only flaky; chance allows one", trips.Load(), runs)
	}
	if share < 0.95 {
		t.Errorf("success %.1f %%, want ≥ 95 %% (3 attempts at 30 %% failures: 97.3 %% expected)", 100*share)
	}
}

// Callers refused together by a real nginx limit_req (429, Retry-After: 1)
// do not all come back at the same instant: the server's wait is a floor
// and the backoff spreads them above it, so some of the retries get in.
func TestNginxRetryAfterSpreadsRetries(t *testing.T) {
	t.Parallel() // 2 s deadlines: let the rest of the suite run meanwhile
	base := startNginx(t,
		`limit_req_zone $binary_remote_addr zone=one:1m rate=50r/s; limit_req_status 429;`,
		`location /limited { limit_req zone=one; error_page 429 = @refused; try_files /ok.txt =404; }
		location @refused { add_header Retry-After 1 always; return 429; }`)
	tr := &http.Transport{MaxIdleConnsPerHost: 8}
	defer tr.CloseIdleConnections()
	var retriesIn, retries atomic.Int64
	rt, err := rebound.NewTransport(tr, rebound.Config{OnEvent: func(_ context.Context, e rebound.Event) {
		if e.Kind == rebound.EventAttemptDone && e.Attempt > 1 {
			retries.Add(1)
			if e.Status == 200 {
				retriesIn.Add(1)
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: rt}
	// Eight callers, 25 calls each, each call with 2 s to succeed.
	var wg sync.WaitGroup
	var ok atomic.Int64
	for range 8 {
		wg.Go(func() {
			for range 25 {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				req, _ := http.NewRequestWithContext(ctx, "GET", base+"/limited", nil)
				resp, err := c.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == 200 {
						ok.Add(1)
					}
				}
				cancel()
			}
		})
	}
	wg.Wait()
	t.Logf("8 callers × 25 calls against 50 r/s: %d of 200 succeeded; %d of %d retries got in", ok.Load(), retriesIn.Load(), retries.Load())
	if retriesIn.Load()*10 < retries.Load() {
		t.Errorf("%d of %d retries got in: the retries still arrive together", retriesIn.Load(), retries.Load())
	}
}

// A host that refuses with 429 and no rate-limit headers (nginx limit_req
// at 50 r/s): with Config.LearnRate the client learns the rate from the
// refusals and sends at it, so nearly every call succeeds within its
// deadline and few requests are refused.
func TestNginxLearntRate(t *testing.T) {
	t.Parallel()
	base := startNginx(t,
		`limit_req_zone $binary_remote_addr zone=one:1m rate=50r/s; limit_req_status 429;`,
		`location /limited { limit_req zone=one; try_files /ok.txt =404; }`)
	tr := &http.Transport{MaxIdleConnsPerHost: 8}
	defer tr.CloseIdleConnections()
	var sent, refused atomic.Int64
	rt, err := rebound.NewTransport(tr, rebound.Config{
		Policy:    rebound.Policy{Attempts: -1},
		LearnRate: &ratelimit.AdaptiveSettings{},
		OnEvent: func(_ context.Context, e rebound.Event) {
			if e.Kind == rebound.EventAttemptDone {
				sent.Add(1)
				if e.Status == http.StatusTooManyRequests {
					refused.Add(1)
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: rt}
	var wg sync.WaitGroup
	var ok, calls atomic.Int64
	for range 8 {
		wg.Go(func() {
			for range 25 {
				calls.Add(1)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				req, _ := http.NewRequestWithContext(ctx, "GET", base+"/limited", nil)
				resp, err := c.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == 200 {
						ok.Add(1)
					}
				}
				cancel()
			}
		})
	}
	wg.Wait()
	success := float64(ok.Load()) / float64(calls.Load())
	share := float64(refused.Load()) / float64(max(sent.Load(), 1))
	t.Logf("8 callers × 25 calls against limit_req 50 r/s: %.1f %% succeeded; %d of %d requests refused (%.1f %%)",
		100*success, refused.Load(), sent.Load(), 100*share)
	if success < 0.95 || share >= 0.10 {
		t.Errorf("success %.1f %%, refused %.1f %%; want ≥ 95 %% and < 10 %%", 100*success, 100*share)
	}
}
