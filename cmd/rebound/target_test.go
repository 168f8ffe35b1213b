package main

import (
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		want    string // the URL, or the error's text
		wantErr bool
	}{
		{raw: "http://example.com/x", want: "http://example.com/x"},
		{raw: "https://example.com", want: "https://example.com"},
		{raw: "example.com", want: "http://example.com"},
		{raw: "localhost:8080/x?q=1", want: "http://localhost:8080/x?q=1"},
		{raw: "[::1]:8080/", want: "http://[::1]:8080/"},
		{raw: "ht!tp://x", wantErr: true, want: `"ht!tp://x" is not a URL: first path segment in URL cannot contain colon`},
		{raw: "ftp://user:s3cr3t@example.com/", wantErr: true, want: `"ftp://user:xxxxx@example.com/" is not an http or https URL`},
		{raw: "http:///x", wantErr: true, want: `"http:///x" has no host`},
		{raw: "http:/example.com", wantErr: true, want: `"http:/example.com" has no host`},
		{raw: "h ost/x", wantErr: true, want: `"h ost/x" is not a URL: invalid character " " in host name`},
		{raw: "http://u:s3cr3t@h ost/?k=v", wantErr: true, want: `"http://u:xxxxx@h ost/?k=xxxxx" is not a URL`},
	} {
		u, err := parseTarget(tc.raw)
		switch {
		case tc.wantErr && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
			t.Errorf("%q: error %v, want %s", tc.raw, err, tc.want)
		case !tc.wantErr && (err != nil || u.String() != tc.want):
			t.Errorf("%q: %v, %v; want %s", tc.raw, u, err, tc.want)
		}
	}
}

func TestRedactTyped(t *testing.T) {
	for raw, want := range map[string]string{
		"ht!tp://ann:s3cr3t@x/p?k=v&flag#f": "ht!tp://ann:xxxxx@x/p?k=xxxxx&flag#f",
		"ann:s3cr3t@host":                   "ann:xxxxx@host",
		"not a url":                         "not a url",
		"https://ann@example.com/?a=1":      "https://ann@example.com/?a=xxxxx",
		"http://a/@b:c":                     "http://a/@b:c",
	} {
		if got := redactTyped(raw); got != want {
			t.Errorf("redactTyped(%q) = %q, want %q", raw, got, want)
		}
	}
}

// FuzzParseTarget checks that no URL argument panics the parser, and
// that an error never shows the password or a query value that was typed.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"example.com", "http://u:pw@h/?k=v", "ht!tp://x", "[::1]:80", "http://%zz", "u:pw@h?k=v#f", ""} {
		f.Add(s)
	}
	const secret = "S3CR3TVALUE"
	f.Fuzz(func(t *testing.T, raw string) {
		if strings.Contains(raw, secret) || strings.Contains(raw, "#") { // after a #, "?key=" is a fragment
			return
		}
		for _, typed := range []string{
			"http://user:" + secret + "@" + raw,
			raw + "?key=" + secret,
			raw,
		} {
			u, err := parseTarget(typed)
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("parseTarget(%q) error shows the secret: %v", typed, err)
			}
			if err == nil && u.Scheme != "http" && u.Scheme != "https" {
				t.Errorf("parseTarget(%q) = %v, an %s URL", typed, u, u.Scheme)
			}
			if strings.Contains(redactTyped(typed), secret) {
				t.Errorf("redactTyped(%q) = %q shows the secret", typed, redactTyped(typed))
			}
		}
	})
}
