package faults_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/rebound-go/rebound/faults"
)

// FuzzParseScenario checks that ParseScenario never panics, that what it
// accepts is valid and that it survives a JSON round trip unchanged.
func FuzzParseScenario(f *testing.F) {
	for _, seed := range []string{
		docScenario,
		`{}`,
		`{"faults":[{"rate":1.3}]}`,
		`{"faults":[{"kind":"trickle","rate":0.5,"bytes":1,"interval":"1ms"}]}`,
		`{"latency":[{"rate":1,"min":"1ms","max":"2ms"}],"outages":[{"end":"1s"}]}`,
		`{"seed":18446744073709551615,"id_header":"X-Request-Id"}`,
		`{"faults":[{"kind":"boom"}]}`,
		`{"outages":[{"start":"2562047h47m16.854775807s","end":"1ns"}]}`,
		`{"faults":[]} `,
		`null`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := faults.ParseScenario(data)
		if err != nil {
			if !errors.Is(err, faults.ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("accepted an invalid scenario: %v", err)
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := faults.ParseScenario(out)
		if err != nil {
			t.Fatalf("ParseScenario(%s) after a round trip: %v", out, err)
		}
		if !reflect.DeepEqual(back, s) {
			t.Fatalf("round trip changed the scenario:\n got %+v\nwant %+v", back, s)
		}
		_ = s.Plan(0, 0) // must not panic on anything valid
	})
}
