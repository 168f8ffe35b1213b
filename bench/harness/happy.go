package harness

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rebound-go/rebound/bench/clients"
)

// MemTransport answers every request at once from memory (after reading its
// body), so a client over it costs only its own stack.
type MemTransport struct{}

// RoundTrip implements http.RoundTripper.
func (MemTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: io.NopCloser(strings.NewReader(OKBody)),
		ContentLength: int64(len(OKBody)), Request: req}, nil
}

// NewHappyServer is a loopback server that reads the body and answers OKBody.
func NewHappyServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, OKBody)
	}))
}

// HappyPayload is the happy path's POST body: 1 KiB.
var HappyPayload = bytes.Repeat([]byte("p"), 1<<10)

// HappyCall makes one happy-path call: a GET, or a POST of HappyPayload as a
// *bytes.Reader; it reads and closes the response and wants a 200.
func HappyCall(ctx context.Context, c clients.Client, method, url string) error {
	req := &clients.Request{Method: method, URL: url}
	if method == http.MethodPost {
		req.Body = bytes.NewReader(HappyPayload)
	}
	resp, err := c.Do(ctx, req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
