package budget_test

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/rebound-go/rebound/budget"
)

var (
	errUnavailable = errors.New("503 Service Unavailable")
	errSpent       = errors.New("retry budget spent")
)

// call runs op up to 4 times, asking b before every retry.
func call(b budget.Budget, op func() error) error {
	var err error
	for attempt := 1; ; attempt++ {
		if attempt > 1 && !b.Allow() {
			return fmt.Errorf("%w: %w", errSpent, err)
		}
		err = op()
		b.Done(attempt > 1, err == nil)
		if err == nil || attempt == 4 {
			return err
		}
	}
}

// A retry loop under the Adaptive budget. While the server is down,
// retries stay at the floor of 10 % of calls. When it comes back with 30 %
// of attempts failing, the retries granted at the floor succeed and the
// share climbs to the ceiling within a few dozen calls; a few calls are
// refused a retry in the meantime, the price of having been pessimistic.
func Example() {
	b, err := budget.NewAdaptive(budget.AdaptiveSettings{MinPerSecond: -1})
	if err != nil {
		fmt.Println(err)
		return
	}

	sent := 0
	down := func() error { sent++; return errUnavailable }
	for range 1000 {
		_ = call(b, down)
	}
	fmt.Printf("down: %d attempts for 1000 calls\n", sent)

	sent = 0
	rng := rand.New(rand.NewPCG(1, 2))
	flaky := func() error { // 30 % of attempts fail
		sent++
		if rng.Float64() < 0.3 {
			return errUnavailable
		}
		return nil
	}
	failed, refused := 0, 0
	for range 1000 {
		if err := call(b, flaky); err != nil {
			failed++
			if errors.Is(err, errSpent) {
				refused++
			}
		}
	}
	fmt.Printf("flaky: %d attempts for 1000 calls, %d failed (%d refused a retry while it learned)\n",
		sent, failed, refused)
	// Output:
	// down: 1100 attempts for 1000 calls
	// flaky: 1411 attempts for 1000 calls, 16 failed (6 refused a retry while it learned)
}
