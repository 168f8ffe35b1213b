package rebound

import (
	"testing"

	"github.com/rebound-go/rebound/internal/leaktest"
)

// checkGoroutines fails t if goroutines of net/http or rebound outlive it,
// once the closeIdle functions (idle connections) have run. Tests inside a
// synctest bubble get this check from synctest itself; this one is for
// tests on real loopback servers.
func checkGoroutines(t *testing.T, closeIdle ...func()) {
	t.Helper()
	leaktest.Check(t, "rebound-go/rebound.")
	for _, f := range closeIdle {
		t.Cleanup(f)
	}
}
