package rebound

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"syscall"
	"testing"
)

// fakeStreamError answers As as net/http's HTTP/2 StreamError does, for
// a struct of its layout.
type fakeStreamError struct{ code uint32 }

func (e fakeStreamError) Error() string { return fmt.Sprintf("stream error: code %d", e.code) }

func (e fakeStreamError) As(target any) bool {
	p, ok := target.(*struct {
		StreamID uint32
		Code     uint32
		Cause    error
	})
	if ok {
		p.StreamID, p.Code = 1, e.code
	}
	return ok
}

// errorTree builds an error tree from data, a byte per node: leaves are
// errnos, sentinels, certificate, address, DNS and HTTP/2 errors; wrappers
// are *net.OpError (with a fuzzed Op), *os.SyscallError, *url.Error,
// fmt.Errorf and errors.Join. It returns a non-nil error and what is left
// of data.
func errorTree(data []byte, depth int) (error, []byte) {
	if len(data) == 0 {
		return errors.New("leaf"), nil
	}
	b, data := data[0], data[1:]
	arg := byte(0)
	if len(data) > 0 {
		arg = data[0]
	}
	if depth > 6 {
		b %= 16 // leaves only
	}
	child := func() error {
		var err error
		err, data = errorTree(data, depth+1)
		return err
	}
	switch b % 24 {
	case 0:
		return syscall.Errno(arg), data[min(1, len(data)):]
	case 1:
		return syscall.ECONNREFUSED, data
	case 2:
		return syscall.ECONNRESET, data
	case 3:
		return io.EOF, data
	case 4:
		return io.ErrUnexpectedEOF, data
	case 5:
		return context.Canceled, data
	case 6:
		return context.DeadlineExceeded, data
	case 7:
		return os.ErrDeadlineExceeded, data
	case 8:
		return net.ErrClosed, data
	case 9:
		return x509.UnknownAuthorityError{}, data
	case 10:
		return &net.AddrError{Err: "invalid port", Addr: "99999"}, data
	case 11:
		return &net.DNSError{Err: "dns", IsNotFound: arg&1 != 0, IsTimeout: arg&2 != 0, IsTemporary: arg&4 != 0}, data[min(1, len(data)):]
	case 12:
		return &StatusError{StatusCode: 100 + int(arg)*2}, data[min(1, len(data)):]
	case 13:
		return fakeStreamError{code: uint32(arg % 16)}, data[min(1, len(data)):]
	case 14:
		return errors.New(string(data[:min(int(arg%8), len(data))])), data[min(int(arg%8), len(data)):]
	case 15:
		return errors.New("leaf"), data
	case 16:
		ops := []string{"dial", "read", "write", "proxyconnect", string(data[:min(int(arg%6), len(data))])}
		op := ops[int(arg)%len(ops)]
		data = data[min(1, len(data)):]
		return &net.OpError{Op: op, Net: "tcp", Err: child()}, data
	case 17:
		return &os.SyscallError{Syscall: "connect", Err: child()}, data
	case 18:
		return &url.Error{Op: [...]string{"Get", "parse"}[arg%2], URL: "x", Err: child()}, data
	case 19:
		return fmt.Errorf("w: %w", child()), data
	case 20:
		return errors.Join(child(), child()), data
	case 21:
		return fmt.Errorf("%w; %w", child(), child()), data
	case 22:
		return &net.DNSError{Err: "dns", UnwrapErr: child()}, data
	}
	return &RetryError{Attempts: 2, Err: child(), Reason: child()}, data
}

