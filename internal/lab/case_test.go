package lab

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestLabMakesTheCase runs the default lab, as `rebound lab` does
// (2000 calls at 200 a second, a 2 s outage 4 s in, the standard
// clients with rebound.Recommended's policy), and holds its table to what
// it must show: rebound+guards wins on success (at least 98 %, and at
// least the naive loop's), on requests per call (at most 1.25) and on the
// load after the outage (at most 1.5 times the steady load), all at once;
// rebound without guards succeeds at least as often as the naive loop,
// with fewer requests per call and fewer connections.
//
// The clients run one after the other (net/http, which the case does not
// need, is left out): the figures are about time, and under the race
// detector the HTTP stack is slow enough that clients sharing two cores
// would delay one another's calls, then release them in bursts of the
// lab's own making.
func TestLabMakesTheCase(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	results, err := Run(ctx, Config{
		N: DefaultN, C: DefaultC, Rate: DefaultRate,
		Scenario: DefaultScenario(4*time.Second, 2*time.Second),
		Clients:  Clients(DefaultPolicy(), 0)[1:],
		Serial:   true,
	})
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	if err := WriteTable(&table, results); err != nil {
		t.Fatal(err)
	}
	t.Logf("default lab in %v:\n%s", time.Since(start).Round(time.Millisecond), table.String())
	by := map[string]*Result{}
	for _, r := range results {
		by[r.Client] = r
	}
	naive, plain, guards := by["naive loop"], by["rebound"], by["rebound+guards"]
	if naive == nil || plain == nil || guards == nil {
		t.Fatalf("clients %v", Columns)
	}
	if s := guards.SuccessRate(); s < 0.98 || s < naive.SuccessRate() {
		t.Errorf("rebound+guards succeeded %.1f %%, want at least 98 %% and the naive loop's %.1f %%", 100*s, 100*naive.SuccessRate())
	}
	if c := guards.ServerPerCall(); c > 1.25 {
		t.Errorf("rebound+guards cost %.2f requests a call, want at most 1.25", c)
	}
	if a := guards.AfterOutage(); !(a <= 1.5) {
		t.Errorf("after the outage, rebound+guards sent %.2f× the steady load, want at most 1.5×", a)
	}
	if plain.SuccessRate() < naive.SuccessRate() {
		t.Errorf("rebound succeeded %.1f %%, less than the naive loop's %.1f %%", 100*plain.SuccessRate(), 100*naive.SuccessRate())
	}
	if plain.ServerPerCall() >= naive.ServerPerCall() {
		t.Errorf("rebound cost %.2f requests a call, not fewer than the naive loop's %.2f", plain.ServerPerCall(), naive.ServerPerCall())
	}
	if plain.Server.Connections >= naive.Server.Connections {
		t.Errorf("rebound opened %d connections, not fewer than the naive loop's %d", plain.Server.Connections, naive.Server.Connections)
	}
}
