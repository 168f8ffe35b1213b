package clients

import (
	"context"
	"net/http"

	"github.com/hashicorp/go-retryablehttp"
)

// go-retryablehttp v0.7.8.
//
// Configured: RetryMax = attempts-1, RetryWaitMin/Max = 1 ms / 10 ms with
// its DefaultBackoff (min·2^n capped at max, no jitter; a Retry-After on 429
// or 503 replaces it, uncapped), its DefaultRetryPolicy (errors, 429, 5xx but
// 501: exactly our rule), Logger nil (the default logs every request to
// stderr), and PassthroughErrorHandler so that, like rebound and as a
// RoundTripper should, it hands back the last response when retries run out
// (by default it drains it and returns an error instead).
//
// Two faces: StandardClient() (an *http.Client whose RoundTripper converts
// each request with FromRequest, which reads the whole body into memory)
// and its own Do with a retryablehttp.Request made from the raw body.
func newRetryable(next http.RoundTripper, s Settings) *retryablehttp.Client {
	c := retryablehttp.NewClient()
	c.HTTPClient = &http.Client{Transport: next}
	c.Logger = nil
	c.RetryMax = s.Attempts - 1
	c.RetryWaitMin = s.Initial
	c.RetryWaitMax = s.Max
	c.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return c
}

func newRetryableStd(next http.RoundTripper, s Settings) (Client, error) {
	return &stdClient{name: "retryablehttp-std", c: newRetryable(next, s).StandardClient()}, nil
}

type retryableDo struct{ c *retryablehttp.Client }

func newRetryableDo(next http.RoundTripper, s Settings) (Client, error) {
	return &retryableDo{c: newRetryable(next, s)}, nil
}

func (r *retryableDo) Name() string { return "retryablehttp-do" }

func (r *retryableDo) Do(ctx context.Context, q *Request) (*http.Response, error) {
	var body any // a nil io.Reader in an interface is not a nil body to it
	if q.Body != nil {
		body = q.Body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, q.Method, q.URL, body)
	if err != nil {
		return nil, err
	}
	if q.Header != nil {
		req.Header = q.Header
	}
	return r.c.Do(req)
}
