package rebound

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"syscall"
)

// errKind says what an attempt's error tells about the request's fate.
type errKind uint8

const (
	// never: retrying cannot help (bad certificate, bad URL, unknown host).
	never errKind = iota
	// notSent: nothing reached the server, safe to retry for any method.
	notSent
	// maybeSent: the server may have acted (reset, timeout, EOF): retry
	// only what is idempotent.
	maybeSent
)

// classify sorts a transport error by what it proves about the request.
// It looks at types and errnos, never at message text.
func classify(err error) errKind {
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
		recordHdr tls.RecordHeaderError
		dnsErr    *net.DNSError
		opErr     *net.OpError
		netErr    net.Error
	)
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid),
		errors.As(err, &verify), errors.As(err, &recordHdr):
		return never
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return never
		}
		return notSent
	case errors.As(err, &opErr) && opErr.Op == "dial", errors.Is(err, syscall.ECONNREFUSED):
		return notSent
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, context.DeadlineExceeded):
		return maybeSent
	case errors.As(err, &netErr) && netErr.Timeout():
		return maybeSent
	}
	return never
}
