package faults

import "net/http"

// abort drops the connection under w without another byte: with a TCP
// reset when reset is true, else with an orderly close. Where the
// connection cannot be hijacked (HTTP/2, a wrapper that does not unwrap)
// it panics with http.ErrAbortHandler, which net/http turns into a
// dropped connection or a reset stream.
func abort(w http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if l, ok := conn.(interface{ SetLinger(sec int) error }); ok && reset {
		_ = l.SetLinger(0)
	}
	_ = conn.Close()
}
