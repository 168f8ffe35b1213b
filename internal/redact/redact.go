// Package redact renders URLs for logs and the terminal without their
// secrets, for the Transport's events and the rebound command alike.
package redact

import (
	"net/url"
	"strings"
)

// URL renders u with the password hidden as url.URL.Redacted does and
// every query parameter's value replaced by "xxxxx", its name kept (an API
// key in a query string is as secret as one in a header), unless
// showQuery. A nil u renders as "".
func URL(u *url.URL, showQuery bool) string {
	if u == nil {
		return ""
	}
	if u.RawQuery == "" || showQuery {
		return u.Redacted()
	}
	r := *u
	r.RawQuery = Query(u.RawQuery)
	return r.Redacted()
}

// Query keeps the names of a raw query's parameters and replaces their
// values by "xxxxx".
func Query(q string) string {
	var b strings.Builder
	for i, kv := range strings.Split(q, "&") {
		if i > 0 {
			b.WriteByte('&')
		}
		name, _, hasValue := strings.Cut(kv, "=")
		b.WriteString(name)
		if hasValue {
			b.WriteString("=xxxxx")
		}
	}
	return b.String()
}
