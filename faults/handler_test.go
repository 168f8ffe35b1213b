package faults_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// outcome is what a client saw of one request, and what the server did.
type outcome struct {
	resp    *http.Response
	body    string
	err     error
	elapsed time.Duration
	stats   faults.Stats
	served  int  // requests that reached the wrapped handler
	client  bool // the faults were injected on the client side
}

// kindCase is one fault, the client's patience, and what must follow.
type kindCase struct {
	name    string
	s       faults.Scenario
	timeout time.Duration // the client gives up after this; 0: no limit
	check   func(t *testing.T, o outcome)
}

func one(f faults.Fault) faults.Scenario {
	f.Rate = 1
	return faults.Scenario{Faults: []faults.Fault{f}}
}

// kindCases holds every kind of fault, with real durations kept tiny:
// the checks assert lower bounds only, which cannot flake.
var kindCases = []kindCase{
	{
		name: "status with Retry-After",
		s:    one(faults.Fault{Status: 503, RetryAfter: 1500 * time.Millisecond}),
		check: func(t *testing.T, o outcome) {
			wantStatus(t, o, 503)
			if got := o.resp.Header.Get("Retry-After"); got != "2" {
				t.Errorf("Retry-After = %q, want 2 (1.5s rounded up)", got)
			}
			if o.body != "503 Service Unavailable (injected by faults)\n" {
				t.Errorf("body = %q", o.body)
			}
			wantCounts(t, o, 0, faults.Stats{Requests: 1, Statuses: 1, Responses: map[int]int64{503: 1}})
		},
	},
	{
		name: "status without Retry-After",
		s:    one(faults.Fault{Status: 429}),
		check: func(t *testing.T, o outcome) {
			wantStatus(t, o, 429)
			if v, ok := o.resp.Header["Retry-After"]; ok {
				t.Errorf("Retry-After = %q, want none", v)
			}
			wantCounts(t, o, 0, faults.Stats{Requests: 1, Statuses: 1, Responses: map[int]int64{429: 1}})
		},
	},
	{
		name: "status after the work is done",
		s:    one(faults.Fault{Forward: true}),
		check: func(t *testing.T, o outcome) {
			wantStatus(t, o, 503)
			wantCounts(t, o, 1, faults.Stats{Requests: 1, Forwarded: 1, Statuses: 1, Responses: map[int]int64{503: 1}})
		},
	},
	{
		name: "reset",
		s:    one(faults.Fault{Kind: faults.Reset}),
		check: func(t *testing.T, o outcome) {
			wantReset(t, o)
			wantCounts(t, o, 0, faults.Stats{Requests: 1, Resets: 1, Responses: map[int]int64{}})
		},
	},
	{
		name: "reset after the work is done",
		s:    one(faults.Fault{Kind: faults.Reset, Forward: true}),
		check: func(t *testing.T, o outcome) {
			wantReset(t, o)
			wantCounts(t, o, 1, faults.Stats{Requests: 1, Forwarded: 1, Resets: 1, Responses: map[int]int64{}})
		},
	},
	{
		name: "truncate",
		s:    one(faults.Fault{Kind: faults.Truncate, Bytes: 5}),
		check: func(t *testing.T, o outcome) {
			wantHeader(t, o, 200)
			wantCut(t, o, helloBody[:5], int64(len(helloBody)))
			wantCounts(t, o, 1, faults.Stats{Requests: 1, Forwarded: 1, Truncated: 1, Responses: map[int]int64{200: 1}})
		},
	},
	{
		name: "truncate past the end",
		s:    one(faults.Fault{Kind: faults.Truncate, Bytes: 100}),
		check: func(t *testing.T, o outcome) {
			wantHeader(t, o, 200)
			declared := int64(len(helloBody) + 1) // the server declares one byte more than it has
			if o.client {
				declared = int64(len(helloBody)) // the client side keeps what the server said
			}
			wantCut(t, o, helloBody, declared)
		},
	},
	{
		name:    "hang",
		s:       one(faults.Fault{Kind: faults.Hang}),
		timeout: 20 * time.Millisecond,
		check: func(t *testing.T, o outcome) {
			if !errors.Is(o.err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want the client's deadline", o.err)
			}
			if o.elapsed < 20*time.Millisecond {
				t.Errorf("gave up after %v, before the deadline", o.elapsed)
			}
			wantCounts(t, o, 0, faults.Stats{Requests: 1, Hangs: 1, Responses: map[int]int64{}})
		},
	},
	{
		name:    "hang after the work is done",
		s:       one(faults.Fault{Kind: faults.Hang, Forward: true}),
		timeout: 20 * time.Millisecond,
		check: func(t *testing.T, o outcome) {
			if !errors.Is(o.err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want the client's deadline", o.err)
			}
			wantCounts(t, o, 1, faults.Stats{Requests: 1, Forwarded: 1, Hangs: 1, Responses: map[int]int64{}})
		},
	},
	{
		name: "trickle",
		s:    one(faults.Fault{Kind: faults.Trickle, Bytes: 4, Interval: time.Millisecond}),
		check: func(t *testing.T, o outcome) {
			wantStatus(t, o, 200)
			if o.body != helloBody {
				t.Errorf("body = %q, want it whole", o.body)
			}
			if min := 4 * time.Millisecond; o.elapsed < min { // 13 bytes, 4 at a time
				t.Errorf("took %v, want at least %v", o.elapsed, min)
			}
			wantCounts(t, o, 1, faults.Stats{Requests: 1, Forwarded: 1, Trickled: 1, Responses: map[int]int64{200: 1}})
		},
	},
	{
		name: "latency",
		s:    faults.Scenario{Latency: []faults.Latency{{Rate: 1, Min: 3 * time.Millisecond}}},
		check: func(t *testing.T, o outcome) {
			wantStatus(t, o, 200)
			if o.elapsed < 3*time.Millisecond {
				t.Errorf("took %v, want at least 3ms", o.elapsed)
			}
			wantCounts(t, o, 1, faults.Stats{Requests: 1, Forwarded: 1, Delayed: 1, Responses: map[int]int64{200: 1}})
		},
	},
	{
		name: "in an outage",
		s:    faults.Scenario{Outages: []faults.Outage{{End: time.Hour}}},
		check: func(t *testing.T, o outcome) {
			wantStatus(t, o, 503)
			wantCounts(t, o, 0, faults.Stats{Requests: 1, InOutage: 1, Statuses: 1, Responses: map[int]int64{503: 1}})
		},
	},
	{
		name: "before an outage",
		s:    faults.Scenario{Outages: []faults.Outage{{Start: time.Hour, End: 2 * time.Hour, Fault: faults.Fault{Kind: faults.Reset}}}},
		check: func(t *testing.T, o outcome) {
			wantStatus(t, o, 200)
			wantCounts(t, o, 1, faults.Stats{Requests: 1, Forwarded: 1, Responses: map[int]int64{200: 1}})
		},
	},
}

