// Package ratelimit reads what a server says about a client's quota, in
// every common form, and paces requests so a client slows down before it
// is refused rather than after. [Adaptive] learns the rate of a server
// that says nothing and only answers 429 (nginx's limit_req), as the AWS
// SDKs' adaptive retry mode does.
//
// Parse understands the IETF fields (RateLimit and RateLimit-Policy as
// structured fields, draft-ietf-httpapi-ratelimit-headers-07 and later, and
// the older RateLimit-Limit/-Remaining/-Reset), the common X-RateLimit-Limit,
// X-RateLimit-Remaining and X-RateLimit-Reset (the reset as seconds from now
// or as a Unix time, told apart by size), and X-Ratelimit-Retryafter (a Unix
// time, as CrowdStrike's Falcon API sends it). Every value is bounded:
// negative, enormous, non-numeric or past values cannot produce a negative
// or endless wait.
package ratelimit

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxReset bounds how far ahead a reset can be: a server claiming more
// is treated as saying a day.
const maxReset = 24 * time.Hour

// epochThreshold tells a Unix time from a number of seconds: 10⁹ seconds
// is 31 years, far beyond any quota window, and was a Unix time in 2001.
const epochThreshold = 1_000_000_000

// Info is what a response said about the quota. Unknown numbers are -1;
// an unknown Reset is the zero Time. A reset is never more than a day
// ahead: a server claiming more is taken to say a day.
type Info struct {
	Limit     int       // requests allowed per window
	Remaining int       // requests left in this window
	Reset     time.Time // when the window refills; zero when unknown
}

// known reports whether the response said anything usable.
func (i Info) known() bool { return i.Remaining >= 0 || !i.Reset.IsZero() }

// Parse reads the rate-limit fields of h as of now. ok is false when
// there are none (or none that make sense).
func Parse(h http.Header, now time.Time) (info Info, ok bool) {
	info = Info{Limit: -1, Remaining: -1}
	// IETF structured fields: RateLimit: "default";r=50;t=30
	if v := get(h, "Ratelimit"); v != "" {
		if r, t, found := structured(v, "r", "t"); found {
			info.Remaining = r
			info.Reset = resetIn(t, now)
		} else {
			parseDraft3(v, &info, now) // RateLimit: limit=100, remaining=50, reset=30
		}
	}
	if v := get(h, "Ratelimit-Policy"); v != "" && info.Limit < 0 {
		if q, _, found := structured(v, "q", "w"); found {
			info.Limit = q
		}
	}
	for _, f := range fieldSets {
		if info.Limit < 0 {
			info.Limit = number(get(h, f.limit))
		}
		if info.Remaining < 0 {
			info.Remaining = number(get(h, f.remaining))
		}
		if info.Reset.IsZero() {
			info.Reset = resetAt(get(h, f.reset), now)
		}
	}
	if v := get(h, "X-Ratelimit-Retryafter"); v != "" && info.Reset.IsZero() {
		if at := resetAt(v, now); !at.IsZero() {
			info.Reset = at
			info.Remaining = 0
		}
	}
	return info, info.known()
}

// fieldSets are the separate-field forms, in canonical spelling so that a
// lookup costs no allocation (Header.Get canonicalises its key each time).
var fieldSets = [...]struct{ limit, remaining, reset string }{
	{"Ratelimit-Limit", "Ratelimit-Remaining", "Ratelimit-Reset"},
	{"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset"},
}

// get reads a field by its canonical key.
func get(h http.Header, canonical string) string {
	if v := h[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// number reads a non-negative integer, or -1. Values too large for an int
// saturate.
func number(v string) int {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil && strings.TrimLeft(v, "0123456789") == "":
		return int(^uint(0) >> 1) // all digits: overflow, saturate
	case err != nil || n < 0:
		return -1
	}
	return int(min(n, int64(^uint(0)>>1)))
}

// resetIn converts seconds from now, bounded by maxReset.
func resetIn(secs int, now time.Time) time.Time {
	if secs < 0 {
		return time.Time{}
	}
	return now.Add(min(time.Duration(min(secs, int(maxReset/time.Second)))*time.Second, maxReset))
}

// resetAt reads a reset given as seconds from now or as a Unix time (in
// seconds, or milliseconds), whichever its size says it is. A Unix time in
// the past means the window has already refilled: now.
func resetAt(v string, now time.Time) time.Time {
	n := number(v)
	switch {
	case n < 0:
		return time.Time{}
	case n < epochThreshold:
		return resetIn(n, now)
	}
	at := time.Unix(int64(n), 0)
	if n >= epochThreshold*1000 { // milliseconds
		at = time.UnixMilli(int64(n))
	}
	if at.Before(now) {
		return now
	}
	return min2(at, now.Add(maxReset))
}

func min2(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// structured reads two integer parameters of the first item of an RFC 8941
// list, such as `"default";r=50;t=30, "daily";r=900;t=3600`. When several
// items are given, the one with the fewest remaining wins: it binds first.
func structured(v, a, b string) (x, y int, found bool) {
	best := -1
	for _, item := range strings.Split(v, ",") {
		params := strings.Split(item, ";")
		xa, yb := -1, -1
		for _, p := range params[1:] {
			k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if !ok {
				continue
			}
			switch k {
			case a:
				xa = number(val)
			case b:
				yb = number(val)
			}
		}
		if xa >= 0 && (best < 0 || xa < best) {
			best, x, y, found = xa, xa, yb, true
		}
	}
	return x, y, found
}

// parseDraft3 reads the early IETF draft form:
// RateLimit: limit=100, remaining=50, reset=30
func parseDraft3(v string, info *Info, now time.Time) {
	for _, part := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch strings.ToLower(k) {
		case "limit":
			info.Limit = number(val)
		case "remaining":
			info.Remaining = number(val)
		case "reset":
			info.Reset = resetIn(number(val), now)
		}
	}
}