// FuzzClassify checks that classify never panics on any error tree, and
// the rules of its order: a cancellation anywhere makes never; a deadline
// outside a dial makes anything retryable maybeSent; nothing inside a dial
// or a proxy CONNECT is maybeSent, nor newly never (but a status the proxy
// answered CONNECT with); wrapping does not change the answer, nor does
// the order of a tree's branches.
func FuzzClassify(f *testing.F) {
	f.Add([]byte{16, 0, 17, 1})        // dial: connect: refused
	f.Add([]byte{16, 1, 2})            // read: reset
	f.Add([]byte{20, 1, 2})            // refused and reset
	f.Add([]byte{16, 3, 12, 201})      // proxyconnect: 503
	f.Add([]byte{16, 0, 10})           // dial: invalid port
	f.Add([]byte{13, 7, 13, 2})        // REFUSED_STREAM, INTERNAL_ERROR
	f.Add([]byte{21, 5, 16, 0, 6})     // canceled, dial deadline
	f.Add([]byte{22, 11, 4, 0, 110})   // DNS wrapping errno 110
	f.Add([]byte{23, 18, 1, 3, 19, 7}) // RetryError{parse: EOF, deadline}
	// Found: an HTTP/2 error inside a dial said maybeSent.
	f.Add([]byte("%0"))
	// Found: a 100 from the proxy makes never, but only inside a dial.
	f.Add([]byte(",1$"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, rest := errorTree(data, 0)
		b, _ := errorTree(rest, 0)
		k := classify(a)
		if got := classify(errors.Join(a, context.Canceled)); got != never {
			t.Fatalf("classify(%v + Canceled) = %v, want never", a, got)
		}
		if got := classify(&net.OpError{Op: "dial", Err: errors.Join(context.Canceled, a)}); got != never {
			t.Fatalf("classify(dial: Canceled + %v) = %v, want never", a, got)
		}
		withDeadline := classify(errors.Join(a, context.DeadlineExceeded))
		if k != never && withDeadline != maybeSent || withDeadline == never && k != never {
			t.Fatalf("classify(%v) = %v, and with DeadlineExceeded %v", a, k, withDeadline)
		}
		var status *StatusError // a proxy's refusal: it says something only there
		proxyStatus := errors.As(a, &status)
		for _, op := range []string{"dial", "proxyconnect"} {
			got := classify(&net.OpError{Op: op, Err: a})
			if got == maybeSent || got == never && k != never && !proxyStatus {
				t.Fatalf("classify(%s: %v) = %v; classify(%v) = %v", op, a, got, a, k)
			}
		}
		if got := classify(fmt.Errorf("wrapped: %w", a)); got != k {
			t.Fatalf("classify(wrapped %v) = %v, want %v", a, got, k)
		}
		if got := classify(&url.Error{Op: "Post", URL: "x", Err: a}); got != k {
			t.Fatalf("classify(Post: %v) = %v, want %v", a, got, k)
		}
		if ab, ba := classify(errors.Join(a, b)), classify(errors.Join(b, a)); ab != ba {
			t.Fatalf("classify(%v + %v) = %v, the other way round %v", a, b, ab, ba)
		}
	})
}

// BenchmarkClassify measures classify on the errors a retry loop sees
// most. It allocates nothing, but for net/http's HTTP/2 StreamError, read
// through its As method (one small value).
func BenchmarkClassify(b *testing.B) {
	h := new(abortFirst)
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	_, streamErr := srv.Client().Transport.RoundTrip(req)
	srv.Client().CloseIdleConnections()
	srv.Close()
	if streamErr == nil {
		b.Fatal("no HTTP/2 stream error")
	}
	for _, bb := range []struct {
		name string
		err  error
	}{
		{"dial refused", opErr("dial", sysErr(syscall.ECONNREFUSED))},
		{"reset", opErr("read", sysErr(syscall.ECONNRESET))},
		{"EOF in url.Error", &url.Error{Op: "Get", URL: "http://x", Err: io.EOF}},
		{"deadline", context.DeadlineExceeded},
		{"bad port", opErr("dial", &net.AddrError{Err: "invalid port", Addr: "99999"})},
		{"unknown", errors.New("some failure")},
		{"HTTP/2 stream reset", streamErr},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				classify(bb.err)
			}
		})
	}
}
