package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// scenarioOptions are the flags that make a fault scenario, or name a
// JSON file that holds one.
type scenarioOptions struct {
	file          string
	seed          uint64
	idHeader      string
	attemptHeader string
	rate503       rate
	rate500       rate
	rate429       rate
	retryAfter    time.Duration
	rateReset     rate
	rateTruncate  rate
	rateHang      rate
	latency       stringList
	outages       stringList
}

// scenarioFlagNames are the flags that build a scenario, which -scenario
// excludes.
var scenarioFlagNames = []string{"seed", "id-header", "attempt-header", "rate-503", "rate-500", "rate-429",
	"retry-after", "rate-reset", "rate-truncate", "rate-hang", "latency", "outage"}

func addScenarioFlags(fs *flag.FlagSet) *scenarioOptions {
	o := new(scenarioOptions)
	fs.StringVar(&o.file, "scenario", "", "read the scenario from this JSON `FILE` (see go doc github.com/rebound-go/rebound/faults); excludes -seed, -id-header, -attempt-header, -rate-*, -retry-after, -latency and -outage")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the fault schedule")
	fs.StringVar(&o.idHeader, "id-header", "X-Request-Id", "request header whose value keys the schedule (\"\": order of arrival)")
	fs.StringVar(&o.attemptHeader, "attempt-header", "X-Attempt", "header whose value joins the id's, so each attempt meets its own fault")
	fs.Var(&o.rate503, "rate-503", "`RATE` of requests answered 503, such as 0.3 or 30%")
	fs.Var(&o.rate500, "rate-500", "`RATE` of requests answered 500")
	fs.Var(&o.rate429, "rate-429", "`RATE` of requests answered 429")
	fs.DurationVar(&o.retryAfter, "retry-after", 0, "Retry-After sent with the 503s and 429s, in whole seconds (0: none)")
	fs.Var(&o.rateReset, "rate-reset", "`RATE` of connections reset before any answer")
	fs.Var(&o.rateTruncate, "rate-truncate", "`RATE` of responses whose body is cut short")
	fs.Var(&o.rateHang, "rate-hang", "`RATE` of requests never answered (until the client gives up)")
	fs.Var(&o.latency, "latency", "added latency `MIN[-MAX][@RATE]`, such as 1ms-5ms or 200ms@5% (repeatable; the delays that fire add up)")
	fs.Var(&o.outages, "outage", "`START-END` window, from the server's start, in which every request gets a 503, such as 10s-15s (repeatable)")
	return o
}

// scenario returns the scenario the flags describe, checked. set reports
// whether a flag was given on the command line.
func (o *scenarioOptions) scenario(set func(name string) bool) (faults.Scenario, error) {
	if o.file != "" {
		for _, name := range scenarioFlagNames {
			if set(name) {
				return faults.Scenario{}, fmt.Errorf("-scenario excludes -%s: put it in the file", name)
			}
		}
		return loadScenarioFile(o.file)
	}
	s := faults.Scenario{Seed: o.seed, IDHeader: o.idHeader, AttemptHeader: o.attemptHeader}
	if s.IDHeader == "" {
		s.AttemptHeader = ""
	}
	status := func(r rate, code int, after time.Duration) {
		if r > 0 {
			s.Faults = append(s.Faults, faults.Fault{Kind: faults.Status, Rate: float64(r), Status: code, RetryAfter: after})
		}
	}
	status(o.rate503, 503, o.retryAfter)
	status(o.rate500, 500, 0)
	status(o.rate429, 429, o.retryAfter)
	for _, k := range []struct {
		r    rate
		kind faults.Kind
	}{{o.rateReset, faults.Reset}, {o.rateTruncate, faults.Truncate}, {o.rateHang, faults.Hang}} {
		if k.r > 0 {
			s.Faults = append(s.Faults, faults.Fault{Kind: k.kind, Rate: float64(k.r)})
		}
	}
	for _, l := range o.latency {
		lat, err := parseLatency(l)
		if err != nil {
			return faults.Scenario{}, err
		}
		s.Latency = append(s.Latency, lat)
	}
	for _, w := range o.outages {
		out, err := parseOutage(w)
		if err != nil {
			return faults.Scenario{}, err
		}
		s.Outages = append(s.Outages, out)
	}
	if err := s.Validate(); err != nil {
		return faults.Scenario{}, err
	}
	return s, nil
}

// loadScenarioFile reads a scenario from a JSON file.
func loadScenarioFile(name string) (faults.Scenario, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return faults.Scenario{}, err
	}
	s, err := faults.ParseScenario(data)
	if err != nil {
		return faults.Scenario{}, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

// parseLatency reads "MIN[-MAX][@RATE]": "200ms@5%", "1ms-5ms".
func parseLatency(v string) (faults.Latency, error) {
	spans, r, hasRate := strings.Cut(v, "@")
	l := faults.Latency{Rate: 1}
	if hasRate {
		f, err := parseRate(r)
		if err != nil {
			return l, fmt.Errorf("-latency %q: %w", v, err)
		}
		l.Rate = f
	}
	lo, hi, hasMax := strings.Cut(spans, "-")
	var err error
	if l.Min, err = time.ParseDuration(lo); err != nil {
		return l, fmt.Errorf("-latency %q: %q is not a duration", v, lo)
	}
	if hasMax {
		if l.Max, err = time.ParseDuration(hi); err != nil || l.Max <= l.Min {
			return l, fmt.Errorf("-latency %q: %q is not a duration above %v", v, hi, l.Min)
		}
	}
	return l, nil
}

// parseOutage reads "START-END": "10s-15s".
func parseOutage(v string) (faults.Outage, error) {
	a, b, ok := strings.Cut(v, "-")
	start, err1 := time.ParseDuration(a)
	end, err2 := time.ParseDuration(b)
	if !ok || err1 != nil || err2 != nil || end <= start {
		return faults.Outage{}, fmt.Errorf("-outage %q is not a window such as 10s-15s", v)
	}
	return faults.Outage{Start: start, End: end, Fault: faults.Fault{Status: 503}}, nil
}
