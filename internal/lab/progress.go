package lab

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const progressEvery = 200 * time.Millisecond

// startProgress rewrites one line on w with the calls each client has
// completed, until the returned function is called, which clears it. It
// does nothing when w is nil.
func startProgress(w io.Writer, clients []Client, done []atomic.Int64, n int) (stop func()) {
	if w == nil {
		return func() {}
	}
	line := func() string {
		var b strings.Builder
		b.WriteString("\rlab:")
		for i, c := range clients {
			sep := ","
			if i == 0 {
				sep = ""
			}
			fmt.Fprintf(&b, "%s %s %d", sep, c.Name, done[i].Load())
		}
		fmt.Fprintf(&b, " (of %d)\033[K", n) // and erase what a longer line left
		return b.String()
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			_, _ = io.WriteString(w, line())
			select {
			case <-quit:
				_, _ = io.WriteString(w, "\r\033[K")
				return
			case <-tick.C:
			}
		}
	})
	return func() {
		close(quit)
		wg.Wait()
	}
}
