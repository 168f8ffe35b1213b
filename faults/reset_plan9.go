package faults

import (
	"errors"
	"net"
)

// resetError is what the client side of a Reset returns. Plan 9 has no
// ECONNRESET; the error reads as one and is a *net.OpError.
func resetError() error {
	return &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
}
