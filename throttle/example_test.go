package throttle_test

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/rebound-go/rebound/throttle"
)

// A backend that refuses everything: after a few requests the client
// rejects most calls itself, yet keeps sending a trickle that would show
// the backend is back.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2)) // fixed, for a stable output
	th, err := throttle.New(throttle.Settings{Rand: rng.Float64})
	if err != nil {
		fmt.Println(err)
		return
	}
	sent := 0
	for range 1000 {
		if err := th.Allow(); errors.Is(err, throttle.ErrThrottled) {
			continue
		}
		sent++
		th.Done(false) // 503: the backend is overloaded
	}
	fmt.Printf("sent %d of 1000 requests; rejecting now with probability %.3f\n", sent, th.Probability())
	// Output:
	// sent 12 of 1000 requests; rejecting now with probability 0.999
}
