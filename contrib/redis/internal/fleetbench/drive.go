package main

import (
	"fmt"
	"time"
)

// boot is how long the workers get to start before the run begins.
const boot = 1500 * time.Millisecond

// drive runs every scenario and prints the results; ok is false when a
// goal is missed.
func drive(o options) (ok bool, err error) {
	rs, err := startRedis()
	if err != nil {
		return false, err
	}
	defer rs.close()
	srv := &faultServer{quota: o.quota}
	url, stop, err := serve(srv)
	if err != nil {
		return false, err
	}
	defer stop()
	ok = true
	fmt.Printf("fleetbench: %d processes, %v runs, one redis-server, one fault server (loopback)\n\n", o.procs, o.duration)

	// Outage: 503 for o.outage, from 40 % of the run.
	fmt.Printf("## outage: %.0f calls/s per process, all 503 for %v of %v\n\n", o.rate, o.outage, o.duration)
	fmt.Println("| guards | requests in the outage | 503s served | calls ok | refused locally | requests in all | fleet syncs |")
	fmt.Println("|---|---|---|---|---|---|---|")
	var inOutage [2]int64
	for i, shared := range []bool{false, true} {
		start := time.Now().Add(boot)
		from := start.Add(o.duration * 4 / 10)
		srv.reset(from, from.Add(o.outage))
		ts, err := spawn(o, job{Scenario: "outage", Shared: shared, URL: url + "/outage", Redis: rs.addr(),
			Start: start, Duration: o.duration, Rate: o.rate})
		if err != nil {
			return false, err
		}
		s := sum(ts)
		inOutage[i] = srv.inOutage.Load()
		fmt.Printf("| %s | %d | %d | %d | %d | %d | %d |\n", label(shared), inOutage[i], srv.failedInOutage.Load(),
			s.OK, s.Refused, srv.requests.Load(), s.Syncs)
	}
	ratio := float64(inOutage[1]) / float64(max(inOutage[0], 1))
	fmt.Printf("\nshared/local requests in the outage: %.3f (goal ≤ 0.25)\n\n", ratio)
	ok = ok && ratio <= 0.25

	// Quota: o.quota/s for the credential; each process wants o.want/s.
	fmt.Printf("## quota: the server allows %d/s for one credential; %d processes want %.0f/s each\n\n", o.quota, o.procs, o.want)
	fmt.Println("| guards | requests | 429s | 429 share | ok/s in the run | refused locally | quota round trips per call | fallbacks |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, shared := range []bool{false, true} {
		start := time.Now().Add(boot)
		srv.reset(time.Time{}, time.Time{})
		j := job{Scenario: "quota", Shared: shared, URL: url + "/quota", Redis: rs.addr(), Start: start,
			Duration: o.duration, Rate: o.want}
		if shared {
			j.Quota = o.quota
		}
		var okAtStart, okAtEnd int64
		done := make(chan struct{})
		go func() {
			time.Sleep(time.Until(start))
			okAtStart = srv.ok.Load()
			time.Sleep(time.Until(start.Add(o.duration)))
			okAtEnd = srv.ok.Load()
			close(done)
		}()
		ts, err := spawn(o, j)
		if err != nil {
			return false, err
		}
		<-done
		s := sum(ts)
		req, tooMany := srv.requests.Load(), srv.tooMany.Load()
		share := float64(tooMany) / float64(max(req, 1))
		perSec := float64(okAtEnd-okAtStart) / o.duration.Seconds()
		perCall := float64(s.QuotaTrips) / float64(max(s.Sent, 1))
		fmt.Printf("| %s | %d | %d | %.2f %% | %.1f | %d | %.2f | %d |\n", label(shared), req, tooMany, 100*share,
			perSec, s.Refused, perCall, s.QuotaFallbacks)
		if shared {
			ok = ok && share <= 0.01 && perSec >= 0.95*float64(o.quota)
			fmt.Printf("\nshared: 429s %.2f %% of requests (goal ≤ 1 %%), %.1f ok/s = %.1f %% of %d/s (goal ≥ 95 %%)\n\n",
				100*share, perSec, 100*perSec/float64(o.quota), o.quota)
		}
	}

	lostOK, err := lost(o, rs, srv, url)
	return ok && lostOK, err
}

// lost runs shared guards and a shared quota on a healthy server while
// Redis is stopped for a second mid-run and started again.
func lost(o options, rs *redisServer, srv *faultServer, url string) (bool, error) {
	fmt.Printf("## Redis lost mid-run: stopped at 40 %% of the run for 1 s, started again on the same port\n\n")
	start := time.Now().Add(boot)
	srv.reset(time.Time{}, time.Time{})
	killAt := start.Add(o.duration * 4 / 10)
	errc := make(chan error, 1)
	go func() {
		time.Sleep(time.Until(killAt))
		rs.stop()
		time.Sleep(time.Second)
		errc <- rs.start()
	}()
	ts, err := spawn(o, job{Scenario: "lost", Shared: true, URL: url + "/outage", Redis: rs.addr(), Start: start,
		Duration: o.duration, Rate: o.rate, Quota: 10 * int(o.rate) * o.procs})
	if err != nil {
		return false, err
	}
	if err := <-errc; err != nil {
		return false, err
	}
	s := sum(ts)
	var worst, back time.Duration
	fell := 0
	for _, t := range ts {
		if t.LostAt != 0 {
			fell++
			worst = max(worst, time.Unix(0, t.LostAt).Sub(killAt))
		}
		if t.BackAt != 0 {
			back = max(back, time.Unix(0, t.BackAt).Sub(killAt.Add(time.Second)))
		}
	}
	fmt.Println("| calls | ok | failed | refused locally | processes that fell back | slowest fallback after the stop | slowest return after the restart | quota fallbacks |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	fmt.Printf("| %d | %d | %d | %d | %d of %d | %v | %v | %d |\n\n", s.Sent, s.OK, s.Failed+s.Unavailable+s.TooMany,
		s.Refused, fell, len(ts), worst.Round(time.Millisecond), back.Round(time.Millisecond), s.QuotaFallbacks)
	return s.Failed+s.Unavailable+s.TooMany+s.Refused == 0 && fell == len(ts) && worst <= 150*time.Millisecond, nil
}

func label(shared bool) string {
	if shared {
		return "shared"
	}
	return "local"
}
