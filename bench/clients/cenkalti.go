package clients

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/cenkalti/backoff/v5"
)

// A RoundTripper around cenkalti/backoff/v5's Retry, written the way a user
// writes one (this is the whole of it):
//
//   - each attempt sends req.Clone(ctx) and, when req.GetBody is set (bytes,
//     strings readers and buffers), a fresh body from it; any other body is
//     shared by the clones, so a retry sends what is left of it (nothing);
//   - a response with a retryable status (our rule) is closed unread and
//     turned into an error, so when attempts run out the caller gets
//     "status 503", not the response;
//   - a Retry-After in seconds on 429/503 becomes backoff.RetryAfter, which
//     v5 offers for exactly this;
//   - ExponentialBackOff{1 ms, ×2, max 10 ms, RandomizationFactor 0.25},
//     WithMaxTries(attempts), and the request's context for cancellation.
type cenkaltiRT struct {
	next http.RoundTripper
	s    Settings
}

func newCenkalti(next http.RoundTripper, s Settings) (Client, error) {
	rt := &cenkaltiRT{next: next, s: s}
	return &stdClient{name: "cenkalti-loop", c: &http.Client{Transport: rt}}, nil
}

func (t *cenkaltiRT) RoundTrip(req *http.Request) (*http.Response, error) {
	b := &backoff.ExponentialBackOff{
		InitialInterval:     t.s.Initial,
		RandomizationFactor: 0.25,
		Multiplier:          2,
		MaxInterval:         t.s.Max,
	}
	return backoff.Retry(req.Context(), func() (*http.Response, error) {
		r := req.Clone(req.Context())
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, backoff.Permanent(err)
			}
			r.Body = body
		}
		resp, err := t.next.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		if RetryableStatus(resp.StatusCode) {
			resp.Body.Close()
			var serr error = errStatus(resp.StatusCode)
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 &&
				(resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
				serr = errors.Join(serr, backoff.RetryAfter(s))
			}
			return nil, serr
		}
		return resp, nil
	}, backoff.WithBackOff(b), backoff.WithMaxTries(uint(t.s.Attempts)))
}
