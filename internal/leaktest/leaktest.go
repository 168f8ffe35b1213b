// Package leaktest finds goroutines that outlive a test: those of
// net/http servers and connections, and those of the packages named.
// It serves the tests of this repository (the root module stays
// stdlib-only in its tests too, so no goleak).
package leaktest

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// patience is how long Leaked waits for goroutines to end.
var patience = 5 * time.Second

// Leaked waits up to five seconds for the goroutines of net/http and of
// the markers (package path fragments such as "rebound/faults.") to end,
// and describes those that remain; "" when none do.
func Leaked(markers ...string) string {
	var stacks []string
	for deadline := time.Now().Add(patience); ; {
		stacks = stacks[:0]
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for g := range strings.SplitSeq(string(buf), "\n\n") {
			if ours(g, markers) && !strings.Contains(g, "leaktest.Leaked") && !strings.Contains(g, "testing.tRunner") {
				stacks = append(stacks, g)
			}
		}
		if len(stacks) == 0 || time.Now().After(deadline) {
			return strings.Join(stacks, "\n\n")
		}
		time.Sleep(10 * time.Millisecond) // polling for exit, not proving a schedule
	}
}

func ours(stack string, markers []string) bool {
	if strings.Contains(stack, "net/http.") {
		return true
	}
	for _, m := range markers {
		if strings.Contains(stack, m) {
			return true
		}
	}
	return false
}

// Check fails t if such goroutines outlive it. Call it before the test
// registers its own cleanups (closing servers, idle connections), so that
// it runs after them.
func Check(t testing.TB, markers ...string) {
	t.Helper()
	t.Cleanup(func() {
		if leaked := Leaked(markers...); leaked != "" {
			t.Errorf("goroutines left:\n%s", leaked)
		}
	})
}

// Main runs the tests of m and then fails the run if such goroutines are
// left, for a package's TestMain.
func Main(m *testing.M, markers ...string) {
	code := m.Run()
	if code == 0 {
		if leaked := Leaked(markers...); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left after the tests:\n%s", leaked)
			code = 1
		}
	}
	os.Exit(code)
}
