package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/rebound-go/rebound/internal/redact"
)

// parseTarget reads the URL argument as curl does: one without a scheme
// means http:// ("localhost:8080/x", "example.com"). The error quotes
// what was typed, with its password and query values hidden.
func parseTarget(raw string) (*url.URL, error) {
	full := raw
	if !hasScheme(raw) {
		full = "http://" + raw
	}
	u, err := url.Parse(full)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its own text repeats the URL, password and all
		}
		return nil, fmt.Errorf("%q is not a URL: %v", redactTyped(raw), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q is not an http or https URL", redactTyped(raw))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", redactTyped(raw))
	}
	return u, nil
}

// hasScheme reports whether raw names its scheme: "x://…", or "http:"
// and "https:" with fewer slashes, which are typos to report rather than
// host names.
func hasScheme(raw string) bool {
	lower := strings.ToLower(raw)
	return strings.Contains(raw, "://") || strings.HasPrefix(lower, "http:") || strings.HasPrefix(lower, "https:")
}

// redactURL renders u for the terminal: its password and its query
// values hidden, as rebound's SlogEvents renders it.
func redactURL(u *url.URL) string { return redact.URL(u, false) }

// redactTyped renders a URL argument as typed, even one that does not
// parse ("ht!tp://x"), with what follows the user name in its userinfo
// and the values of its query hidden.
func redactTyped(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" && u.Opaque == "" {
		return redactURL(u)
	}
	prefix, rest := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, rest = raw[:i+3], raw[i+3:]
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		if c := strings.Index(rest[:at], ":"); c >= 0 {
			rest = rest[:c+1] + "xxxxx" + rest[at:]
		}
	}
	if q := strings.Index(rest, "?"); q >= 0 {
		query, frag, hasFrag := strings.Cut(rest[q+1:], "#")
		rest = rest[:q+1] + redact.Query(query)
		if hasFrag {
			rest += "#" + frag
		}
	}
	return prefix + rest
}
