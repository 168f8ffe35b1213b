package limit_test

import (
	"testing"

	"github.com/rebound-go/rebound/internal/leaktest"
)

// TestMain fails the run if a goroutine of this package or of net/http
// outlives the tests.
func TestMain(m *testing.M) { leaktest.Main(m, "rebound/limit.") }
