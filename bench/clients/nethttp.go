package clients

import "net/http"

// newNetHTTP is the baseline: a plain *http.Client, no retries.
func newNetHTTP(next http.RoundTripper, _ Settings) (Client, error) {
	return &stdClient{name: Baseline, c: &http.Client{Transport: next}}, nil
}
