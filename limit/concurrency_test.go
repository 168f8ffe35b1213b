package limit_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rebound-go/rebound/limit"
)

// Many goroutines admit, wait and report at once, on the real clock:
// never more than MaxLimit calls in flight, never more normal calls than
// the limit allows, and nothing held or waiting at the end. Run it with
// -race.
func TestConcurrentAdmission(t *testing.T) {
	const maxLimit = 8
	l := newLimiter(t, limit.Settings{MinLimit: 2, MaxLimit: maxLimit, InitialLimit: 6, MaxWait: time.Millisecond})
	priorities := []limit.Priority{limit.PriorityLow, limit.PriorityNormal, limit.PriorityCritical}
	outcomes := []limit.Outcome{limit.OutcomeSuccess, limit.OutcomeDropped, limit.OutcomeIgnored, limit.OutcomeSuccess}
	var running, peak, admitted, refused atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			ctx := limit.WithPriority(context.Background(), priorities[g%3])
			for i := range 500 {
				var tk limit.Ticket
				var err error
				if i%2 == 0 {
					tk, err = l.Wait(ctx)
				} else {
					tk, err = l.Allow(ctx)
				}
				if err != nil {
					if !errors.Is(err, limit.ErrLimited) {
						t.Errorf("admission: %v", err)
					}
					refused.Add(1)
					continue
				}
				admitted.Add(1)
				n := running.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				runtime.Gosched() // let others in while this call is in flight
				running.Add(-1)
				l.Done(tk, outcomes[(g+i)%len(outcomes)])
				if i%7 == 0 {
					l.Done(tk, limit.OutcomeSuccess) // a second Done: ignored
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d admitted, %d refused, at most %d in flight, limit now %d", admitted.Load(), refused.Load(), peak.Load(), l.Limit())
	if p := peak.Load(); p > maxLimit {
		t.Errorf("%d calls in flight at once, want at most %d", p, maxLimit)
	}
	if l.InFlight() != 0 || l.Waiting() != 0 {
		t.Errorf("InFlight %d, Waiting %d after all calls; want 0", l.InFlight(), l.Waiting())
	}
}
