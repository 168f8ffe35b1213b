package rebound

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxQuotaReset bounds how far ahead a 429's Retry-After moves a host's
// quota window, as ratelimit bounds a reset in rate-limit headers.
const maxQuotaReset = 24 * time.Hour

// maxDeltaSeconds bounds delta-seconds before the conversion to a Duration
// can overflow; anything larger is "forever" for every practical cap.
const maxDeltaSeconds = math.MaxInt64 / int64(time.Second)

// parseRetryAfter reads a Retry-After value in either form RFC 9110 allows:
// delta-seconds ("120") or an HTTP-date ("Fri, 31 Dec 1999 23:59:59 GMT"),
// the latter measured from now. A date in the past means no wait. ok is
// false for anything else: negative or fractional numbers, garbage, empty.
// An enormous value saturates rather than overflowing, so a caller's cap
// always sees it as too long.
func parseRetryAfter(value string, now time.Time) (d time.Duration, ok bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if c := value[0]; c >= '0' && c <= '9' {
		for i := 0; i < len(value); i++ {
			if value[i] < '0' || value[i] > '9' {
				return 0, false
			}
		}
		secs, err := strconv.ParseInt(value, 10, 64)
		if err != nil || secs > maxDeltaSeconds { // only overflow fails here
			return math.MaxInt64, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	if wait := t.Sub(now); wait > 0 {
		return wait, true
	}
	return 0, true
}
