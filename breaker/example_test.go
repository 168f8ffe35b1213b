package breaker_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rebound-go/rebound/breaker"
)

// A retry loop wraps the breaker, not the other way round, and stops at
// ErrCircuitOpen: the dependency is known to be down, and another attempt
// would only be rejected again.
func Example_retry() {
	b, err := breaker.New(breaker.Settings{ConsecutiveFailures: 3})
	if err != nil {
		panic(err)
	}
	errUnavailable := errors.New("pricing: 503 Service Unavailable")
	reached := 0
	getPrice := func() (float64, error) {
		reached++
		return 0, errUnavailable
	}

	for attempt := 1; attempt <= 5; attempt++ {
		price, err := callPricing(b, getPrice)
		if err == nil {
			fmt.Println("price:", price)
			break
		}
		fmt.Printf("attempt %d: %v\n", attempt, err)
		if errors.Is(err, breaker.ErrCircuitOpen) {
			break // not retriable
		}
		// A real loop waits here, with backoff and jitter.
	}
	fmt.Println("calls that reached the service:", reached)
	fmt.Println("breaker:", b.State())
	// Output:
	// attempt 1: pricing: 503 Service Unavailable
	// attempt 2: pricing: 503 Service Unavailable
	// attempt 3: pricing: 503 Service Unavailable
	// attempt 4: breaker: circuit open
	// calls that reached the service: 3
	// breaker: open
}

// callPricing makes one call through b: a Failure when get fails or
// panics (the deferred Done returns a half-open probe's slot either way).
func callPricing(b *breaker.Breaker, get func() (float64, error)) (price float64, err error) {
	t, err := b.Allow()
	if err != nil {
		return 0, err // not sent
	}
	outcome := breaker.Failure
	defer func() { b.Done(t, outcome) }()
	if price, err = get(); err != nil {
		return 0, err
	}
	outcome = breaker.Success
	return price, nil
}

// Allow and Done let the caller judge each call: here a 404 says nothing
// about the server's health, so it is ignored. The breaker measures how
// long the call took itself.
func ExampleBreaker_Allow() {
	b, err := breaker.New(breaker.Settings{
		FailureRate:      0.5,
		SlowCallDuration: 2 * time.Second,
		WindowDuration:   time.Minute,
	})
	if err != nil {
		panic(err)
	}
	outcome := func(status int) breaker.Outcome {
		switch {
		case status >= 500 || status == 429:
			return breaker.Failure
		case status >= 400:
			return breaker.Ignore
		}
		return breaker.Success
	}

	for _, status := range []int{503, 404, 200, 503} { // what the calls return
		t, err := b.Allow()
		if err != nil {
			fmt.Println(err)
			return
		}
		// ... make the call ...
		b.Done(t, outcome(status))
	}
	fmt.Printf("%+v\n", b.Counts())
	// Output:
	// {Calls:3 Failures:2 SlowCalls:0 SlowInFlight:0 ConsecutiveFailures:1 Waiting:0}
}

// With MaxWaiting set, a call that meets an open breaker can wait for the
// dependency to come back instead of failing. A call whose deadline would
// end before the breaker could let it through is refused at once, never
// sent; one with time to spare waits, and here it is the probe that
// closes the breaker.
func ExampleBreaker_Wait() {
	b, err := breaker.New(breaker.Settings{
		ConsecutiveFailures: 1,
		OpenTimeout:         50 * time.Millisecond,
		MaxWaiting:          100,
		MaxWait:             time.Second,
	})
	if err != nil {
		panic(err)
	}
	t, _ := b.Allow()
	b.Done(t, breaker.Failure) // the dependency is down
	fmt.Println("breaker:", b.State())

	hurried, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err = b.Wait(hurried)
	fmt.Println("in a hurry:", err)

	patient, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t, err = b.Wait(patient) // about 50ms: the rest of the open period
	if err != nil {
		fmt.Println(err)
		return
	}
	// ... make the call: the dependency is back ...
	b.Done(t, breaker.Success)
	fmt.Println("patient: sent; breaker:", b.State())
	// Output:
	// breaker: open
	// in a hurry: breaker: circuit open
	// patient: sent; breaker: closed
}
