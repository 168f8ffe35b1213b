package redis

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestFleetBenchShort runs the fleet benchmark (internal/fleetbench) in its
// short form: 8 worker processes, 4 s runs, a 1 s outage, and the same
// goals as the full run (-check): requests in the outage with shared
// guards at most a quarter of those with local guards; with the shared
// quota at most 1 % 429s and at least 95 % of the quota served; Redis lost
// mid-run without a failed call. The full run: go run ./internal/fleetbench
func TestFleetBenchShort(t *testing.T) {
	startRedis(t).stop() // fails with what to install when redis-server is missing
	bin := filepath.Join(t.TempDir(), "fleetbench")
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if out, err := exec.Command(goCmd, "build", "-o", bin, "./internal/fleetbench").CombinedOutput(); err != nil {
		t.Fatalf("building fleetbench: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "-short", "-check").Output()
	t.Logf("\n%s", out)
	if err != nil {
		t.Fatalf("fleetbench -short -check: %v (a goal was missed, see the table)", err)
	}
}
