package rebound

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"syscall"
)

// errKind says what an attempt's error tells about the request's fate.
type errKind uint8

const (
	// never: retrying cannot help (bad certificate, malformed address,
	// unknown host, a cancelled call), or the error says nothing rebound
	// can read.
	never errKind = iota
	// notSent: nothing reached the server (dial refused, proxy refused
	// CONNECT, HTTP/2 REFUSED_STREAM), safe to retry for any method.
	notSent
	// maybeSent: the server may have acted (reset, timeout, EOF, an HTTP/2
	// stream reset): retry only what is idempotent.
	maybeSent
)

// What the nodes of an error tree say, one bit each. classify decides from
// the union, so the order of a tree's branches never matters.
const (
	saysCanceled  uint8 = 1 << iota // the call was cancelled
	saysNever                       // a certificate, an address, a protocol refusal
	saysNotSent                     // failed before a byte of the request left
	saysMaybeSent                   // failed once the request may have been read
)

// HTTP/2 error codes (RFC 9113, section 7) that classify treats apart.
const (
	h2RefusedStream      = 0x7
	h2InadequateSecurity = 0xc
	h2HTTP11Required     = 0xd
)

// classify sorts a transport error by what it proves about whether the
// server saw the request. It reads types, errnos and the error sentinels
// of the standard library, never message text, and walks the whole tree
// as errors.Is and errors.As do. What the nodes say is combined in this
// order:
//
//  1. context.Canceled anywhere: never (the caller gave up).
//  2. a permanent fault anywhere (certificate, malformed address, parse
//     error, unknown host, HTTP/2 INADEQUATE_SECURITY or
//     HTTP_1_1_REQUIRED, a proxy answering CONNECT with 4xx): never.
//  3. anything that says the request may have been read (reset, EOF,
//     timeout, an HTTP/2 stream reset other than REFUSED_STREAM, a GOAWAY
//     that covered the stream): maybeSent, so a tree that says both
//     "not sent" and "maybe sent" is treated as the riskier one.
//  4. anything that says nothing was sent (an error inside a dial or a
//     proxy CONNECT, a refused connection, a DNS failure that is not "not
//     found", REFUSED_STREAM): notSent.
//  5. nothing known: never.
//
// Inside a *net.OpError whose Op is "dial" or "proxyconnect", a reset or a
// timeout says only that the connection failed, so it counts as notSent;
// a dial timeout is notSent, any other deadline maybeSent.
//
// classify does not allocate for any error net/http returns; an error of
// another package with an As method costs one small value.
func classify(err error) errKind {
	var says uint8
	scanError(err, false, &says)
	switch {
	case says&(saysCanceled|saysNever) != 0:
		return never
	case says&saysMaybeSent != 0:
		return maybeSent
	case says&saysNotSent != 0:
		return notSent
	}
	return never
}

// scanError adds to says what err and every error it wraps say, walking
// the tree as errors.Is does. connecting is true inside an error of the
// connection phase (dial, proxy CONNECT), where nothing of the request
// has been sent.
func scanError(err error, connecting bool, says *uint8) {
	for err != nil {
		var s uint8
		s, connecting = nodeSays(err, connecting)
		if connecting && s&saysMaybeSent != 0 { // only the connection failed
			s = s&^saysMaybeSent | saysNotSent
		}
		*says |= s
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				scanError(e, connecting, says)
			}
			return
		default:
			return
		}
	}
}

// nodeSays is what one error of a tree says, not looking at what it
// wraps, and whether the errors it wraps belong to the connection phase.
// It holds every type check of classify.
func nodeSays(err error, connecting bool) (says uint8, wrapsConnecting bool) {
	if err == context.Canceled || isCanceled(err) {
		says |= saysCanceled
	}
	// io.ErrClosedPipe is net.Pipe's closed connection (an in-process
	// transport's, or a test's), as net.ErrClosed is a socket's.
	if err == io.EOF || err == io.ErrUnexpectedEOF || err == net.ErrClosed || err == io.ErrClosedPipe {
		says |= saysMaybeSent
	}
	switch e := err.(type) {
	case x509.UnknownAuthorityError, x509.HostnameError, x509.CertificateInvalidError,
		x509.SystemRootsError, x509.ConstraintViolationError, x509.UnhandledCriticalExtension,
		x509.InsecureAlgorithmError, *tls.CertificateVerificationError, tls.RecordHeaderError,
		tls.AlertError, *net.AddrError, *net.ParseError:
		says |= saysNever
	case *url.Error:
		if e.Op == "parse" {
			says |= saysNever
		}
	case *net.DNSError:
		if e.IsNotFound {
			says |= saysNever
		} else {
			says |= saysNotSent // not resolved: nothing left
		}
	case *net.OpError:
		if e.Op == "dial" || e.Op == "proxyconnect" {
			connecting = true
			says |= saysNotSent
		}
	case *StatusError: // a proxy's answer to CONNECT; see proxyConnectCheck
		if connecting && !retryableStatus(e.StatusCode) {
			says |= saysNever
		}
	case syscall.Errno:
		switch {
		case e == syscall.ECONNREFUSED:
			says |= saysNotSent
		case e == syscall.ECONNRESET, e == syscall.EPIPE, e == syscall.ECONNABORTED, e.Timeout():
			says |= saysMaybeSent
		}
	case interface{ As(any) bool }:
		if code, stream, ok := h2Error(err); ok {
			says |= h2Says(code, stream)
			break
		}
		// A StreamError of another name fills any struct of its layout,
		// as net/http's does (at the cost of one allocation).
		var se struct {
			StreamID uint32
			Code     uint32
			Cause    error
		}
		if e.As(&se) {
			says |= h2Says(se.Code, true)
		}
	case interface{ Timeout() bool }: // context.DeadlineExceeded among them
		if e.Timeout() {
			says |= saysMaybeSent
		}
	default:
		if code, stream, ok := h2Error(err); ok {
			says |= h2Says(code, stream)
		}
	}
	return says, connecting
}

