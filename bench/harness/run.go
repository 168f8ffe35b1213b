package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rebound-go/rebound/bench/clients"
)

// Result is what one client did in one workload.
type Result struct {
	Workload Workload
	Client   string

	Calls     int             // calls made: N, unless the workload's time ran out
	OK        int             // calls that ended in 200 with the whole body read
	Statuses  map[int]int     // final status of each call that got a response
	Errors    map[string]int  // calls that ended in an error, by kind
	Latencies []time.Duration // one per call, sorted
	Server    ServerStats
	Elapsed   time.Duration
	TimedOut  bool   // the workload's Timeout ended it
	Notes     string // what the client's guards did (clients.Noter), "" for nothing
}

// Run runs workload w through a client made by c, over a fresh transport,
// against a fresh server.
func Run(w Workload, c clients.Constructor, seed uint64) (*Result, error) {
	srv := NewServer(seed, w.N, w.Handler)
	defer srv.Close()
	tr := clients.NewHTTPTransport()
	tr.MaxConnsPerHost = w.MaxConnsPerHost
	defer tr.CloseIdleConnections()
	settings := w.Settings
	settings.Observe = true
	client, err := c.New(tr, settings)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	var pl payload
	if w.Method == http.MethodPost {
		pl = newPayload(w.BodySize, seed)
	}

	ctx, cancel := context.WithTimeout(context.Background(), w.Timeout)
	defer cancel()
	res := &Result{Workload: w, Client: c.Name, Statuses: map[int]int{}, Errors: map[string]int{}}
	var (
		next atomic.Int64
		mu   sync.Mutex
		wg   sync.WaitGroup
	)
	start := time.Now()
	for range w.C {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := &Result{Statuses: map[int]int{}, Errors: map[string]int{}}
			for {
				id := int(next.Add(1) - 1)
				if id >= w.N || ctx.Err() != nil {
					break
				}
				call(ctx, w, client, srv.URL, id, pl, local)
			}
			mu.Lock()
			res.merge(local)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.TimedOut = ctx.Err() != nil
	srv.Close() // waits for handlers still running, so the counts are final
	res.Server = srv.Stats()
	slices.Sort(res.Latencies)
	if n, ok := client.(clients.Noter); ok {
		res.Notes = n.Notes()
	}
	return res, nil
}

// call makes call id and records how it ended.
func call(ctx context.Context, w Workload, client clients.Client, url string, id int, pl payload, res *Result) {
	req := &clients.Request{Method: w.Method, URL: url, Header: http.Header{}}
	req.Header.Set(HeaderID, strconv.Itoa(id))
	done := func() {}
	if w.Method == http.MethodPost {
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set(HeaderSHA256, pl.sum)
		req.Header.Set("Idempotency-Key", "call-"+strconv.Itoa(id))
		req.Body, done = pl.body(w.BodyKind)
	}
	if w.CallTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, w.CallTimeout)
		defer cancel()
	}
	start := time.Now()
	resp, err := client.Do(ctx, req)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			err = fmt.Errorf("reading body: %w", err)
		}
	}
	res.Latencies = append(res.Latencies, time.Since(start))
	done()
	res.Calls++
	switch {
	case err != nil:
		res.Errors[ErrorKind(err)]++
	default:
		res.Statuses[resp.StatusCode]++
		if resp.StatusCode == http.StatusOK {
			res.OK++
		}
	}
}

func (r *Result) merge(o *Result) {
	r.Calls += o.Calls
	r.OK += o.OK
	for k, v := range o.Statuses {
		r.Statuses[k] += v
	}
	for k, v := range o.Errors {
		r.Errors[k] += v
	}
	r.Latencies = append(r.Latencies, o.Latencies...)
}

var (
	addrRE  = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	digitRE = regexp.MustCompile(`\d+`)
)

// ErrorKind names an error briefly, so that errors of one kind add up
// whichever client wrapped them (not all wrap with %w).
func ErrorKind(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // drop `Get "http://…": `
	}
	msg := err.Error()
	has := func(s string) bool { return strings.Contains(msg, s) }
	switch {
	case errors.Is(err, context.DeadlineExceeded) || has("deadline exceeded") || has("Client.Timeout"):
		return "deadline exceeded"
	case errors.Is(err, context.Canceled) || has("context canceled"):
		return "canceled"
	case errors.Is(err, syscall.ECONNRESET) || has("connection reset"):
		return "connection reset"
	case errors.Is(err, syscall.ECONNREFUSED) || has("connection refused"):
		return "connection refused"
	case errors.Is(err, io.ErrUnexpectedEOF) || has("unexpected EOF"):
		return "unexpected EOF"
	case errors.Is(err, io.EOF) || has("EOF"):
		return "EOF"
	case has("status 503"):
		return "error: status 503"
	case has("status 429"):
		return "error: status 429"
	}
	msg = digitRE.ReplaceAllString(addrRE.ReplaceAllString(msg, "ADDR"), "N")
	if len(msg) > 60 {
		msg = msg[:60] + "…"
	}
	return msg
}
