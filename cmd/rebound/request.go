package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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

// parseUser reads -u USER:PASSWORD. The value is never echoed: it holds
// a password.
func parseUser(v string) (user, pass string, err error) {
	user, pass, ok := strings.Cut(v, ":")
	if !ok || user == "" {
		return "", "", errors.New("-u wants USER:PASSWORD")
	}
	return user, pass, nil
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

// requestSpec is what the flags say of the request itself.
type requestSpec struct {
	method     string
	url        *url.URL
	header     http.Header
	body       []byte // nil: none
	user, pass string // -u; user "" means none
	agent      string // -A; "" means rebound's own
	idempotent bool   // -idempotent: add an Idempotency-Key
}

// newFetchRequest builds the request. The body is a bytes.Reader, so it
// is replayed through GetBody on every attempt. A body without a
// Content-Type gets application/x-www-form-urlencoded, as with curl -d.
// Headers given with -H win over -A and -u, as in curl.
func newFetchRequest(ctx context.Context, s requestSpec) (*http.Request, error) {
	var r io.Reader
	if s.body != nil {
		r = bytes.NewReader(s.body)
	}
	req, err := http.NewRequestWithContext(ctx, s.method, s.url.String(), r)
	if err != nil {
		return nil, err
	}
	if s.user != "" {
		req.SetBasicAuth(s.user, s.pass)
	}
	req.Header.Set("User-Agent", userAgent())
	if s.agent != "" {
		req.Header.Set("User-Agent", s.agent)
	}
	for k, vs := range s.header {
		req.Header[k] = vs
	}
	if host := s.header.Get("Host"); host != "" {
		req.Host = host
	}
	if s.body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if s.idempotent && req.Header.Get("Idempotency-Key") == "" {
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
