package limit_test

import (
	"context"
	"testing"
	"time"

	"github.com/rebound-go/rebound/limit"
)

// A host answers every call in 20 ms at any load (its capacity never
// changes); 250 callers keep as many calls in flight as the limiter
// admits. At 3 s, three calls to a slow endpoint of the same host start;
// they take 5 s. They are late, but the host keeps its pace: the limit
// must not fall for them (a review found it pinned at 3 for 5 s).
func TestFewLongCallsDoNotPinTheLimit(t *testing.T) {
	now := time.Unix(0, 0)
	l, err := limit.New(limit.Settings{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	type inflight struct {
		tk  limit.Ticket
		end time.Time
	}
	var calls []inflight
	served := map[int]int{}
	for ms := 0; ms < 10000; ms++ {
		now = now.Add(time.Millisecond)
		kept := calls[:0]
		for _, c := range calls {
			if !now.Before(c.end) {
				l.Done(c.tk, limit.OutcomeSuccess)
				served[ms/1000]++
			} else {
				kept = append(kept, c)
			}
		}
		calls = kept
		if ms == 3000 {
			for range 3 {
				tk, err := l.Allow(context.Background())
				for err != nil { // make room as a caller would wait
					l.Done(calls[0].tk, limit.OutcomeIgnored)
					calls = calls[1:]
					tk, err = l.Allow(context.Background())
				}
				calls = append(calls, inflight{tk, now.Add(5 * time.Second)})
			}
		}
		for len(calls) < 250 {
			tk, err := l.Allow(context.Background())
			if err != nil {
				break
			}
			calls = append(calls, inflight{tk, now.Add(20 * time.Millisecond)})
		}
		if ms%500 == 499 {
			t.Logf("t=%5.1fs limit %3d in flight %3d", float64(ms+1)/1000, l.Limit(), l.InFlight())
		}
	}
	t.Logf("calls served per second: %v", served)
	for s := 3; s < 8; s++ {
		if served[s] < served[2]*9/10 {
			t.Errorf("second %d served %d calls, second 2 served %d: three slow calls held the limit down", s, served[s], served[2])
		}
	}
}
