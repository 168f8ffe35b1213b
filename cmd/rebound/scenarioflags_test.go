package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// scenarioOf parses the scenario flags of `rebound faults`.
func scenarioOf(args ...string) (faults.Scenario, error) {
	fs, o := faultsFlags(io.Discard)
	if err := fs.Parse(args); err != nil {
		return faults.Scenario{}, err
	}
	return o.scenario.scenario(flagSet(fs))
}

func TestScenarioFlags(t *testing.T) {
	ms := time.Millisecond
	base := faults.Scenario{Seed: 1, IDHeader: "X-Request-Id", AttemptHeader: "X-Attempt"}
	with := func(f func(*faults.Scenario)) faults.Scenario {
		s := base
		f(&s)
		return s
	}
	for _, tc := range []struct {
		args []string
		want faults.Scenario
	}{
		{nil, base},
		{[]string{"-rate-503", "0.3", "-retry-after", "1s", "-rate-reset", "0.05"}, with(func(s *faults.Scenario) {
			s.Faults = []faults.Fault{
				{Kind: faults.Status, Rate: 0.3, Status: 503, RetryAfter: time.Second},
				{Kind: faults.Reset, Rate: 0.05},
			}
		})},
		{[]string{"-rate-429", "5%", "-rate-500", "1%", "-rate-truncate", "2%", "-rate-hang", "0.5%", "-retry-after", "2s"}, with(func(s *faults.Scenario) {
			s.Faults = []faults.Fault{
				{Kind: faults.Status, Rate: 0.01, Status: 500},
				{Kind: faults.Status, Rate: 0.05, Status: 429, RetryAfter: 2 * time.Second},
				{Kind: faults.Truncate, Rate: 0.02},
				{Kind: faults.Hang, Rate: 0.005},
			}
		})},
		{[]string{"-latency", "1ms-5ms", "-latency", "200ms@5%", "-latency", "1s@0.001"}, with(func(s *faults.Scenario) {
			s.Latency = []faults.Latency{{Rate: 1, Min: ms, Max: 5 * ms}, {Rate: 0.05, Min: 200 * ms}, {Rate: 0.001, Min: time.Second}}
		})},
		{[]string{"-outage", "10s-15s", "-outage", "1m-1m30s"}, with(func(s *faults.Scenario) {
			s.Outages = []faults.Outage{
				{Start: 10 * time.Second, End: 15 * time.Second, Fault: faults.Fault{Status: 503}},
				{Start: time.Minute, End: 90 * time.Second, Fault: faults.Fault{Status: 503}},
			}
		})},
		{[]string{"-seed", "42", "-id-header", "", "-attempt-header", "X-Try"}, faults.Scenario{Seed: 42}},
		{[]string{"-id-header", "X-Id", "-attempt-header", ""}, faults.Scenario{Seed: 1, IDHeader: "X-Id"}},
	} {
		got, err := scenarioOf(tc.args...)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q:\ngot  %+v, %v\nwant %+v", tc.args, got, err, tc.want)
		}
	}
}

func TestScenarioFlagErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(file, []byte(`{"faults": [{"kind": "reset", "rate": 0.1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-rate-503", "1.5"},
		{"-rate-503", "-0.1"},
		{"-rate-503", "lots"},
		{"-rate-503", "0.6", "-rate-reset", "0.6"}, // rates add up past 1
		{"-latency", "fast"},
		{"-latency", "5ms-1ms"},
		{"-latency", "1ms@2"},
		{"-outage", "15s-10s"},
		{"-outage", "10s"},
		{"-retry-after", "-1s", "-rate-503", "0.1"},
		{"-scenario", file, "-rate-503", "0.1"},
		{"-scenario", file, "-seed", "3"},
		{"-scenario", filepath.Join(t.TempDir(), "missing.json")},
	} {
		if s, err := scenarioOf(args...); err == nil {
			t.Errorf("%q: got %+v, want an error", args, s)
		}
	}
	// The faults package's own check reports a bad scenario.
	if _, err := scenarioOf("-rate-503", "0.6", "-rate-reset", "0.6"); !errors.Is(err, faults.ErrInvalid) {
		t.Errorf("rates over 1: %v, want faults.ErrInvalid", err)
	}
}

func TestScenarioFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(file, []byte(`{"seed": 9, "faults": [{"kind": "reset", "rate": 0.1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := scenarioOf("-scenario", file)
	want := faults.Scenario{Seed: 9, Faults: []faults.Fault{{Kind: faults.Reset, Rate: 0.1}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("-scenario: %+v, %v; want %+v", got, err, want)
	}
}
