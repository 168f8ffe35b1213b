package faults_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// TestServerTiming checks server-side delays, hangs and trickles exactly:
// a real http.Server and http.Transport over in-memory connections, in a
// synctest bubble.
func TestServerTiming(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name    string
		s       faults.Scenario
		timeout time.Duration
		want    time.Duration
		wantErr error
	}{
		{"fixed latency", faults.Scenario{Latency: []faults.Latency{{Rate: 1, Min: 7 * ms}}}, 0, 7 * ms, nil},
		{"long tail", faults.Scenario{Latency: []faults.Latency{{Rate: 1, Min: ms}, {Rate: 1, Min: 200 * ms}}}, 0, 201 * ms, nil},
		{"hang", one(faults.Fault{Kind: faults.Hang}), 250 * ms, 250 * ms, context.DeadlineExceeded},
		{"trickle", one(faults.Fault{Kind: faults.Trickle, Bytes: 4, Interval: 10 * ms}), 0, 40 * ms, nil},
		{"trickle past the deadline", one(faults.Fault{Kind: faults.Trickle, Interval: 10 * ms}), 55 * ms, 55 * ms, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, client := inMemory(t, tc.s, &hello{})
				client.Timeout = tc.timeout
				start := time.Now()
				_, body, err := get(t.Context(), client, srv.URL)
				if elapsed := time.Since(start); elapsed != tc.want {
					t.Errorf("took %v, want %v", elapsed, tc.want)
				}
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("err = %v, want %v", err, tc.wantErr)
				}
				if tc.wantErr == nil && body != helloBody {
					t.Errorf("body = %q", body)
				}
			})
		})
	}
}

func TestServerOutageWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := faults.Scenario{Outages: []faults.Outage{{Start: time.Second, End: 2 * time.Second, Fault: faults.Fault{Status: 502}}}}
		srv, client := inMemory(t, s, &hello{})
		var got []int
		for range 6 {
			resp, _, err := get(t.Context(), client, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, resp.StatusCode)
			time.Sleep(500 * time.Millisecond) // fake time: walks the clock through the window
		}
		if want := []int{200, 200, 502, 502, 200, 200}; !equalInts(got, want) {
			t.Errorf("statuses %v, want %v", got, want)
		}
	})
}

// TestServerCloseReleasesHang shows that Close ends a hanging request
// whose client would wait forever, and waits for its handler.
func TestServerCloseReleasesHang(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, client := inMemory(t, one(faults.Fault{Kind: faults.Hang}), &hello{})
		errc := make(chan error, 1)
		go func() {
			_, _, err := get(context.Background(), client, srv.URL)
			errc <- err
		}()
		synctest.Wait() // the request is hanging
		if st := srv.Stats(); st.Hangs != 1 {
			t.Fatalf("Hangs = %d, want 1", st.Hangs)
		}
		srv.Close()
		if err := <-errc; err == nil {
			t.Error("the hanging request succeeded")
		}
	})
}

func TestServerPostBodyHang(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, client := inMemory(t, one(faults.Fault{Kind: faults.Hang}), &hello{})
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader(strings.Repeat("x", 100000)))
		if _, err := client.Do(req); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the deadline", err)
		}
		// The bubble ends only when the handler has noticed the client left.
	})
}

// TestServerCountsConnections compares the connections the client opened
// with those the server accepted.
func TestServerCountsConnections(t *testing.T) {
	for _, tc := range []struct {
		name  string
		s     faults.Scenario
		conns int64
	}{
		{"kept alive", faults.Scenario{}, 1},
		{"statuses keep the connection", one(faults.Fault{Status: 503}), 1},
		{"every reset costs one", one(faults.Fault{Kind: faults.Reset}), 5},
		{"every cut costs one", one(faults.Fault{Kind: faults.Truncate, Bytes: 1}), 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			srv, client := loopback(t, tc.s, &hello{})
			var opened int64
			trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
				if !info.Reused {
					opened++
				}
			}}
			for range 5 {
				// POST without GetBody: net/http does not silently retry it.
				req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace),
					http.MethodPost, srv.URL, strings.NewReader("x"))
				req.GetBody = nil
				if resp, err := client.Do(req); err == nil {
					_, _ = resp.Body.Read(make([]byte, 64))
					_ = resp.Body.Close()
				}
			}
			srv.Close()
			st := srv.Stats()
			if st.Connections != tc.conns || opened != tc.conns || st.Requests != 5 {
				t.Errorf("client opened %d, server accepted %d in %d requests; want %d in 5",
					opened, st.Connections, st.Requests, tc.conns)
			}
		})
	}
}

// A Server given no Injector, or the zero one, injects nothing; the zero
// Injector still counts.
func TestServerWithoutInjector(t *testing.T) {
	checkLeaks(t)
	for _, in := range []*faults.Injector{nil, new(faults.Injector)} {
		srv, err := faults.NewServer(nil, in, &hello{})
		if err != nil {
			t.Fatal(err)
		}
		tr := &http.Transport{}
		for range 3 {
			if _, body, err := get(t.Context(), &http.Client{Transport: tr}, srv.URL); err != nil || body != helloBody {
				t.Fatalf("got %q, %v", body, err)
			}
		}
		tr.CloseIdleConnections()
		srv.Close()
		if in == nil {
			continue
		}
		if st := in.Stats(); st.Requests != 3 || st.Forwarded != 3 || st.Connections != 1 || st.Responses[200] != 3 {
			t.Errorf("Stats = %+v", st)
		}
		srv.Close() // a second Close is harmless
	}
}

// A Server given no handler answers 200 "ok" on every path, as the
// `rebound faults` command does, rather than http.DefaultServeMux's 404.
func TestFaultsServerWithoutHandler(t *testing.T) {
	checkLeaks(t)
	s := faults.Scenario{Faults: []faults.Fault{{Kind: faults.Status, Rate: 0.5, Status: 503}}}
	srv, client := loopback(t, s, nil)
	codes := map[int]int{}
	for _, path := range []string{"/", "/a", "/b/c?d=e", "/health", "/x", "/y", "/z", "/w"} {
		resp, body, err := get(t.Context(), client, srv.URL+path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		codes[resp.StatusCode]++
		if resp.StatusCode == http.StatusOK && body != "ok" {
			t.Errorf("GET %s: 200 with body %q, want \"ok\"", path, body)
		}
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("GET %s: status %d, want 200 or the injected 503", path, resp.StatusCode)
		}
	}
	if st := srv.Stats(); st.Forwarded != int64(codes[200]) || codes[200] == 0 {
		t.Errorf("%d answers 200 of %d forwarded (%v): want every forwarded request answered 200", codes[200], st.Forwarded, codes)
	}
}
