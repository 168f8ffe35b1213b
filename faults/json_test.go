package faults_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rebound-go/rebound/faults"
)

// docScenario is the example in the package documentation.
const docScenario = `{
  "seed": 42,
  "id_header": "X-Request-Id",
  "attempt_header": "X-Attempt",
  "faults": [
    {"kind": "status", "rate": 0.2, "status": 503, "retry_after": "1s"},
    {"kind": "reset", "rate": 0.05},
    {"kind": "truncate", "rate": 0.05, "bytes": 10},
    {"kind": "hang", "rate": 0.01},
    {"kind": "trickle", "rate": 0.05, "bytes": 64, "interval": "5ms"}
  ],
  "latency": [
    {"rate": 1, "min": "1ms", "max": "3ms"},
    {"rate": 0.05, "min": "200ms"}
  ],
  "outages": [
    {"start": "10s", "end": "15s", "fault": {"kind": "status", "status": 503}}
  ]
}`

func TestParseScenarioDocExample(t *testing.T) {
	got, err := faults.ParseScenario([]byte(docScenario))
	if err != nil {
		t.Fatal(err)
	}
	ms := time.Millisecond
	want := faults.Scenario{
		Seed:          42,
		IDHeader:      "X-Request-Id",
		AttemptHeader: "X-Attempt",
		Faults: []faults.Fault{
			{Kind: faults.Status, Rate: 0.2, Status: 503, RetryAfter: time.Second},
			{Kind: faults.Reset, Rate: 0.05},
			{Kind: faults.Truncate, Rate: 0.05, Bytes: 10},
			{Kind: faults.Hang, Rate: 0.01},
			{Kind: faults.Trickle, Rate: 0.05, Bytes: 64, Interval: 5 * ms},
		},
		Latency: []faults.Latency{{Rate: 1, Min: ms, Max: 3 * ms}, {Rate: 0.05, Min: 200 * ms}},
		Outages: []faults.Outage{{Start: 10 * time.Second, End: 15 * time.Second, Fault: faults.Fault{Status: 503}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseScenario:\n got %+v\nwant %+v", got, want)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	orig, err := faults.ParseScenario([]byte(docScenario))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []faults.Scenario{{}, orig, {Seed: 1<<64 - 1, Faults: []faults.Fault{{Kind: faults.Hang, Rate: 1, Forward: true}}}} {
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := faults.ParseScenario(data)
		if err != nil {
			t.Fatalf("ParseScenario(%s): %v", data, err)
		}
		if !reflect.DeepEqual(back, s) {
			t.Errorf("round trip through %s:\n got %+v\nwant %+v", data, back, s)
		}
	}
}

func TestMarshalJSON(t *testing.T) {
	s := faults.Scenario{
		Seed:    7,
		Faults:  []faults.Fault{{Rate: 0.25, RetryAfter: 1500 * time.Millisecond}},
		Latency: []faults.Latency{{Rate: 0.05, Min: 200 * time.Millisecond}},
		Outages: []faults.Outage{{Start: time.Second, End: time.Minute, Fault: faults.Fault{Kind: faults.Reset}}},
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"seed":7,"faults":[{"kind":"status","rate":0.25,"retry_after":"1.5s"}],` +
		`"latency":[{"rate":0.05,"min":"200ms"}],"outages":[{"start":"1s","end":"1m0s","fault":{"kind":"reset"}}]}`
	if string(data) != want {
		t.Errorf("Marshal:\n got %s\nwant %s", data, want)
	}
}

func TestUnmarshalJSONInsideConfig(t *testing.T) {
	var cfg struct {
		Name     string          `json:"name"`
		Scenario faults.Scenario `json:"scenario"`
	}
	err := json.Unmarshal([]byte(`{"name":"x","scenario":{"faults":[{"kind":"reset","rate":0.5}]}}`), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Scenario.Faults) != 1 || cfg.Scenario.Faults[0].Kind != faults.Reset {
		t.Errorf("scenario = %+v", cfg.Scenario)
	}
	err = json.Unmarshal([]byte(`{"scenario":{"faults":[{"rate":1.3}]}}`), &cfg)
	if !errors.Is(err, faults.ErrInvalid) {
		t.Errorf("Unmarshal of a bad scenario = %v, want ErrInvalid", err)
	}
}

func TestParseScenarioRejects(t *testing.T) {
	for _, tc := range []struct {
		name, json, want string
	}{
		{"rate not a probability", `{"faults":[{"rate":1.3}]}`,
			"faults: faults[0]: rate 1.3 is not a probability"},
		{"unknown top-level field", `{"sead":1}`,
			`faults: json: unknown field "sead"`},
		{"unknown fault field", `{"faults":[{"kind":"reset","rat":0.1}]}`,
			`faults: json: unknown field "rat"`},
		{"unknown kind", `{"faults":[{"kind":"boom","rate":0.1}]}`,
			`faults: faults[0]: unknown kind "boom"`},
		{"unknown outage kind", `{"outages":[{"end":"1s","fault":{"kind":"boom"}}]}`,
			`faults: outages[0].fault: unknown kind "boom"`},
		{"bad duration", `{"latency":[{"rate":1,"min":"fast"}]}`,
			`faults: latency[0].min: "fast" is not a duration such as "200ms"`},
		{"duration without unit", `{"outages":[{"end":"15"}]}`,
			`faults: outages[0].end: "15" is not a duration such as "200ms"`},
		{"bad interval", `{"faults":[{"kind":"trickle","interval":"1x"}]}`,
			`faults: faults[0].interval: "1x" is not a duration such as "200ms"`},
		{"bad retry_after", `{"faults":[{"retry_after":"soon"}]}`,
			`faults: faults[0].retry_after: "soon" is not a duration such as "200ms"`},
		{"negative duration", `{"latency":[{"rate":1,"min":"-1ms"}]}`,
			"faults: latency[0]: min -1ms is negative"},
		{"wrong type", `{"faults":[{"rate":"high"}]}`,
			"faults: json: cannot unmarshal string into Go struct field"},
		{"number for a duration", `{"latency":[{"rate":1,"min":200}]}`,
			"faults: json: cannot unmarshal number into Go struct field"},
		{"negative seed", `{"seed":-1}`,
			"faults: json: cannot unmarshal number -1 into Go struct field"},
		{"trailing data", `{} {}`,
			"faults: unexpected data after the scenario"},
		{"trailing brace", `{}}`,
			"faults: unexpected data after the scenario"},
		{"not an object", `[1]`,
			"faults: json: cannot unmarshal array into Go value"},
		{"truncated", `{"faults":[`,
			"faults: unexpected EOF"},
		{"empty", ``,
			"faults: EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := faults.ParseScenario([]byte(tc.json))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("ParseScenario(%s) = %v, want %q", tc.json, err, tc.want)
			}
			if !errors.Is(err, faults.ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
			}
		})
	}
}
