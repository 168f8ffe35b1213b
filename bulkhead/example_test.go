package bulkhead_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/rebound-go/rebound/bulkhead"
)

// Two calls may run at once; a third is turned away at once rather than
// queueing behind a slow dependency.
func Example() {
	b, err := bulkhead.New(bulkhead.Settings{MaxConcurrent: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	call := func(name string) {
		if err := b.Wait(ctx); err != nil {
			fmt.Printf("%s: %v (full: %t)\n", name, err, errors.Is(err, bulkhead.ErrFull))
			return
		}
		fmt.Printf("%s: running, %d of 2 slots taken\n", name, b.InUse())
		// The call would run here, and Done when it ends:
		// defer b.Done()
	}
	call("a")
	call("b")
	call("c")
	b.Done() // a is done
	call("d")
	// Output:
	// a: running, 1 of 2 slots taken
	// b: running, 2 of 2 slots taken
	// c: bulkhead: full (full: true)
	// d: running, 2 of 2 slots taken
}
