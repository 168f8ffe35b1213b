// Package httpidem holds the one rule for whether an HTTP request may be
// sent twice without harm, shared by the Transport's policy and the
// rebound command's explanations.
package httpidem

import "net/http"

// Idempotent reports whether req may be sent twice without harm: its
// method is GET, HEAD, OPTIONS, TRACE, PUT or DELETE (RFC 9110, section
// 9.2.2; an empty method means GET), or it carries an Idempotency-Key
// (or X-Idempotency-Key) header, as net/http itself judges before it
// retries a request on a new connection.
func Idempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	_, ok := req.Header["Idempotency-Key"]
	if !ok {
		_, ok = req.Header["X-Idempotency-Key"]
	}
	return ok
}
