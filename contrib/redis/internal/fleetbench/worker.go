package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	rredis "github.com/rebound-go/rebound/contrib/redis"
	"github.com/rebound-go/rebound/fleet"
	"github.com/rebound-go/rebound/ratelimit"
)

// job is what the driver asks one worker process to do.
type job struct {
	Scenario string        // outage, quota or lost
	Shared   bool          // share the guards through Redis
	URL      string        // the fault server's
	Redis    string        // address
	Start    time.Time     // when to start calling
	Duration time.Duration // how long to start calls
	Rate     float64       // calls started a second
	Quota    int           // the credential's quota, requests a second, for the shared Quota
}

// tally is what one worker saw.
type tally struct {
	Sent, OK, TooMany, Unavailable, Refused, Failed int64
	// LostAt and BackAt are when the fleet last turned disconnected and
	// connected again, in Unix nanoseconds (0: never).
	LostAt, BackAt int64
	Syncs          int64 // the fleet's round trips, every host at once
	QuotaTrips     int64 // the quota's round trips
	QuotaFallbacks int64
}

func runWorker(j job) error {
	client := newClient(j.Redis)
	defer client.Close()
	cfg := rebound.Config{}
	var f *fleet.Fleet
	if j.Shared && j.Scenario != "quota" { // the quota run shares its Quota only
		var err error
		if f, err = fleet.New(fleet.Settings{Store: rredis.NewStore(client, "bench:")}); err != nil {
			return err
		}
		defer f.Close()
		cfg.Fleet = f
	}
	var quota *rredis.Quota
	switch j.Scenario {
	case "outage":
		cfg.Breaker, cfg.Budget = &breaker.Settings{}, rebound.AdaptiveBudget
	case "quota":
		cfg.Policy.Attempts = 1
		if !j.Shared { // local guards: each process paces on the headers it sees
			cfg.Pace = &ratelimit.Settings{}
		}
	case "lost":
		cfg.Breaker, cfg.Budget = &breaker.Settings{}, rebound.AdaptiveBudget
	}
	if j.Shared && j.Quota > 0 {
		var err error
		quota, err = rredis.NewQuota(client, rredis.QuotaSettings{Name: "client-1", Limit: j.Quota,
			MaxWait: 500 * time.Millisecond, Prefix: "bench:"})
		if err != nil {
			return err
		}
		cfg.RateLimit = quota
	}
	tr, err := rebound.NewTransport(nil, cfg)
	if err != nil {
		return err
	}
	var t tally
	stopWatch := watch(f, &t)
	calls(j, &http.Client{Transport: tr}, &t)
	stopWatch()
	if f != nil {
		t.Syncs = f.Stats().Syncs
	}
	if quota != nil {
		s := quota.Stats()
		t.QuotaTrips, t.QuotaFallbacks = s.RoundTrips, s.Fallbacks
	}
	return json.NewEncoder(os.Stdout).Encode(t)
}

// calls starts j.Rate calls a second for j.Duration, each on its own
// goroutine with a deadline, and counts how they ended.
func calls(j job, c *http.Client, t *tally) {
	time.Sleep(time.Until(j.Start))
	tick := time.NewTicker(time.Duration(float64(time.Second) / j.Rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	const timeout = 2 * time.Second
	for end := j.Start.Add(j.Duration); time.Now().Before(end); <-tick.C {
		atomic.AddInt64(&t.Sent, 1)
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, j.URL, nil)
			resp, err := c.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			count(t, resp, err)
		})
	}
	wg.Wait()
}

func count(t *tally, resp *http.Response, err error) {
	switch {
	case err != nil && (errors.Is(err, breaker.ErrCircuitOpen) || errors.Is(err, rredis.ErrOverQuota) ||
		errors.Is(err, budget.ErrExhausted) || errors.Is(err, rebound.ErrWaitPastDeadline)):
		atomic.AddInt64(&t.Refused, 1)
	case err != nil:
		atomic.AddInt64(&t.Failed, 1)
		fmt.Fprintln(os.Stderr, "call failed:", err)
	case resp.StatusCode == http.StatusOK:
		atomic.AddInt64(&t.OK, 1)
	case resp.StatusCode == http.StatusTooManyRequests:
		atomic.AddInt64(&t.TooMany, 1)
	case resp.StatusCode == http.StatusServiceUnavailable:
		atomic.AddInt64(&t.Unavailable, 1)
	default:
		atomic.AddInt64(&t.Failed, 1)
	}
}

// watch records when the fleet falls back and when it shares again,
// looking every millisecond; it returns a function that stops it.
func watch(f *fleet.Fleet, t *tally) func() {
	if f == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		was := false
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			now := f.Stats().Connected
			switch {
			case was && !now:
				atomic.StoreInt64(&t.LostAt, time.Now().UnixNano())
			case !was && now && atomic.LoadInt64(&t.LostAt) != 0:
				atomic.StoreInt64(&t.BackAt, time.Now().UnixNano())
			}
			was = now
		}
	})
	return func() { close(done); wg.Wait() }
}
