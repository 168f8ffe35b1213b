package rebound

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/rebound-go/rebound/backoff"
)

// h2Script is an HTTP/2 server (prior knowledge, over net.Pipe) that
// answers its requests, in arrival order, with replies (the last repeats).
type h2Script struct {
	replies []h2Reply
	mu      sync.Mutex
	n       int
}

// h2Reply writes the answer to stream id; done ends the connection.
type h2Reply func(w io.Writer, id uint32) (done bool)

func h2Frame(w io.Writer, typ, flags byte, id uint32, payload []byte) {
	var hdr [9]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(payload))<<8)
	hdr[3], hdr[4] = typ, flags
	binary.BigEndian.PutUint32(hdr[5:], id)
	w.Write(append(hdr[:], payload...))
}

func be32(vs ...uint32) []byte {
	b := make([]byte, 0, 4*len(vs))
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

// h2Status answers with a header block of one HPACK byte, an indexed
// :status from the static table (0x88 is 200, 0x8e 500).
func h2Status(hpack byte) h2Reply {
	return func(w io.Writer, id uint32) bool { h2Frame(w, 0x1, 0x5, id, []byte{hpack}); return false }
}

// h2Reset resets the stream with code.
func h2Reset(code uint32) h2Reply {
	return func(w io.Writer, id uint32) bool { h2Frame(w, 0x3, 0, id, be32(code)); return false }
}

// h2GoAway sends GOAWAY with code and the stream as the last one the
// server saw, then closes the connection.
func h2GoAway(code uint32) h2Reply {
	return func(w io.Writer, id uint32) bool { h2Frame(w, 0x7, 0, 0, be32(id, code)); return true }
}

// h2BadPing sends a PING of 7 bytes, a connection error (FRAME_SIZE_ERROR)
// for the client.
func h2BadPing(w io.Writer, id uint32) bool { h2Frame(w, 0x6, 0, 0, make([]byte, 7)); return false }

// h2Hang never answers.
func h2Hang(io.Writer, uint32) bool { return false }

func (s *h2Script) reset() { s.mu.Lock(); s.n = 0; s.mu.Unlock() }

func (s *h2Script) requests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.n }

func (s *h2Script) next() h2Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return s.replies[min(s.n, len(s.replies))-1]
}

func (s *h2Script) transport() *http.Transport {
	tr := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		c, srv := net.Pipe()
		go s.serve(srv)
		return c, nil
	}}
	tr.Protocols = new(http.Protocols)
	tr.Protocols.SetUnencryptedHTTP2(true)
	return tr
}

// closeIdle closes the connections of tr once the bubble's goroutines are
// done with them, so that none outlives the synctest bubble.
func closeIdle(tr *http.Transport) {
	synctest.Wait()
	tr.CloseIdleConnections()
}

// serve speaks HTTP/2 on c. Frames are written by a goroutine of their own
// through out, since a net.Pipe has no buffer: a server that wrote while
// the client is still writing its preface would wait for it forever.
func (s *h2Script) serve(c net.Conn) {
	out := make(chan []byte, 16)
	written := make(chan struct{})
	go func() {
		defer close(written)
		for b := range out {
			c.Write(b) // after an error, the rest is dropped
		}
	}()
	defer func() {
		close(out)
		go io.Copy(io.Discard, c) // the client may be writing too
		<-written
		c.Close()
	}()
	w := frameQueue(out)
	if _, err := io.ReadFull(c, make([]byte, len(http2Preface))); err != nil {
		return
	}
	h2Frame(w, 0x4, 0, 0, nil) // SETTINGS
	var hdr [9]byte
	for {
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(hdr[:4]) >> 8
		if _, err := io.CopyN(io.Discard, c, int64(n)); err != nil {
			return
		}
		typ, flags, id := hdr[3], hdr[4], binary.BigEndian.Uint32(hdr[5:])&(1<<31-1)
		switch {
		case typ == 0x4 && flags&0x1 == 0:
			h2Frame(w, 0x4, 0x1, 0, nil) // SETTINGS ACK
		case typ == 0x1 && s.next()(w, id):
			return
		}
	}
}

// frameQueue hands what is written to the goroutine that writes it.
type frameQueue chan<- []byte

