package rebound

import (
	"net/url"
	"strings"
)

// redactedURL renders u for logs (SlogEvents): the password
// hidden as url.URL.Redacted does, and every query parameter's value
// replaced by "xxxxx", its name kept (an API key in a query string is as
// secret as one in a header), unless showQuery.
func redactedURL(u *url.URL, showQuery bool) string {
	if u == nil {
		return ""
	}
	if u.RawQuery == "" || showQuery {
		return u.Redacted()
	}
	r := *u
	var b strings.Builder
	for i, kv := range strings.Split(u.RawQuery, "&") {
		if i > 0 {
			b.WriteByte('&')
		}
		name, _, hasValue := strings.Cut(kv, "=")
		b.WriteString(name)
		if hasValue {
			b.WriteString("=xxxxx")
		}
	}
	r.RawQuery = b.String()
	return r.Redacted()
}
