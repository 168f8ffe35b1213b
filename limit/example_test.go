package limit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rebound-go/rebound/limit"
)

// One limiter per host, around each request: Wait for a ticket, defer its
// Done next to it, and tell the limiter what the answer says about the
// host.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	defer srv.Close()

	l, err := limit.New(limit.Settings{MaxLimit: 100})
	if err != nil {
		fmt.Println(err)
		return
	}
	get := func(ctx context.Context, url string) (status int, err error) {
		tk, err := l.Wait(ctx)
		if err != nil {
			return 0, err // not sent: errors.Is(err, limit.ErrLimited)
		}
		outcome := limit.OutcomeIgnored // if the call panics or the caller gives up
		defer func() { l.Done(tk, outcome) }()

		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return 0, err
		}
		resp, err := srv.Client().Do(req)
		switch {
		case err != nil && ctx.Err() != nil:
			return 0, err // the caller cancelled: says nothing about the host
		case err != nil:
			outcome = limit.OutcomeDropped
			return 0, err
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			outcome = limit.OutcomeDropped
		} else {
			outcome = limit.OutcomeSuccess
		}
		return resp.StatusCode, nil
	}

	status, err := get(context.Background(), srv.URL)
	fmt.Println(status, err, l.InFlight())
	// Output:
	// 200 <nil> 0
}

// Under pressure, low calls are refused first and critical calls go
// beyond the limit, up to MaxLimit.
func ExampleWithPriority() {
	l, err := limit.New(limit.Settings{InitialLimit: 10, MaxLimit: 12})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Until its first measurement the limiter admits half its initial
	// limit: 5 normal calls.
	background := context.Background()
	for _, p := range []limit.Priority{limit.PriorityLow, limit.PriorityNormal, limit.PriorityCritical} {
		ctx := limit.WithPriority(background, p)
		admitted := 0
		var tickets []limit.Ticket
		for {
			tk, err := l.Allow(ctx)
			if errors.Is(err, limit.ErrLimited) {
				break
			}
			tickets = append(tickets, tk)
			admitted++
		}
		fmt.Printf("%-8s admitted %2d of a limit of %d\n", p, admitted, l.Limit())
		for _, tk := range tickets {
			l.Done(tk, limit.OutcomeIgnored)
		}
	}
	// Output:
	// low      admitted  4 of a limit of 5
	// normal   admitted  5 of a limit of 5
	// critical admitted 12 of a limit of 5
}
