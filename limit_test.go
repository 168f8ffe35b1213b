package rebound

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/limit"
)

// gate is a RoundTripper that holds every request until released.
type gate struct {
	f    *fakeTransport
	open chan struct{}
}

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	<-g.open
	return g.f.RoundTrip(r)
}

// An attempt over the host's adaptive limit waits for a slot, and one
// that cannot get it in time is not sent.
func TestAdaptiveLimitInThePipeline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &gate{f: &fakeTransport{steps: []step{status(200)}}, open: make(chan struct{})}
		rt, err := NewTransport(g, Config{Limit: &limit.Settings{MinLimit: 2, MaxLimit: 2, InitialLimit: 2, MaxWait: time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make([]error, 3)
		for i := range 3 {
			wg.Go(func() {
				resp, err := rt.RoundTrip(mustRequest("GET", "http://example.test/"))
				if err == nil {
					resp.Body.Close()
				}
				results[i] = err
			})
			synctest.Wait()
		}
		// Two are in flight; the third waits for a slot, and gets none
		// within MaxWait.
		time.Sleep(2 * time.Second) // fake time: the third call's MaxWait passes
		close(g.open)
		wg.Wait()
		var refused int
		for _, err := range results {
			if err != nil {
				var re *RetryError
				if !errors.Is(err, limit.ErrLimited) || !errors.As(err, &re) || re.Attempts != 0 {
					t.Errorf("refusal %v: want a *RetryError of 0 attempts wrapping limit.ErrLimited", err)
				}
				refused++
			}
		}
		if refused != 1 || g.f.callCount() != 2 {
			t.Fatalf("%d refused, server saw %d; want 1 refused (not sent) and 2 sent", refused, g.f.callCount())
		}
		// A critical call is never shed on its own: with a free slot it goes.
		ctx := limit.WithPriority(context.Background(), limit.PriorityCritical)
		resp, err := rt.RoundTrip(mustRequest("GET", "http://example.test/").WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	})
}