// TestHandlerKinds runs every kind against a real loopback Server.
func TestHandlerKinds(t *testing.T) {
	for _, tc := range kindCases {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			next := &hello{}
			srv, client := loopback(t, tc.s, next)
			o := fetch(t, client, srv.URL, tc.timeout)
			o.stats, o.served = srv.Stats(), next.served()
			if o.stats.Connections != 1 {
				t.Errorf("Connections = %d, want 1", o.stats.Connections)
			}
			tc.check(t, o)
		})
	}
}

// TestHandlerKindsUnderHTTPTest runs every kind with the handler mounted
// on a plain httptest.Server.
func TestHandlerKindsUnderHTTPTest(t *testing.T) {
	for _, tc := range kindCases {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			next := &hello{}
			in := mustNew(t, tc.s)
			srv := httptest.NewServer(in.Handler(next))
			defer srv.Close()
			client := srv.Client()
			defer client.CloseIdleConnections()
			o := fetch(t, client, srv.URL, tc.timeout)
			o.stats, o.served = in.Stats(), next.served()
			tc.check(t, o)
		})
	}
}

// fetch makes one GET, giving up after timeout when it is set.
func fetch(t *testing.T, client *http.Client, url string, timeout time.Duration) outcome {
	t.Helper()
	start := time.Now() // before the deadline is set, so that it counts from here
	ctx := t.Context()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	resp, body, err := get(ctx, client, url)
	return outcome{resp: resp, body: body, err: err, elapsed: time.Since(start)}
}

