package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// parseHeaders reads -H values of the form "Key: value". A bad one is
// named by its position only: its text may hold a secret.
func parseHeaders(lines []string) (http.Header, error) {
	h := http.Header{}
	for i, l := range lines {
		k, v, ok := strings.Cut(l, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("-H number %d is not of the form 'Key: value'", i+1)
		}
		h.Add(k, strings.TrimSpace(v))
	}
	return h, nil
}

// readBody reads the -d value: the string itself, the file named after an
// @, or standard input for @-. nil means no -d.
func readBody(data string, stdin io.Reader) ([]byte, error) {
	name, isFile := strings.CutPrefix(data, "@")
	switch {
	case data == "":
		return nil, nil
	case !isFile:
		return []byte(data), nil
	case name == "-":
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("reading the body from standard input: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	return b, nil
}

// newFetchRequest builds the request. The body is a bytes.Reader, so it
// is replayed through GetBody on every attempt. A body without a
// Content-Type gets application/x-www-form-urlencoded, as with curl -d.
func newFetchRequest(ctx context.Context, method string, u *url.URL, h http.Header, body []byte, idempotent bool) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if host := h.Get("Host"); host != "" {
		req.Host = host
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if idempotent && req.Header.Get("Idempotency-Key") == "" {
		req.Header.Set("Idempotency-Key", newKey())
	}
	return req, nil
}

// newKey returns a random idempotency key of 128 bits.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand documents it)
	return hex.EncodeToString(b)
}

// redacted is a URL as it may be shown: with its password hidden.
func redacted(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparseable URL)"
}
