package limits

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/failsafe-go/failsafe-go/adaptivelimiter"
	"github.com/failsafe-go/failsafe-go/failsafehttp"
	"github.com/failsafe-go/failsafe-go/priority"
	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/limit"
	"github.com/rebound-go/rebound/ratelimit"

	"github.com/rebound-go/rebound/bench/clients"
)

// Contender is one client of an open-loop workload (RunQueue,
// RunPriority): made afresh over the given transport for each run, and
// closed after it.
type Contender struct {
	Name string
	New  func(next http.RoundTripper) (*Client, error)
}

// Client is an *http.Client under a name, with what to stop when the run
// ends (failsafe-go's prioritizer calibrates on a goroutine of its own).
type Client struct {
	name  string
	c     *http.Client
	close func()
}

// Name implements clients.Client.
func (c *Client) Name() string { return c.name }

// Do implements clients.Client.
func (c *Client) Do(ctx context.Context, r *clients.Request) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, r.Body)
	if err != nil {
		return nil, err
	}
	if r.Header != nil {
		req.Header = r.Header
	}
	return c.c.Do(req)
}

// Close stops what the client started.
func (c *Client) Close() {
	if c.close != nil {
		c.close()
	}
}

// oneAttempt is rebound's policy in the open-loop workloads: no retry, so
// that the table measures the limiter alone (every other client makes one
// attempt as well).
var oneAttempt = rebound.Policy{Attempts: 1}

func reboundContender(name string, cfg rebound.Config) Contender {
	return Contender{Name: name, New: func(next http.RoundTripper) (*Client, error) {
		t, err := rebound.NewTransport(next, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return &Client{name: name, c: &http.Client{Transport: t}}, nil
	}}
}

// ReboundLimit is rebound with Config.Limit at its defaults (a limit that
// starts at 20 and moves in [1, 200]) but for MaxWait: a call over the
// limit waits at most maxWait for a slot, then is refused (not sent).
func ReboundLimit(maxWait time.Duration) Contender {
	return reboundContender("rebound+limit", rebound.Config{Policy: oneAttempt, Limit: &limit.Settings{MaxWait: maxWait}})
}

// ReboundBulkhead is rebound with a static bulkhead of size slots; a call
// waits at most maxWait for a slot.
func ReboundBulkhead(size int, maxWait time.Duration) Contender {
	return reboundContender(fmt.Sprintf("rebound+bulkhead(%d)", size),
		rebound.Config{Policy: oneAttempt, Bulkhead: &bulkhead.Settings{MaxConcurrent: size, MaxWait: maxWait}})
}

// FailsafeLimit is failsafe-go's adaptive limiter (adaptivelimiter.NewBuilder
// at its defaults: limit 20 in [1, 200], p90 of a recent window of 1–30 s
// and at least 50 samples against a baseline) with WithMaxWaitTime(maxWait),
// under failsafehttp.NewRoundTripper.
func FailsafeLimit(maxWait time.Duration) Contender {
	return Contender{Name: "failsafe-go+limit", New: func(next http.RoundTripper) (*Client, error) {
		l := adaptivelimiter.NewBuilder[*http.Response]().WithMaxWaitTime(maxWait).Build()
		return &Client{name: "failsafe-go+limit", c: &http.Client{Transport: failsafehttp.NewRoundTripper(next, l)}}, nil
	}}
}

// FailsafePriority is failsafe-go's priority limiter: its adaptive limiter
// at its defaults built with BuildPrioritized over its own prioritizer
// (adaptivelimiter.NewPrioritizer), calibrated every calibrate, as its
// documentation asks. A call's priority.Priority comes from its context.
// It is given no maximum wait: its prioritizer sheds by how full the
// limiter's queue is (from 2× the limit queued), and a short wait keeps the
// queue from ever filling, so that calls are refused by their wait alone,
// whatever their priority.
func FailsafePriority(calibrate time.Duration) Contender {
	return Contender{Name: "failsafe-go+priority", New: func(next http.RoundTripper) (*Client, error) {
		p := adaptivelimiter.NewPrioritizer()
		l := adaptivelimiter.NewBuilder[*http.Response]().BuildPrioritized(p)
		stop := p.ScheduleCalibrations(context.Background(), calibrate)
		return &Client{name: "failsafe-go+priority", c: &http.Client{Transport: failsafehttp.NewRoundTripper(next, l)}, close: stop}, nil
	}}
}

// NetHTTP is plain net/http: no limit, no retry.
func NetHTTP() Contender {
	return Contender{Name: clients.Baseline, New: func(next http.RoundTripper) (*Client, error) {
		return &Client{name: clients.Baseline, c: &http.Client{Transport: next}}, nil
	}}
}

// withPriority returns ctx carrying p for rebound (limit.WithPriority) and
// its counterpart for failsafe-go (priority.ContextWithPriority: Low,
// Medium, VeryHigh); each library reads only its own.
func withPriority(ctx context.Context, p limit.Priority) context.Context {
	fp := priority.Medium
	switch p {
	case limit.PriorityLow:
		fp = priority.Low
	case limit.PriorityCritical:
		fp = priority.VeryHigh
	}
	return priority.ContextWithPriority(limit.WithPriority(ctx, p), fp)
}

// Refused reports whether err is a local refusal by a limiter or bulkhead:
// the call was not sent.
func Refused(err error) bool {
	return errors.Is(err, limit.ErrLimited) || errors.Is(err, bulkhead.ErrFull) ||
		errors.Is(err, ratelimit.ErrLimited) || errors.Is(err, adaptivelimiter.ErrExceeded)
}

// classify says how a call ended: OK (200, body read whole), refused (not sent)
// or failed (anything else: a deadline, an error, another status).
func classify(resp *http.Response, err error) ending {
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode == http.StatusOK {
			return endOK
		}
	}
	if Refused(err) {
		return endRefused
	}
	return endFailed
}
