package rebound_test

// The machinery of TestCompositionMatrix: shared loopback servers (HTTP/1.1
// and HTTP/2 over TLS) that route each request to the faults.Injector of
// the cell that sent it, a tracking RoundTripper that sits between rebound
// and the real transport and records every attempt, and the per-cell
// bookkeeping the invariants are checked against. Every unexported name of
// the two matrix files starts with "mx" so that it cannot collide with the
// other test files of package rebound_test.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/budget"
	"github.com/rebound-go/rebound/bulkhead"
	"github.com/rebound-go/rebound/faults"
	"github.com/rebound-go/rebound/throttle"
)

// Headers the tracking transport adds to each attempt, and that it or the
// server's origin handler set on answers.
const (
	mxCellHeader     = "X-Mx-Cell"     // which cell sent the attempt
	mxCallHeader     = "X-Mx-Call"     // which call of the cell: A, B, C, R0…
	mxTryHeader      = "X-Mx-Try"      // the attempt's rank within its call, from 1
	mxAttemptHeader  = "X-Mx-Attempt"  // the attempt's id, unique in the process
	mxSeenHeader     = "X-Mx-Seen"     // set on a response by the tracking transport: the attempt it answered
	mxFallbackHeader = "X-Mx-Fallback" // set on the Fallback's made-up response
)

// mxRecoveredLatency is how long the server takes to answer once it has
// recovered: longer than a hedge's delay, so that a probe of the breaker
// meets a hedge (issue 11, input 1).
const mxRecoveredLatency = 3 * mxHedgeDelay

// mxRefused reports a local refusal of one of rebound's guards: the
// attempt was never sent. Every guard sentinel is listed here, so a guard
// added or moved is a one-line change.
func mxRefused(err error) bool {
	return errors.Is(err, breaker.ErrCircuitOpen) || errors.Is(err, throttle.ErrThrottled) ||
		errors.Is(err, bulkhead.ErrFull) || errors.Is(err, budget.ErrExhausted)
}

// mxRouter sends each request to the cell named in its X-Mx-Cell header.
// Both shared servers route through one router.
type mxRouter struct{ cells sync.Map } // cell id → *mxCell

func (m *mxRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, ok := m.cells.Load(r.Header.Get(mxCellHeader))
	if !ok {
		http.Error(w, "unknown cell", http.StatusBadRequest)
		return
	}
	c.(*mxCell).serve(w, r)
}

// mxServers are the two loopback servers every cell shares.
type mxServers struct {
	router   mxRouter
	h1, h2   *faults.Server
	h2URL    string
	roots    *x509.CertPool
	sessions tls.ClientSessionCache // shared so that cells resume TLS sessions
	leaks    mxLeaks
}

func mxStartServers(t *testing.T) *mxServers {
	t.Helper()
	s := &mxServers{sessions: tls.NewLRUClientSessionCache(64)}
	cert, roots := mxCertificate(t)
	s.roots = roots
	var err error
	if s.h1, err = faults.NewServer(nil, nil, &s.router); err != nil {
		t.Fatal(err)
	}
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsLn := tls.NewListener(ln2, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}})
	if s.h2, err = faults.NewServer(tlsLn, nil, &s.router); err != nil {
		t.Fatal(err)
	}
	s.h2URL = "https://" + strings.TrimPrefix(s.h2.URL, "http://")
	return s
}

func (s *mxServers) close() {
	s.h1.Close()
	s.h2.Close()
}

// client returns a new transport of its own for one cell, so that the
// cell's connections and their goroutines end with it.
func (s *mxServers) client(proto string) *http.Transport {
	// CloseIdleConnections may miss an HTTP/2 connection that is idle
	// (golang/go#50027); the idle timeout closes it. A connection whose
	// stream is still open is not idle, so a body left open still shows.
	const idle = time.Second
	if proto == "h1" {
		return &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: idle}
	}
	return &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: s.roots, ClientSessionCache: s.sessions,
			CurvePreferences: []tls.CurveID{tls.X25519}}, // the post-quantum exchange costs more CPU than the matrix has
		ForceAttemptHTTP2: true,
		IdleConnTimeout:   idle,
	}
}

// base is the URL of the server for proto.
func (s *mxServers) base(proto string) string {
	if proto == "h1" {
		return s.h1.URL
	}
	return s.h2URL
}

// mxCertificate makes a self-signed ECDSA certificate for 127.0.0.1.
func mxCertificate(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rebound matrix"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, DNSNames: []string{"localhost"},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

// mxCell is one cell's state on both sides of the wire.
