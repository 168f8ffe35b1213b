package clients

import (
	"context"
	"net/http"

	"github.com/gojek/heimdall/v7"
	"github.com/gojek/heimdall/v7/httpclient"
)

// heimdall v7.0.3, httpclient with WithRetryCount(attempts-1) and
// WithRetrier(NewRetrier(NewExponentialBackoff(1 ms, 10 ms, 2, 0))), over an
// *http.Client with the shared transport (WithHTTPClient).
//
// What its API does not let us match: the retry rule is fixed (any error and
// any status >= 500, 501 included; never 429), backoff is in whole
// milliseconds, and the wait is a time.Sleep that ignores the context (and
// follows the last attempt too). It reads every request body into memory
// and reuses the same *http.Request for every attempt.
type heimdallClient struct{ c *httpclient.Client }

func newHeimdall(next http.RoundTripper, s Settings) (Client, error) {
	retrier := heimdall.NewRetrier(heimdall.NewExponentialBackoff(s.Initial, s.Max, 2, 0))
	c := httpclient.NewClient(
		httpclient.WithHTTPClient(&http.Client{Transport: next}),
		httpclient.WithRetryCount(s.Attempts-1),
		httpclient.WithRetrier(retrier),
	)
	return &heimdallClient{c: c}, nil
}

func (h *heimdallClient) Name() string { return "heimdall" }

func (h *heimdallClient) Do(ctx context.Context, r *Request) (*http.Response, error) {
	req, err := newHTTPRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	resp, err := h.c.Do(req)
	if err != nil && resp != nil {
		// heimdall returns the last response together with the errors of
		// earlier attempts; a caller that checks err first must close it.
		resp.Body.Close()
		return nil, err
	}
	return resp, err
}
