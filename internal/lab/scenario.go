package lab

import (
	"fmt"
	"strings"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// The headers that key the fault schedule: a call's number and, for each
// attempt of it, the attempt's number from 1.
const (
	IDHeader      = "X-Request-Id"
	AttemptHeader = "X-Attempt"
)

// DefaultScenario is the lab's mix of faults, with an outage of length
// outage (none when zero) that starts at outageAt:
//
//   - 3 % 503 with Retry-After 1s, 7 % plain 503, 2 % 429 with Retry-After
//     1s, 3 % connection resets: 15 % of attempts fail;
//   - every request takes 1–5 ms, and 5 % take 200 ms more;
//   - during the outage, every request gets a 503 without Retry-After.
//
// Retry-After is 1 s, the shortest the header can say, so that a lab of a
// few thousand calls takes seconds, not minutes.
func DefaultScenario(outageAt, outage time.Duration) faults.Scenario {
	s := faults.Scenario{
		Seed:          1,
		IDHeader:      IDHeader,
		AttemptHeader: AttemptHeader,
		Faults: []faults.Fault{
			{Kind: faults.Status, Rate: 0.03, Status: 503, RetryAfter: time.Second},
			{Kind: faults.Status, Rate: 0.07, Status: 503},
			{Kind: faults.Status, Rate: 0.02, Status: 429, RetryAfter: time.Second},
			{Kind: faults.Reset, Rate: 0.03},
		},
		Latency: []faults.Latency{
			{Rate: 1, Min: time.Millisecond, Max: 5 * time.Millisecond},
			{Rate: 0.05, Min: 200 * time.Millisecond},
		},
	}
	if outage > 0 {
		s.Outages = []faults.Outage{{Start: outageAt, End: outageAt + outage, Fault: faults.Fault{Status: 503}}}
	}
	return s
}

// Describe summarises a scenario in one line, such as
// "503 (Retry-After 1s) 3%, reset 3%; +200ms 5%; outage 503 4s–6s".
func Describe(s faults.Scenario) string {
	var parts []string
	var fs []string
	for _, f := range s.Faults {
		fs = append(fs, fmt.Sprintf("%s %s", faultName(f), percent(f.Rate)))
	}
	if len(fs) > 0 {
		parts = append(parts, strings.Join(fs, ", "))
	}
	var ls []string
	for _, l := range s.Latency {
		d := "+" + l.Min.String()
		if l.Max > l.Min {
			d += "–" + l.Max.String()
		}
		ls = append(ls, d+" "+percent(l.Rate))
	}
	if len(ls) > 0 {
		parts = append(parts, strings.Join(ls, ", "))
	}
	for _, o := range s.Outages {
		parts = append(parts, fmt.Sprintf("outage %s %v–%v", faultName(o.Fault), o.Start, o.End))
	}
	if len(parts) == 0 {
		return "no faults"
	}
	return strings.Join(parts, "; ")
}

func faultName(f faults.Fault) string {
	name := f.Kind.String()
	if f.Kind == faults.Status {
		name = fmt.Sprint(f.Status)
		if f.Status == 0 {
			name = "503"
		}
	}
	if f.RetryAfter > 0 {
		name += " (Retry-After " + f.RetryAfter.String() + ")"
	}
	return name
}

func percent(r float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", r*100), "0"), ".") + "%"
}

// scenarioLine is one entry of a scenario, for the report's table of it.
type scenarioLine struct{ Kind, What, When string }

// scenarioLines lists what a scenario does, one entry a line: each fault
// and latency rule with its share of requests, each outage with its
// window.
func scenarioLines(s faults.Scenario) []scenarioLine {
	var out []scenarioLine
	for _, f := range s.Faults {
		out = append(out, scenarioLine{"fault", faultName(f), percent(f.Rate) + " of requests"})
	}
	for _, l := range s.Latency {
		d := "+" + l.Min.String()
		if l.Max > l.Min {
			d += " to " + l.Max.String()
		}
		out = append(out, scenarioLine{"latency", d, percent(l.Rate) + " of requests"})
	}
	for _, o := range s.Outages {
		out = append(out, scenarioLine{"outage", "every request: " + faultName(o.Fault), fmt.Sprintf("from %v to %v", o.Start, o.End)})
	}
	return out
}