func (q frameQueue) Write(p []byte) (int, error) {
	q <- append([]byte(nil), p...)
	return len(p), nil
}

const http2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// TestClassifyHTTP2 gets every kind of HTTP/2 error from net/http's client
// against a scripted server, in fake time (net/http retries REFUSED_STREAM
// and a GOAWAY that did not cover the stream itself, with waits of up to
// 32 s, before it returns them). Two are not among them, as over h2c
// net/http retries them on a new connection without end: a PROTOCOL_ERROR
// reset, and a GOAWAY below the stream (over TLS it gives up after 7 tries
// and returns an error without a type, which classify cannot read).
func TestClassifyHTTP2(t *testing.T) {
	const stream, goAway, conn = "http.http2StreamError", "http.http2GoAwayError", "http.http2ConnectionError"
	tests := []struct {
		name     string
		reply    h2Reply
		want     errKind
		wantType string
	}{
		{"REFUSED_STREAM", h2Reset(0x7), notSent, stream},
		{"INTERNAL_ERROR", h2Reset(0x2), maybeSent, stream},
		{"CANCEL from the server", h2Reset(0x8), maybeSent, stream},
		{"STREAM_CLOSED", h2Reset(0x5), maybeSent, stream},
		{"ENHANCE_YOUR_CALM", h2Reset(0xb), maybeSent, stream},
		{"NO_ERROR reset", h2Reset(0x0), maybeSent, stream},
		{"HTTP_1_1_REQUIRED", h2Reset(0xd), never, stream},
		{"INADEQUATE_SECURITY", h2Reset(0xc), never, stream},
		{"GOAWAY covering the stream", h2GoAway(0x0), maybeSent, goAway},
		{"GOAWAY covering the stream, error", h2GoAway(0x2), maybeSent, goAway},
		{"connection error", h2BadPing, maybeSent, conn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &h2Script{replies: []h2Reply{tt.reply}}
				tr := s.transport()
				defer closeIdle(tr)
				req, _ := http.NewRequest("GET", "http://h2.test/", nil)
				resp, err := tr.RoundTrip(req)
				if err == nil {
					resp.Body.Close()
					t.Fatalf("got %v, want an error", resp.Status)
				}
				if typ := fmt.Sprintf("%T", err); typ != tt.wantType {
					t.Fatalf("net/http returned %v (%s), want a %s", err, typ, tt.wantType)
				}
				if got := classify(err); got != tt.want {
					t.Fatalf("classify(%v) = %v, want %v", err, got, tt.want)
				}
			})
		})
	}
}

// TestClassifyHTTP2Retries: through rebound, REFUSED_STREAM is retried for
// a POST, a stream reset for a GET only.
func TestClassifyHTTP2Retries(t *testing.T) {
	refused := make([]h2Reply, 8) // what net/http tries on its own, and gives up on
	for i := range refused {
		refused[i] = h2Reset(0x7)
	}
	tests := []struct {
		name, method string
		replies      []h2Reply
		wantOK       bool
		wantRequests int
	}{
		{"REFUSED_STREAM, POST", "POST", append(refused, h2Status(0x88)), true, 9},
		{"INTERNAL_ERROR, GET", "GET", []h2Reply{h2Reset(0x2), h2Status(0x88)}, true, 2},
		{"INTERNAL_ERROR, POST", "POST", []h2Reply{h2Reset(0x2), h2Status(0x88)}, false, 1},
		{"GOAWAY, GET", "GET", []h2Reply{h2GoAway(0), h2Status(0x88)}, true, 2},
		{"GOAWAY, POST", "POST", []h2Reply{h2GoAway(0), h2Status(0x88)}, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &h2Script{replies: tt.replies}
				inner := s.transport()
				defer closeIdle(inner)
				rt, _ := NewTransport(inner, Config{Policy: Policy{Backoff: backoff.Constant{}}})
				req, _ := http.NewRequest(tt.method, "http://h2.test/", strings.NewReader("body"))
				resp, err := rt.RoundTrip(req)
				if resp != nil {
					resp.Body.Close()
				}
				if (err == nil) != tt.wantOK || s.requests() != tt.wantRequests {
					t.Fatalf("got %v after %d requests; want success %v after %d", err, s.requests(), tt.wantOK, tt.wantRequests)
				}
			})
		})
	}
}