// isCanceled reports an error that says it is context.Canceled through an
// Is method, as the net package's cancelled dial does.
func isCanceled(err error) bool {
	i, ok := err.(interface{ Is(error) bool })
	return ok && i.Is(context.Canceled)
}

// retryableStatus reports a status that a retry may cure: 429 and 5xx but
// 501 and 505, as Policy retries them.
func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests ||
		code >= 500 && code != http.StatusNotImplemented && code != http.StatusHTTPVersionNotSupported
}

// h2Says reads an HTTP/2 error code (RFC 9113, section 7). Only a stream
// reset with REFUSED_STREAM says the server did not process the request
// (section 8.7); INADEQUATE_SECURITY and HTTP_1_1_REQUIRED will be sent
// again on any retry over the same transport; every other code (an
// INTERNAL_ERROR or CANCEL from the server, a PROTOCOL_ERROR, a GOAWAY
// that covered the stream) leaves the request possibly processed.
func h2Says(code uint32, stream bool) uint8 {
	switch {
	case code == h2RefusedStream && stream:
		return saysNotSent
	case code == h2InadequateSecurity, code == h2HTTP11Required:
		return saysNever
	}
	return saysMaybeSent
}

// h2Error reads the error code of net/http's HTTP/2 errors, StreamError,
// GoAwayError and ConnectionError (and of those of any package named
// http2, such as golang.org/x/net/http2, which have the same layout);
// stream is true for a StreamError, ok false for any other error. It knows
// them by their type and reads the code by its position: only StreamError
// offers a way in, an As method that fills a struct of its layout but
// allocates four times. net/http returns a GoAwayError only for a stream
// the server's GOAWAY covered (stream ID ≤ LastStreamID; it retries those
// above it itself), and a ConnectionError for a protocol error it found in
// the server's frames.
func h2Error(err error) (code uint32, stream, ok bool) {
	t := reflect.TypeOf(err)
	name := t.Name()
	switch pkg := t.PkgPath(); {
	case pkg == "net/http": // the bundle: http2StreamError…
		name = strings.TrimPrefix(name, "http2")
	case !strings.HasSuffix(pkg, "/http2"): // x/net/http2, a vendored copy…
		return 0, false, false
	}
	v := reflect.ValueOf(err)
	switch {
	case name == "StreamError" && v.Kind() == reflect.Struct && v.NumField() == 3 && v.Field(1).CanUint():
		return uint32(v.Field(1).Uint()), true, true // {StreamID, Code, Cause}
	case name == "GoAwayError" && v.Kind() == reflect.Struct && v.NumField() == 3 && v.Field(1).CanUint():
		return uint32(v.Field(1).Uint()), false, true // {LastStreamID, ErrCode, DebugData}
	case name == "ConnectionError" && v.CanUint():
		return uint32(v.Uint()), false, true
	}
	return 0, false, false
}

// proxyConnectCheck returns a hook for http.Transport's
// OnProxyConnectResponse that runs next (nil: none) and then turns a
// CONNECT the proxy answered with another status than 200 into
// &net.OpError{Op: "proxyconnect", Err: &StatusError{...}}. net/http
// itself returns such a refusal as errors.New of the status text, which
// says nothing classify may read; with the hook, a 429 or 5xx from the
// proxy is notSent (nothing reached the origin) and any other status never.
func proxyConnectCheck(next func(context.Context, *url.URL, *http.Request, *http.Response) error) func(context.Context, *url.URL, *http.Request, *http.Response) error {
	return func(ctx context.Context, proxy *url.URL, req *http.Request, resp *http.Response) error {
		if next != nil {
			if err := next(ctx, proxy, req, resp); err != nil {
				return err
			}
		}
		if resp.StatusCode == http.StatusOK { // net/http's own test
			return nil
		}
		return &net.OpError{Op: "proxyconnect", Net: "tcp", Err: &StatusError{StatusCode: resp.StatusCode}}
	}
}

// withProxyCheck returns rt, or, when rt is an *http.Transport that uses a
// proxy, a clone of it whose OnProxyConnectResponse is wrapped by
// proxyConnectCheck, so that a refused CONNECT can be classified. rt itself
// is never changed.
func withProxyCheck(rt http.RoundTripper) http.RoundTripper {
	t, ok := rt.(*http.Transport)
	if !ok || t.Proxy == nil {
		return rt
	}
	c := t.Clone()
	c.OnProxyConnectResponse = proxyConnectCheck(t.OnProxyConnectResponse)
	return c
}
