//go:build !plan9

package faults

import (
	"net"
	"os"
	"syscall"
)

// resetError is what the client side of a Reset returns: the error a
// read on a connection reset by the peer gives, so that errors.Is(err,
// syscall.ECONNRESET) and errors.As(err, **net.OpError) hold.
func resetError() error {
	return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
}
