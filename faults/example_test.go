package faults_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// A server that answers 30 % of requests with 503, on a seeded schedule,
// and counts what it did.
func Example() {
	in, err := faults.New(faults.Scenario{
		Seed:   23,
		Faults: []faults.Fault{{Kind: faults.Status, Rate: 0.3, Status: 503, RetryAfter: time.Second}},
	})
	if err != nil {
		log.Fatal(err)
	}
	srv, err := faults.NewServer(nil, in, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	for i := range 10 {
		resp, err := client.Get(srv.URL)
		if err != nil {
			log.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if i > 0 {
			fmt.Print(" ")
		}
		fmt.Print(resp.StatusCode)
	}
	fmt.Println()
	st := in.Stats()
	fmt.Printf("%d requests, %d injected, %d reached the handler, %d connection\n",
		st.Requests, st.Statuses, st.Forwarded, st.Connections)
	// Output:
	// 200 503 503 200 200 200 200 200 503 200
	// 10 requests, 3 injected, 7 reached the handler, 1 connection
}

// With IDHeader set, what a request meets depends on the scenario's seed
// and the request's id alone, not on the order requests arrive in: two
// clients that send the same ids meet the same faults.
func Example_requestIDs() {
	s := faults.Scenario{
		Seed:     1,
		IDHeader: "X-Request-Id",
		Faults:   []faults.Fault{{Kind: faults.Status, Rate: 0.3, Status: 503}},
	}
	ok := okTransport{}
	for _, order := range [][]int{{1, 2, 3, 4, 5, 6}, {6, 5, 4, 3, 2, 1}} {
		in, err := faults.New(s)
		if err != nil {
			log.Fatal(err)
		}
		rt := in.Transport(ok)
		status := map[int]int{}
		for _, id := range order {
			req, _ := http.NewRequest(http.MethodGet, "http://example.test/", nil)
			req.Header.Set("X-Request-Id", strconv.Itoa(id))
			resp, err := rt.RoundTrip(req)
			if err != nil {
				log.Fatal(err)
			}
			resp.Body.Close()
			status[id] = resp.StatusCode
		}
		fmt.Println(status[1], status[2], status[3], status[4], status[5], status[6])
	}
	// Output:
	// 200 503 200 200 200 200
	// 200 503 200 200 200 200
}

// okTransport answers every request 200, without a network.
type okTransport struct{}

func (okTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: req}, nil
}

// Scenarios load from JSON, with durations as Go duration strings, and
// are checked on the way in.
func ExampleParseScenario() {
	s, err := faults.ParseScenario([]byte(`{
		"seed": 42,
		"faults": [{"kind": "truncate", "rate": 0.1, "bytes": 100}],
		"latency": [{"rate": 0.05, "min": "200ms"}],
		"outages": [{"start": "10s", "end": "15s"}]
	}`))
	fmt.Println(s.Faults[0].Kind, s.Latency[0].Min, s.Outages[0].End, err)

	_, err = faults.ParseScenario([]byte(`{"faults": [{"kind": "reset", "rate": 1.3}]}`))
	fmt.Println(err)
	_, err = faults.ParseScenario([]byte(`{"faults": [{"kind": "reset", "probability": 0.5}]}`))
	fmt.Println(err)
	// Output:
	// truncate 200ms 15s <nil>
	// faults: faults[0]: rate 1.3 is not a probability
	// faults: json: unknown field "probability"
}

// On the client side, faults come from the RoundTripper. With an id and
// an attempt header, each attempt of a request meets its own fault, the
// same in every run and whatever order concurrent clients send them in.
func ExampleInjector_Transport() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	defer backend.Close()

	in, err := faults.New(faults.Scenario{
		Seed:          28,
		IDHeader:      "X-Request-Id",
		AttemptHeader: "X-Attempt",
		Faults:        []faults.Fault{{Kind: faults.Reset, Rate: 0.5}},
	})
	if err != nil {
		log.Fatal(err)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: in.Transport(tr)}

	for attempt := 1; attempt <= 5; attempt++ {
		req, _ := http.NewRequest(http.MethodGet, backend.URL, nil)
		req.Header.Set("X-Request-Id", "order-17")
		req.Header.Set("X-Attempt", fmt.Sprint(attempt))
		resp, err := client.Do(req)
		if err != nil {
			fmt.Printf("attempt %d: connection reset: %t\n", attempt, errors.Is(err, syscall.ECONNRESET))
			continue
		}
		_ = resp.Body.Close()
		fmt.Printf("attempt %d: %s\n", attempt, resp.Status)
		break
	}
	// Output:
	// attempt 1: connection reset: true
	// attempt 2: connection reset: true
	// attempt 3: connection reset: true
	// attempt 4: 200 OK
}
