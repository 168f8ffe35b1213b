package faults

import (
	"net/http"
	"strconv"
	"time"
)

// statusBody is the body of an injected status response.
func statusBody(code int) string {
	return strconv.Itoa(code) + " " + http.StatusText(code) + " (injected by faults)\n"
}

// retryAfter renders f.RetryAfter in whole seconds, rounded up.
func retryAfter(f *Fault) string {
	return strconv.FormatInt(int64((f.RetryAfter+time.Second-1)/time.Second), 10)
}
