package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkHappyPath/inner=mem/op=GET/client=nethttp-2         	 1000	      800 ns/op	     500 B/op	      12 allocs/op
BenchmarkHappyPath/inner=mem/op=GET/client=rebound-2         	 1000	      840 ns/op	     500 B/op	      12 allocs/op
BenchmarkHappyPath/inner=mem/op=GET/client=nethttp-2         	 1000	      900 ns/op	     500 B/op	      12 allocs/op
BenchmarkHappyPath/inner=mem/op=GET/client=rebound-2         	 1000	      860 ns/op	     500 B/op	      12 allocs/op
BenchmarkHappyPath/inner=mem/op=GET/client=heimdall-2        	 1000	     1700 ns/op	     900 B/op	      20 allocs/op
BenchmarkOther-2 	 1	 5 ns/op
PASS
`

func TestParseRender(t *testing.T) {
	groups, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].Name != "BenchmarkHappyPath/inner=mem/op=GET" || len(groups[0].Samples) != 3 {
		t.Fatalf("groups: %+v", groups)
	}
	out := Render(groups, "nethttp")
	for _, want := range []string{
		"| nethttp | 850 | 1.00 | 500 | 12 | +0 |",
		"| rebound | 850 | 1.00 | 500 | 12 | +0 |",
		"| heimdall | 1700 | 2.00 | 900 | 20 | +8 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}
