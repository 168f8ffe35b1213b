package backoff_test

import (
	"fmt"
	"time"

	"github.com/rebound-go/rebound/backoff"
)

// 100 ms doubling to 5 s with equal jitter, the random draw pinned so the
// output is exact. In use the retry loop draws u for every delay.
func ExampleExponential() {
	s := backoff.Exponential{Initial: 100 * time.Millisecond, Max: 5 * time.Second, Multiplier: 2, Jitter: backoff.Equal}
	var prev time.Duration
	for n := 1; n <= 7; n++ {
		prev = s.Delay(n, prev, 0.5)
		fmt.Println(n, prev)
	}
	// Output:
	// 1 75ms
	// 2 150ms
	// 3 300ms
	// 4 600ms
	// 5 1.2s
	// 6 2.4s
	// 7 3.75s
}

// Validate names the field that makes a schedule senseless.
func ExampleValidate() {
	fmt.Println(backoff.Validate(backoff.Exponential{Initial: 100 * time.Millisecond, Max: 5 * time.Second}))
	fmt.Println(backoff.Validate(backoff.Exponential{Max: 5 * time.Second}))
	// Output:
	// <nil>
	// backoff: Exponential Initial is 0, so no retry would wait; set it (100ms is common) or use Constant{} to mean no wait
}
