package rebound

import (
	"io"
	"net/http"
	"net/url"
)

// Client is a drop-in replacement for *http.Client whose requests are
// retried by a Transport: Get, Head, Post, PostForm and Do
// behave as net/http's, only more patiently. A Client is safe for
// concurrent use by any number of goroutines.
type Client struct {
	hc *http.Client
	t  *Transport
}

// NewClient returns a Client built on a copy of hc (nil means a zero
// http.Client), with hc's Transport wrapped in a rebound Transport. Jar,
// CheckRedirect and Timeout carry over; Timeout bounds the whole call,
// retries and waits included.
func NewClient(hc *http.Client, cfg Config) (*Client, error) {
	var c http.Client
	if hc != nil {
		c = *hc
	}
	t, err := NewTransport(c.Transport, cfg)
	if err != nil {
		return nil, err
	}
	c.Transport = t
	return &Client{hc: &c, t: t}, nil
}

// Do sends req with retries. Like http.Client.Do, it returns an error only
// for a failed call, never for a status; the error wraps a *RetryError
// when retries ran out.
//
// A body net/http cannot replay (no GetBody) is given one through the
// same recorder the Transport uses, so that a 307 or 308 redirect can
// send it again, as retries do, while it is under Config.MaxBufferedBody;
// it is still never read ahead of the transport.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.GetBody != nil {
		return c.hc.Do(req)
	}
	rec := newRecorder(req.Body, orDefault(c.t.maxBuffer, defaultMaxBufferedBody), nil)
	defer rec.finish() // the caller's body closes once no reader needs it
	ctx := req.Context()
	r := *req
	r.Body, _ = rec.next(ctx) // the first reader never waits
	r.GetBody = func() (io.ReadCloser, error) { return rec.next(ctx) }
	return c.hc.Do(&r)
}

// DoLogged is Do that also returns the call's attempt log.
func (c *Client) DoLogged(req *http.Request) (*http.Response, *AttemptLog, error) {
	log := new(AttemptLog)
	resp, err := c.Do(req.WithContext(WithAttemptLog(req.Context(), log)))
	return resp, log, err
}

// Get issues a GET to url.
func (c *Client) Get(url string) (*http.Response, error) { return c.hc.Get(url) }

// Head issues a HEAD to url.
func (c *Client) Head(url string) (*http.Response, error) { return c.hc.Head(url) }

// Post issues a POST to url. A POST is retried only where nothing reached
// the server, on 429, or when the request is made idempotent (see
// Policy); its body is replayed through GetBody when body is a
// *bytes.Buffer, *bytes.Reader or *strings.Reader, and otherwise recorded
// as it is sent, up to Config.MaxBufferedBody (see Do).
func (c *Client) Post(url, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	return c.Do(req)
}

// PostForm issues a POST to url with data URL-encoded as its body.
func (c *Client) PostForm(url string, data url.Values) (*http.Response, error) {
	return c.hc.PostForm(url, data)
}

// Stats returns the totals of the Client's Transport.
func (c *Client) Stats() Stats { return c.t.Stats() }

// HTTPClient returns the *http.Client underneath, for APIs that need one.
func (c *Client) HTTPClient() *http.Client { return c.hc }

// CloseIdleConnections closes idle connections of the wrapped transport.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// defaultClient is the Client used by the package-level Get, Head, Post,
// PostForm and Do: the zero Config over http.DefaultTransport.
var defaultClient = mustClient(NewClient(nil, Config{}))

func mustClient(c *Client, err error) *Client {
	if err != nil {
		panic(err)
	}
	return c
}

// Get issues a GET with the zero Config over http.DefaultTransport.
func Get(url string) (*http.Response, error) { return defaultClient.Get(url) }

// Head issues a HEAD with the zero Config over http.DefaultTransport.
func Head(url string) (*http.Response, error) { return defaultClient.Head(url) }

// Post issues a POST with the zero Config over http.DefaultTransport.
func Post(url, contentType string, body io.Reader) (*http.Response, error) {
	return defaultClient.Post(url, contentType, body)
}

// PostForm issues a POST of URL-encoded data with the zero Config over
// http.DefaultTransport.
func PostForm(url string, data url.Values) (*http.Response, error) {
	return defaultClient.PostForm(url, data)
}

// Do sends req with the zero Config over http.DefaultTransport.
func Do(req *http.Request) (*http.Response, error) { return defaultClient.Do(req) }
