package faults

import (
	"fmt"
	"time"
)

// The JSON shape of a Scenario: the same fields in snake case, kinds by
// name and durations as Go duration strings.
type (
	scenarioJSON struct {
		Seed          uint64        `json:"seed,omitempty"`
		IDHeader      string        `json:"id_header,omitempty"`
		AttemptHeader string        `json:"attempt_header,omitempty"`
		Faults        []faultJSON   `json:"faults,omitempty"`
		Latency       []latencyJSON `json:"latency,omitempty"`
		Outages       []outageJSON  `json:"outages,omitempty"`
	}
	faultJSON struct {
		Kind       string  `json:"kind"`
		Rate       float64 `json:"rate,omitempty"`
		Status     int     `json:"status,omitempty"`
		RetryAfter string  `json:"retry_after,omitempty"`
		Bytes      int     `json:"bytes,omitempty"`
		Interval   string  `json:"interval,omitempty"`
		Forward    bool    `json:"forward,omitempty"`
	}
	latencyJSON struct {
		Rate float64 `json:"rate"`
		Min  string  `json:"min,omitempty"`
		Max  string  `json:"max,omitempty"`
	}
	outageJSON struct {
		Start string    `json:"start,omitempty"`
		End   string    `json:"end,omitempty"`
		Fault faultJSON `json:"fault"`
	}
)

func toJSON(s Scenario) scenarioJSON {
	w := scenarioJSON{Seed: s.Seed, IDHeader: s.IDHeader, AttemptHeader: s.AttemptHeader}
	for _, f := range s.Faults {
		w.Faults = append(w.Faults, faultToJSON(f))
	}
	for _, l := range s.Latency {
		w.Latency = append(w.Latency, latencyJSON{Rate: l.Rate, Min: durationText(l.Min), Max: durationText(l.Max)})
	}
	for _, o := range s.Outages {
		w.Outages = append(w.Outages, outageJSON{Start: durationText(o.Start), End: durationText(o.End), Fault: faultToJSON(o.Fault)})
	}
	return w
}

func faultToJSON(f Fault) faultJSON {
	return faultJSON{
		Kind:       f.Kind.String(),
		Rate:       f.Rate,
		Status:     f.Status,
		RetryAfter: durationText(f.RetryAfter),
		Bytes:      f.Bytes,
		Interval:   durationText(f.Interval),
		Forward:    f.Forward,
	}
}

// scenario converts w, reporting bad kinds and durations by their place
// in the JSON. Empty lists become nil so that JSON round trips are exact.
func (w scenarioJSON) scenario() (Scenario, error) {
	s := Scenario{Seed: w.Seed, IDHeader: w.IDHeader, AttemptHeader: w.AttemptHeader}
	var p parser
	for i, fw := range w.Faults {
		s.Faults = append(s.Faults, p.fault(fw, fmt.Sprintf("faults[%d]", i)))
	}
	for i, lw := range w.Latency {
		at := fmt.Sprintf("latency[%d]", i)
		s.Latency = append(s.Latency, Latency{
			Rate: lw.Rate,
			Min:  p.duration(lw.Min, at+".min"),
			Max:  p.duration(lw.Max, at+".max"),
		})
	}
	for i, ow := range w.Outages {
		at := fmt.Sprintf("outages[%d]", i)
		s.Outages = append(s.Outages, Outage{
			Start: p.duration(ow.Start, at+".start"),
			End:   p.duration(ow.End, at+".end"),
			Fault: p.fault(ow.Fault, at+".fault"),
		})
	}
	return s, p.err
}

// parser keeps the first conversion error.
type parser struct{ err error }

func (p *parser) fault(w faultJSON, at string) Fault {
	kind, ok := parseKind(w.Kind)
	if !ok && p.err == nil {
		p.err = invalidf("%s: unknown kind %q", at, w.Kind)
	}
	return Fault{
		Kind:       kind,
		Rate:       w.Rate,
		Status:     w.Status,
		RetryAfter: p.duration(w.RetryAfter, at+".retry_after"),
		Bytes:      w.Bytes,
		Interval:   p.duration(w.Interval, at+".interval"),
		Forward:    w.Forward,
	}
}

func (p *parser) duration(text, at string) time.Duration {
	if text == "" {
		return 0
	}
	d, err := time.ParseDuration(text)
	if err != nil && p.err == nil {
		p.err = invalidf("%s: %q is not a duration such as \"200ms\"", at, text)
	}
	return d
}

func durationText(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}
