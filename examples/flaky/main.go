// Command flaky shows rebound at work against an embedded loopback server
// that fails a third of its answers (503 with Retry-After, 429, resets),
// next to a plain net/http client on the same server.
//
//	go run ./examples/flaky
package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/backoff"
)

const requests, callers = 400, 16

func main() {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n := hits.Add(1); {
		case n%7 == 0:
			w.Header().Set("Retry-After", "0")
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case n%11 == 0:
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case n%13 == 0:
			if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
				c.Close() // a reset before any answer
			}
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer srv.Close()

	rt, err := rebound.NewTransport(nil, rebound.Config{Policy: rebound.Policy{
		Attempts: 4,
		Backoff:  backoff.Exponential{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond, Jitter: backoff.Equal},
	}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%d GETs from %d callers against a server that fails about 1 answer in 3\n\n", requests, callers)
	fmt.Printf("%-10s %8s %10s %12s %10s\n", "client", "ok", "failed", "server hits", "wall")
	for _, c := range []struct {
		name string
		rt   http.RoundTripper
	}{{"net/http", http.DefaultTransport}, {"rebound", rt}} {
		hits.Store(0)
		ok, failed, wall := run(&http.Client{Transport: c.rt}, srv.URL)
		fmt.Printf("%-10s %8d %10d %12d %10v\n", c.name, ok, failed, hits.Load(), wall.Round(time.Millisecond))
	}
	st := rt.Stats()
	fmt.Printf("\nrebound: %d requests, %d retries, %d succeeded, %d failed\n", st.Requests, st.Retries, st.Succeeded, st.Failed)
}

func run(c *http.Client, url string) (ok, failed int64, wall time.Duration) {
	start := time.Now()
	var okN, failN atomic.Int64
	var wg sync.WaitGroup
	for w := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < requests; i += callers {
				resp, err := c.Get(url)
				if err != nil {
					failN.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					okN.Add(1)
				} else {
					failN.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return okN.Load(), failN.Load(), time.Since(start)
}
