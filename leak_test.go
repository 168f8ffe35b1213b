package rebound

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// checkGoroutines records the goroutines running now and, when the test
// ends, fails it if more remain once idle connections have had a moment to
// close. Tests inside a synctest bubble get this check from synctest itself;
// this one is for tests on real loopback servers.
func checkGoroutines(t *testing.T, closeIdle ...func()) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		for _, f := range closeIdle {
			f()
		}
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			<-time.After(10 * time.Millisecond) // wait for connection goroutines to notice their close
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("%d goroutines left behind (before %d, after %d):\n%s", n-before, before, n, leakedStacks(string(buf)))
		}
	})
}

func leakedStacks(all string) string {
	var out []string
	for _, g := range strings.Split(all, "\n\n") {
		if !strings.Contains(g, "testing.tRunner") && !strings.Contains(g, "runtime.goexit") {
			continue
		}
		out = append(out, g)
	}
	return strings.Join(out, "\n\n")
}