func wantStatus(t *testing.T, o outcome, code int) {
	t.Helper()
	if o.err != nil {
		t.Fatalf("err = %v, want status %d", o.err, code)
	}
	wantHeader(t, o, code)
}

// wantHeader checks the status of a response whose body may have failed.
func wantHeader(t *testing.T, o outcome, code int) {
	t.Helper()
	if o.resp == nil {
		t.Fatalf("err = %v, want status %d", o.err, code)
	}
	if o.resp.StatusCode != code {
		t.Fatalf("status = %d, want %d", o.resp.StatusCode, code)
	}
}

func wantReset(t *testing.T, o outcome) {
	t.Helper()
	if o.err == nil {
		t.Fatalf("status %d, want a reset", o.resp.StatusCode)
	}
	if runtime.GOOS == "linux" && !errors.Is(o.err, syscall.ECONNRESET) {
		t.Errorf("err = %v, want ECONNRESET", o.err)
	}
}

func wantCut(t *testing.T, o outcome, body string, declared int64) {
	t.Helper()
	if o.resp.ContentLength != declared {
		t.Errorf("ContentLength = %d, want %d", o.resp.ContentLength, declared)
	}
	if o.body != body || !errors.Is(o.err, io.ErrUnexpectedEOF) {
		t.Errorf("body %q, err %v; want %q and io.ErrUnexpectedEOF", o.body, o.err, body)
	}
}

// wantCounts compares the injector's counters, Connections aside, and
// how many requests reached the wrapped handler.
func wantCounts(t *testing.T, o outcome, served int, want faults.Stats) {
	t.Helper()
	got := o.stats
	got.Connections = 0
	if !statsEqual(got, want) {
		t.Errorf("Stats = %+v\n        want %+v", got, want)
	}
	if o.served != served {
		t.Errorf("the wrapped handler served %d requests, want %d", o.served, served)
	}
}

func statsEqual(a, b faults.Stats) bool {
	if len(a.Responses) == 0 && len(b.Responses) == 0 {
		a.Responses, b.Responses = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

// TestHandlerAbortsWithoutHijack covers writers that cannot be hijacked,
// such as HTTP/2's: resets and cuts fall back to http.ErrAbortHandler.
func TestHandlerAbortsWithoutHijack(t *testing.T) {
	for _, f := range []faults.Fault{{Kind: faults.Reset}, {Kind: faults.Truncate, Bytes: 2}} {
		t.Run(f.Kind.String(), func(t *testing.T) {
			h := mustNew(t, one(f)).Handler(&hello{})
			defer func() {
				if r := recover(); r != http.ErrAbortHandler {
					t.Errorf("recovered %v, want http.ErrAbortHandler", r)
				}
			}()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
			t.Error("no panic")
		})
	}
}

// TestHandlerLetsNextHijack checks that the writer next gets still
// flushes and hijacks, by type assertion as by ResponseController.
func TestHandlerLetsNextHijack(t *testing.T) {
	checkLeaks(t)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/flush" {
			w.(http.Flusher).Flush()
			return
		}
		var conn net.Conn
		var err error
		if r.URL.Path == "/assert" {
			conn, _, err = w.(http.Hijacker).Hijack()
		} else {
			conn, _, err = http.NewResponseController(w).Hijack()
		}
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		_, _ = io.WriteString(conn, "HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		_ = conn.Close()
	})
	srv, client := loopback(t, faults.Scenario{}, next)
	for _, path := range []string{"/assert", "/controller", "/flush"} {
		resp, _, err := get(t.Context(), client, srv.URL+path)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 200, false: 418}[path == "/flush"]; resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", path, resp.StatusCode, want)
		}
	}
	if got := srv.Stats().Responses; len(got) != 1 || got[200] != 1 {
		t.Errorf("Responses = %v, want only the flushed 200 (hijacked answers are not counted)", got)
	}
}
