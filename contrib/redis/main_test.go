package redis

import (
	"testing"

	"github.com/rebound-go/rebound/internal/leaktest"
)

// TestMain fails the run if a goroutine of rebound, of go-redis or of
// net/http outlives the tests: every Fleet closed, every client closed,
// every subscription ended.
func TestMain(m *testing.M) {
	leaktest.Main(m, "rebound-go/rebound/", "redis/go-redis/")
}
