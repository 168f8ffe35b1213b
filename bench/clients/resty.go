package clients

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/go-resty/resty/v2"
)

// resty v2.17.2, built with NewWithClient over an *http.Client with the
// shared transport (resty.New would add a cookie jar the others lack),
// SetRetryCount(attempts-1), SetRetryWaitTime(1 ms), SetRetryMaxWaitTime(10
// ms) (its backoff is min(max, wait·2^n) with jitter drawn from [d/2, d), the
// same spread as rebound's Equal jitter), one retry condition with our rule,
// and a silent logger. resty ignores Retry-After unless given a RetryAfter
// callback, and would cap its answer at RetryMaxWaitTime anyway.
//
// Used as resty users do: the body is handed to SetBody as the reader the
// user has, and resty reads the response into memory (Response.Body); the
// adapter serves those bytes back as the response body.
type restyClient struct{ c *resty.Client }

func newResty(next http.RoundTripper, s Settings) (Client, error) {
	c := resty.NewWithClient(&http.Client{Transport: next}).
		SetRetryCount(s.Attempts - 1).
		SetRetryWaitTime(s.Initial).
		SetRetryMaxWaitTime(s.Max).
		SetLogger(silent{}).
		AddRetryCondition(func(r *resty.Response, err error) bool {
			if err != nil {
				return true
			}
			return r != nil && RetryableStatus(r.StatusCode())
		})
	return &restyClient{c: c}, nil
}

func (r *restyClient) Name() string { return "resty" }

func (r *restyClient) Do(ctx context.Context, q *Request) (*http.Response, error) {
	req := r.c.R().SetContext(ctx)
	if q.Header != nil {
		req.Header = q.Header
	}
	if q.Body != nil {
		req.SetBody(q.Body)
	}
	resp, err := req.Execute(q.Method, q.URL)
	if err != nil {
		return nil, err
	}
	raw := resp.RawResponse
	raw.Body = io.NopCloser(bytes.NewReader(resp.Body()))
	return raw, nil
}

type silent struct{}

func (silent) Errorf(string, ...any) {}
func (silent) Warnf(string, ...any)  {}
func (silent) Debugf(string, ...any) {}
