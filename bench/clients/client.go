// Package clients puts rebound and its peers behind one interface, each
// configured as alike as its API allows, so a workload can iterate over all
// of them and every client meets the same server, faults and transport.
//
// The common configuration (Settings): 4 attempts in total, exponential
// backoff from 1 ms doubling to 10 ms, retry on 429, on 5xx except 501, and
// on connection errors. Under every client sits its own clone of
// http.DefaultTransport with MaxIdleConnsPerHost 64 (NewHTTPTransport).
//
// Where a peer cannot be configured exactly so, its file says what differs.
package clients

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Request is one call as a user has it before picking a client: the body is
// the io.Reader the user holds (a *bytes.Reader, an io.MultiReader, the read
// end of an io.Pipe…), not yet wrapped in an http.Request, because several
// peers (resty, go-retryablehttp's own Do) take the raw reader and treat it
// by its type. Clients built on net/http make the *http.Request with
// http.NewRequestWithContext, as their users do.
type Request struct {
	Method string
	URL    string
	Header http.Header // nil for none
	Body   io.Reader   // nil for none
}

// Client is one HTTP client stack under test.
type Client interface {
	Name() string // no "/" in it, so benchmark names parse as key=value
	// Do sends r and returns the final response, unread, or an error. The
	// caller reads and closes the body.
	Do(ctx context.Context, r *Request) (*http.Response, error)
}

// Settings is the retry configuration every client is given.
type Settings struct {
	Attempts int           // in total, the first included
	Initial  time.Duration // first backoff
	Max      time.Duration // backoff cap

	// Observe asks a client that can count what its guards did (hedges
	// sent, retries a budget refused, breaker trips…) to do so, for Notes.
	// The fault runs set it; the happy path does not, so that no counting
	// hook adds to the cost it measures.
	Observe bool
}

// DefaultSettings: 4 attempts, 1 ms doubling to 10 ms.
func DefaultSettings() Settings {
	return Settings{Attempts: 4, Initial: time.Millisecond, Max: 10 * time.Millisecond}
}

// Noter is a Client that can tell, after a run, what it did that the
// tables' columns do not show: hedges sent and won, retries its budget
// refused, breaker trips, pacing waits. "" for nothing worth saying.
type Noter interface {
	Notes() string
}

// Constructor makes a Client over next (the transport it must send through)
// with the given settings.
type Constructor struct {
	Name string
	New  func(next http.RoundTripper, s Settings) (Client, error)
	// Only lists the workloads the client is run on, as name prefixes
	// ("post-" for every POST workload); nil means every workload. It keeps
	// a variant out of the tables where its guard has nothing to do.
	Only []string
}

// RunsOn reports whether the client belongs in the table of workload w.
func (c Constructor) RunsOn(w string) bool {
	if c.Only == nil {
		return true
	}
	for _, p := range c.Only {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

// Baseline is the name of the plain net/http client that ratios refer to.
const Baseline = "nethttp"

// Workloads where the guards have something to do: failures to retry or
// refuse (GuardWorkloads), slow answers to hedge (HedgeWorkloads: with the
// POSTs, where a hedged copy must carry the same body as the first).
var (
	GuardWorkloads = []string{"503-30%", "outage", "reset-30%", "quota-429"}
	HedgeWorkloads = []string{"503-30%", "outage", "slow-5%", "post-"}
)

// All returns every client: plain net/http first (the baseline), then the
// peers and failsafe-go's guarded variants, then each rebound variant (see
// ReboundVariants).
func All() []Constructor {
	cs := []Constructor{
		{Name: Baseline, New: newNetHTTP},
		{Name: "retryablehttp-std", New: newRetryableStd},
		{Name: "retryablehttp-do", New: newRetryableDo},
		{Name: "failsafe-go", New: newFailsafe},
		{Name: "failsafe-go+budget", New: newFailsafeBudget},
		{Name: "failsafe-go+guards", New: newFailsafeGuards, Only: GuardWorkloads},
		{Name: "failsafe-go+hedge", New: newFailsafeHedge, Only: []string{"503-30%", "outage", "slow-5%"}},
		{Name: "failsafe-go+limit", New: newFailsafeLimit, Only: []string{"503-30%", "outage"}},
		{Name: "heimdall", New: newHeimdall},
		{Name: "resty", New: newResty},
		{Name: "cenkalti-loop", New: newCenkalti},
	}
	for _, v := range ReboundVariants {
		cs = append(cs, Constructor{Name: v.Name, New: v.constructor(), Only: v.Only})
	}
	return cs
}

// NewHTTPTransport returns the transport every client sends through: a clone
// of http.DefaultTransport with MaxIdleConnsPerHost 64, so that 32 callers
// need at most 32 connections.
func NewHTTPTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

// RetryableStatus is the status rule every client is configured with where
// it can be: 429, and 5xx except 501.
func RetryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500 && code != http.StatusNotImplemented && code <= 599
}

// newHTTPRequest makes the *http.Request a net/http user makes.
func newHTTPRequest(ctx context.Context, r *Request) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, r.Body)
	if err != nil {
		return nil, err
	}
	if r.Header != nil {
		req.Header = r.Header
	}
	return req, nil
}

// stdClient is a Client over an *http.Client.
type stdClient struct {
	name string
	c    *http.Client
}

func (s *stdClient) Name() string { return s.name }

func (s *stdClient) Do(ctx context.Context, r *Request) (*http.Response, error) {
	req, err := newHTTPRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	return s.c.Do(req)
}

// errStatus is what a hand-written loop returns for a status it retried.
type errStatus int

func (e errStatus) Error() string { return fmt.Sprintf("status %d", int(e)) }
