package lab

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
)

// machineResults are the synthetic results plus one with an outage to
// measure the load around.
func machineResults() []*Result {
	rs := syntheticResults()
	ramp := loadResult(repeat(20, 10)...)
	ramp.Load = append(append(ramp.Load, repeat(2, 10)...), repeat(29, 10)...)
	ramp.Client, ramp.Note, ramp.BreakerWaits = "rides out", "waits, then a ramp", 7
	ramp.Calls = []Call{{Status: 200}, {Status: 503}}
	ramp.Server.Requests, ramp.Server.Connections = 3, 1
	return append(rs, ramp)
}

func TestLabJSONRoundTrip(t *testing.T) {
	results := machineResults()
	var b bytes.Buffer
	if err := WriteJSON(&b, syntheticInfo(), results); err != nil {
		t.Fatal(err)
	}
	var out Output
	dec := json.NewDecoder(&b)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("parsing the JSON back: %v\n%s", err, b.String())
	}
	info := syntheticInfo()
	if out.Workload != info.Workload || out.Policy != info.Policy || !out.Date.Equal(info.Date) || len(out.Scenario.Outages) != 1 {
		t.Errorf("setting read back: %+v", out)
	}
	if len(out.Results) != len(results) {
		t.Fatalf("%d results read back, want %d", len(out.Results), len(results))
	}
	for i, r := range results {
		if want := Summarize(r); !reflect.DeepEqual(out.Results[i], want) {
			t.Errorf("result %d read back as\n%+v\nwant\n%+v", i, out.Results[i], want)
		}
	}
	last := out.Results[len(out.Results)-1]
	if last.OutageLoad == nil || *last.OutageLoad != 0.1 || last.AfterOutage == nil || *last.AfterOutage != 1.45 ||
		last.SuccessRate != 0.5 || last.ServerPerCall != 1.5 || last.BreakerWaits != 7 || last.Failures["503"] != 1 {
		t.Errorf("figures read back: %+v", last)
	}
	if first := out.Results[0]; first.OutageLoad != nil || first.AfterOutage != nil {
		t.Errorf("a result without an outage has outage figures: %+v", first)
	}
}

func TestLabCSVRoundTrip(t *testing.T) {
	results := machineResults()
	var b bytes.Buffer
	if err := WriteCSV(&b, results); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("parsing the CSV back: %v", err)
	}
	if len(records) != len(results)+1 || !reflect.DeepEqual(records[0], CSVHeader) {
		t.Fatalf("records %q", records)
	}
	col := func(name string) int {
		for i, h := range CSVHeader {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %q", name)
		return -1
	}
	for i, r := range results {
		rec, s := records[i+1], Summarize(r)
		num := func(name string) float64 {
			v, err := strconv.ParseFloat(rec[col(name)], 64)
			if err != nil {
				t.Fatalf("%s of %s: %v", name, s.Client, err)
			}
			return v
		}
		if rec[col("client")] != s.Client || num("success_rate") != s.SuccessRate || num("server_requests_per_call") != s.ServerPerCall ||
			num("p999_ms") != s.P999ms || int64(num("connections")) != s.Connections || rec[col("failures")] != FailureSummary(r) {
			t.Errorf("record %q, want %+v", rec, s)
		}
		if got := rec[col("after_outage")]; (s.AfterOutage == nil) != (got == "") {
			t.Errorf("%s: after_outage %q, want %v", s.Client, got, s.AfterOutage)
		}
	}
}
