package lab

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// A Client is one way of making the lab's calls, shown as one row of the
// table.
type Client struct {
	Name string
	// Note says what the client does, for the table's footnotes, such as
	// "4 attempts, 100ms apart".
	Note string
	// New makes the client's Caller over tr, a transport of its own
	// (so its connections are its own). What its guards do goes to rec.
	New func(tr http.RoundTripper, rec *Recorder) (Caller, error)
}

// A Caller makes call number id (a GET of url) to the end, reads and
// closes the response body, and reports the final status, or the error
// that ended the call (a body cut short included). It must carry id in
// IDHeader and each attempt's number in AttemptHeader.
type Caller func(ctx context.Context, url string, id int) (status int, err error)

// newRequest makes the GET of call id, marked with IDHeader.
func newRequest(ctx context.Context, url string, id int) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(IDHeader, strconv.Itoa(id))
	return req, nil
}

// finish reads and closes the body of a call's final response.
func finish(resp *http.Response, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return resp.StatusCode, fmt.Errorf("reading body: %w", err)
	}
	return resp.StatusCode, nil
}

// Plain is net/http with no retries: one attempt per call.
func Plain() Client {
	return Client{
		Name: "net/http",
		Note: "http.Client, one attempt a call",
		New: func(tr http.RoundTripper, _ *Recorder) (Caller, error) {
			hc := &http.Client{Transport: tr}
			return func(ctx context.Context, url string, id int) (int, error) {
				req, err := newRequest(ctx, url, id)
				if err != nil {
					return 0, err
				}
				req.Header.Set(AttemptHeader, "1")
				return finish(hc.Do(req))
			}, nil
		},
	}
}
