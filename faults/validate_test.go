package faults_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/rebound-go/rebound/faults"
)

func TestValidateRejects(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name string
		s    faults.Scenario
		want string
	}{
		{"rate above 1", faults.Scenario{Faults: []faults.Fault{{Rate: 1.3}}},
			"faults: faults[0]: rate 1.3 is not a probability"},
		{"negative rate", faults.Scenario{Faults: []faults.Fault{{Rate: 0.1}, {Kind: faults.Reset, Rate: -0.1}}},
			"faults: faults[1]: rate -0.1 is not a probability"},
		{"NaN rate", faults.Scenario{Faults: []faults.Fault{{Rate: math.NaN()}}},
			"faults: faults[0]: rate NaN is not a probability"},
		{"rates add above 1", faults.Scenario{Faults: []faults.Fault{{Rate: 0.6}, {Kind: faults.Reset, Rate: 0.5}}},
			"faults: fault rates add up to 1.1, more than 1"},
		{"unknown kind", faults.Scenario{Faults: []faults.Fault{{Kind: 9}}},
			"faults: faults[0]: unknown kind Kind(9)"},
		{"status out of range", faults.Scenario{Faults: []faults.Fault{{Status: 99}}},
			"faults: faults[0]: status 99 is not an HTTP status in 200-599"},
		{"status 600", faults.Scenario{Faults: []faults.Fault{{Status: 600}}},
			"faults: faults[0]: status 600 is not an HTTP status in 200-599"},
		{"negative retry_after", faults.Scenario{Faults: []faults.Fault{{RetryAfter: -time.Second}}},
			"faults: faults[0]: retry_after -1s is negative"},
		{"negative bytes", faults.Scenario{Faults: []faults.Fault{{Kind: faults.Truncate, Bytes: -1}}},
			"faults: faults[0]: bytes -1 is negative"},
		{"negative interval", faults.Scenario{Faults: []faults.Fault{{Kind: faults.Trickle, Interval: -ms}}},
			"faults: faults[0]: interval -1ms is negative"},
		{"status on reset", faults.Scenario{Faults: []faults.Fault{{Kind: faults.Reset, Status: 503}}},
			"faults: faults[0]: status does not apply to kind reset"},
		{"retry_after on hang", faults.Scenario{Faults: []faults.Fault{{Kind: faults.Hang, RetryAfter: time.Second}}},
			"faults: faults[0]: retry_after does not apply to kind hang"},
		{"bytes on status", faults.Scenario{Faults: []faults.Fault{{Bytes: 3}}},
			"faults: faults[0]: bytes does not apply to kind status"},
		{"interval on truncate", faults.Scenario{Faults: []faults.Fault{{Kind: faults.Truncate, Interval: ms}}},
			"faults: faults[0]: interval does not apply to kind truncate"},
		{"forward on trickle", faults.Scenario{Faults: []faults.Fault{{Kind: faults.Trickle, Interval: ms, Forward: true}}},
			"faults: faults[0]: forward does not apply to kind trickle"},
		{"trickle without interval", faults.Scenario{Faults: []faults.Fault{{Kind: faults.Trickle, Rate: 0.1}}},
			"faults: faults[0]: kind trickle needs an interval above 0"},
		{"latency rate", faults.Scenario{Latency: []faults.Latency{{Rate: 2, Min: ms}}},
			"faults: latency[0]: rate 2 is not a probability"},
		{"negative min", faults.Scenario{Latency: []faults.Latency{{Rate: 1, Min: -ms}}},
			"faults: latency[0]: min -1ms is negative"},
		{"negative max", faults.Scenario{Latency: []faults.Latency{{Rate: 1, Max: -ms}}},
			"faults: latency[0]: max -1ms is negative"},
		{"max below min", faults.Scenario{Latency: []faults.Latency{{Rate: 1, Min: 2 * ms, Max: ms}}},
			"faults: latency[0]: max 1ms is below min 2ms"},
		{"negative start", faults.Scenario{Outages: []faults.Outage{{Start: -ms, End: ms}}},
			"faults: outages[0]: start -1ms is negative"},
		{"end before start", faults.Scenario{Outages: []faults.Outage{{Start: 2 * ms, End: ms}}},
			"faults: outages[0]: end 1ms is not after start 2ms"},
		{"empty window", faults.Scenario{Outages: []faults.Outage{{Start: ms, End: ms}}},
			"faults: outages[0]: end 1ms is not after start 1ms"},
		{"rate in an outage", faults.Scenario{Outages: []faults.Outage{{End: ms, Fault: faults.Fault{Rate: 0.5}}}},
			"faults: outages[0]: fault: rate does not apply to an outage's fault"},
		{"bad outage fault", faults.Scenario{Outages: []faults.Outage{{End: ms, Fault: faults.Fault{Kind: faults.Trickle}}}},
			"faults: outages[0]: fault: kind trickle needs an interval above 0"},
		{"bad id header", faults.Scenario{IDHeader: "X Request"},
			`faults: id_header "X Request" is not a valid header name`},
		{"attempt without id", faults.Scenario{AttemptHeader: "X-Attempt"},
			"faults: attempt_header needs id_header"},
		{"bad attempt header", faults.Scenario{IDHeader: "X-Request-Id", AttemptHeader: "X-Attempt:"},
			`faults: attempt_header "X-Attempt:" is not a valid header name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate()
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
			if !errors.Is(err, faults.ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
			}
			if _, err := faults.New(tc.s); err == nil || err.Error() != tc.want {
				t.Errorf("New() error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	for name, s := range map[string]faults.Scenario{
		"zero": {},
		"rates adding to one with rounding": {Faults: []faults.Fault{
			{Rate: 0.1}, {Kind: faults.Reset, Rate: 0.2}, {Kind: faults.Hang, Rate: 0.7},
		}},
		"every kind": {
			IDHeader: "X-Request-Id", AttemptHeader: "X-Attempt",
			Faults: []faults.Fault{
				{Kind: faults.Status, Rate: 0.1, Status: 429, RetryAfter: time.Second, Forward: true},
				{Kind: faults.Reset, Rate: 0.1, Forward: true},
				{Kind: faults.Truncate, Rate: 0.1, Bytes: 4},
				{Kind: faults.Hang, Rate: 0.1, Forward: true},
				{Kind: faults.Trickle, Rate: 0.1, Bytes: 2, Interval: time.Millisecond},
			},
			Latency: []faults.Latency{{Rate: 1, Min: time.Millisecond}, {Rate: 0, Min: time.Second, Max: time.Second}},
			Outages: []faults.Outage{{End: time.Second}, {Start: time.Second, End: 2 * time.Second, Fault: faults.Fault{Kind: faults.Reset}}},
		},
	} {
		if err := s.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v", name, err)
		}
	}
}

func TestKindString(t *testing.T) {
	want := []string{"status", "reset", "truncate", "hang", "trickle", "Kind(5)", "Kind(-1)"}
	for i, k := range []faults.Kind{faults.Status, faults.Reset, faults.Truncate, faults.Hang, faults.Trickle, 5, -1} {
		if got := k.String(); got != want[i] {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want[i])
		}
	}
}
