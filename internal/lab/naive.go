package lab

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Naive is the retry loop people write by hand: up to attempts attempts
// in all, pause apart, after a network error, a 5xx or a 429, sleeping
// through the context and closing each discarded response without
// reading it, so its connection cannot be reused. It ignores Retry-After.
func Naive(attempts int, pause time.Duration) Client {
	attempts = max(attempts, 1)
	return Client{
		Name: "naive loop",
		Note: fmt.Sprintf("a hand-written loop: %d attempts, %v apart, after an error, a 5xx or a 429; ignores Retry-After; closes a failed response unread, losing its connection", attempts, pause),
		New: func(tr http.RoundTripper, _ *Recorder) (Caller, error) {
			hc := &http.Client{Transport: tr}
			return func(ctx context.Context, url string, id int) (int, error) {
				var (
					resp *http.Response
					err  error
				)
				for attempt := 1; ; attempt++ {
					req, rerr := newRequest(ctx, url, id)
					if rerr != nil {
						return 0, rerr
					}
					req.Header.Set(AttemptHeader, strconv.Itoa(attempt))
					resp, err = hc.Do(req)
					failed := err != nil || resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
					if !failed || attempt >= attempts {
						break
					}
					if resp != nil {
						resp.Body.Close() // no drain: the connection is lost
					}
					time.Sleep(pause)
				}
				return finish(resp, err)
			}, nil
		},
	}
}
