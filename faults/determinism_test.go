package faults_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// send makes one POST and names what came back: a status code, "cut"
// for a body that ended early, "hang" when the client gave up, "reset"
// for any other failure.
func send(ctx context.Context, client *http.Client, url, id, attempt string) string {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("payload"))
	req.GetBody = nil
	if id != "" {
		req.Header.Set("X-Request-Id", id)
		req.Header.Set("X-Attempt", attempt)
	}
	resp, err := client.Do(req)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "hang"
	case err != nil:
		return "reset"
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return "cut"
	}
	return strconv.Itoa(resp.StatusCode)
}

// predict names what a plan will look like to send.
func predict(p faults.Plan) string {
	if p.Fault == nil {
		return "200"
	}
	switch p.Fault.Kind {
	case faults.Status:
		if p.Fault.Status == 0 {
			return "503"
		}
		return strconv.Itoa(p.Fault.Status)
	case faults.Reset, faults.Hang:
		return p.Fault.Kind.String()
	case faults.Truncate:
		return "cut"
	}
	return "200" // a trickle arrives whole
}

// TestSequenceRepeats runs the same scenario twice, on each side, one
// request at a time: both runs meet the faults Scenario.Plan predicts.
func TestSequenceRepeats(t *testing.T) {
	const n = 200
	want := make([]string, n)
	for i := range want {
		want[i] = predict(busy.Plan(uint64(i), 0))
	}
	sides := map[string]func(t *testing.T) (*http.Client, string){
		"server": func(t *testing.T) (*http.Client, string) {
			srv, client := inMemory(t, busy, &hello{})
			return client, srv.URL
		},
		"client": func(t *testing.T) (*http.Client, string) {
			return &http.Client{Transport: mustNew(t, busy).Transport(memTransport{})}, "http://mem.test/"
		},
	}
	for side, start := range sides {
		for run := range 2 {
			t.Run(fmt.Sprintf("%s/run%d", side, run), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					client, url := start(t)
					for i := range n {
						if got := send(t.Context(), client, url, "", ""); got != want[i] {
							t.Fatalf("request %d: %s, want %s", i, got, want[i])
						}
					}
				})
			})
		}
	}
}

// TestHeaderKeysIgnoreOrder sends the same requests, identified by
// X-Request-Id and X-Attempt, in two different orders from different
// numbers of goroutines: each request meets the same fault both times.
func TestHeaderKeysIgnoreOrder(t *testing.T) {
	s := busy
	s.IDHeader, s.AttemptHeader = "X-Request-Id", "X-Attempt"
	type call struct{ id, attempt string }
	var calls []call
	for id := range 60 {
		for attempt := 1; attempt <= 3; attempt++ {
			calls = append(calls, call{fmt.Sprintf("req-%d", id), strconv.Itoa(attempt)})
		}
	}
	run := func(t *testing.T, workers int, reverse bool) map[call]string {
		got := map[call]string{}
		synctest.Test(t, func(t *testing.T) {
			srv, client := inMemory(t, s, &hello{})
			var mu sync.Mutex
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := w; i < len(calls); i += workers {
						c := calls[i]
						if reverse {
							c = calls[len(calls)-1-i]
						}
						outcome := send(t.Context(), client, srv.URL, c.id, c.attempt)
						mu.Lock()
						got[c] = outcome
						mu.Unlock()
					}
				})
			}
			wg.Wait()
		})
		return got
	}
	first, second := run(t, 7, false), run(t, 3, true)
	if !maps.Equal(first, second) {
		t.Errorf("the two orders met different faults:\n%v\n%v", first, second)
	}
	differ := 0
	for _, c := range calls {
		if want := predict(s.Plan(faults.HeaderKey(c.id, c.attempt), 0)); first[c] != want {
			t.Errorf("%v met %s, want %s", c, first[c], want)
		}
		if c.attempt == "1" && first[c] != first[call{c.id, "2"}] {
			differ++
		}
	}
	if differ == 0 {
		t.Error("every second attempt met what the first did; the attempt header is ignored")
	}
}

// TestIDWithoutAttempt shows that, with no attempt header, every attempt
// of one request meets the same fault, and that requests without the id
// header fall back to sequence numbers.
func TestIDWithoutAttempt(t *testing.T) {
	s := faults.Scenario{IDHeader: "X-Request-Id", Faults: []faults.Fault{{Rate: 0.5}}}
	in := mustNew(t, s)
	rt := in.Transport(memTransport{})
	codes := func(id string) (out [4]int) {
		for i := range out {
			req, _ := http.NewRequest(http.MethodGet, "http://mem.test/", nil)
			if id != "" {
				req.Header.Set("x-request-id", id) // any spelling
			}
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			out[i] = resp.StatusCode
		}
		return out
	}
	for id := range 20 {
		got := codes(fmt.Sprint("id-", id))
		if got[0] != got[1] || got[0] != got[2] || got[0] != got[3] {
			t.Errorf("id-%d met %v across attempts, want one outcome", id, got)
		}
	}
	got := codes("")
	for i, code := range got {
		if want := predict(s.Plan(uint64(i), 0)); strconv.Itoa(code) != want {
			t.Errorf("request %d without an id: %d, want %s as sequence number %d", i, code, want, i)
		}
	}
}
