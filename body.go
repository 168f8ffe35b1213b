package rebound

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
)

// bodyMode says how a request body is sent again on a retry.
type bodyMode uint8

const (
	noBody      bodyMode = iota // nothing to send: every attempt uses the request as is
	viaGetBody                  // the first attempt streams req.Body, later ones call GetBody
	recorded                    // no GetBody: attempts read req.Body through a recorder that keeps up to the cap
	inMemory                    // read whole before the first attempt (hedging): every attempt gets its own reader
	passthrough                 // one attempt only: the request goes as it is
)

// replayBody gives each attempt its own copy of the request body. It
// never reads the body ahead of the transport, except for a hedged call
// (whose copies must run at once) when the body has no GetBody.
type replayBody struct {
	mode bodyMode
	sent bool      // attempt 1 took req.Body itself to a transport, which closes it
	buf  []byte    // inMemory
	rec  *recorder // recorded
}

// prepareBody decides how req's body will be replayed. hedged asks for a
// body that copies can read at once.
func prepareBody(req *http.Request, maxBuffer int64, retrier Retrier, hedged bool) (replayBody, error) {
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		return replayBody{mode: noBody}, nil
	case req.GetBody != nil:
		return replayBody{mode: viaGetBody}, nil
	case retrier.MaxAttempts() == 1 && !hedged:
		return replayBody{mode: passthrough}, nil
	case hedged && maxBuffer >= 0:
		buf, err := readUpTo(req.Body, oneMore(maxBuffer), req.ContentLength)
		if err != nil {
			req.Body.Close()
			return replayBody{}, fmt.Errorf("rebound: reading request body: %w", err)
		}
		if int64(len(buf)) <= maxBuffer {
			req.Body.Close()
			return replayBody{mode: inMemory, buf: buf}, nil
		}
		// Too large to hold: one copy at a time, the bytes read first.
		return replayBody{mode: recorded, rec: newRecorder(req.Body, maxBuffer, buf)}, nil
	}
	return replayBody{mode: recorded, rec: newRecorder(req.Body, maxBuffer, nil)}, nil
}

// request returns the request for attempt seq (from 1). It never changes
// req, nor b: hedged copies call it at once. For a recorded body it first
// waits, within ctx, until the previous attempt's transport has let go of
// the body.
func (b *replayBody) request(ctx context.Context, req *http.Request, seq int) (*http.Request, error) {
	switch b.mode {
	case noBody, passthrough:
		return req, nil
	case viaGetBody:
		if seq == 1 {
			return req, nil
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, Permanent(fmt.Errorf("rebound: GetBody for attempt %d: %w", seq, err))
		}
		r := *req
		r.Body = body
		return &r, nil
	case inMemory:
		r := *req
		r.Body = io.NopCloser(bytes.NewReader(b.buf))
		r.ContentLength = int64(len(b.buf))
		buf := b.buf // captured alone, so b itself can stay on the caller's stack
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
		return &r, nil
	}
	body, err := b.rec.next(ctx)
	if err != nil {
		return nil, err
	}
	r := *req
	r.Body = body
	return &r, nil
}

// replayable reports whether another attempt can carry the whole body.
func (b *replayBody) replayable() bool {
	switch b.mode {
	case passthrough:
		return false
	case recorded:
		return b.rec.replayable()
	}
	return true
}

// finish closes the caller's body if no transport took charge of it.
func (b *replayBody) finish(req *http.Request) {
	switch b.mode {
	case viaGetBody, passthrough:
		if !b.sent {
			req.Body.Close()
		}
	case recorded:
		b.rec.finish()
	}
}

// readUpTo reads r until EOF or limit bytes. Its buffer grows by doubling
// but never past limit, so a body just over the cap costs the cap, not
// twice it. size, when known and below the limit, sizes the buffer at
// once, up to maxUpFront: a declared length is a claim, not bytes.
func readUpTo(r io.Reader, limit, size int64) ([]byte, error) {
	c := int64(512)
	if size > 0 && size < limit {
		c = min(size+1, maxUpFront) // +1 to see EOF without growing
	}
	buf := make([]byte, 0, min(c, limit))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= limit {
				return buf, nil
			}
			buf = append(buf, 0)[:len(buf)] // let append pick the growth…
			if int64(cap(buf)) > limit {    // …but never past the limit
				buf = append(make([]byte, 0, limit), buf...)
			}
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// oneMore is n+1, the limit that tells a body over a cap of n, without
// overflowing at the largest cap.
func oneMore(n int64) int64 {
	if n == math.MaxInt64 {
		return n
	}
	return n + 1
}

// maxUpFront bounds what a declared Content-Length may make readUpTo
// allocate before the bytes arrive.
const maxUpFront = 1 << 20

// recorder lets attempts read a body without GetBody one after the
// other. Each attempt gets a reader that replays what earlier attempts
// read, then goes on with the caller's body, keeping what it reads while
// the total stays within the cap. Nothing is read before a transport asks
// for it, so a full-duplex body (a pipe fed as the response arrives)
// works. A reader is handed out only once the previous one is closed: the
// RoundTripper contract lets a transport go on reading a body after
// RoundTrip returns, until it closes it.
type recorder struct {
	src   io.ReadCloser
	limit int64 // bytes kept for replay; past it the body cannot go again

	mu       sync.Mutex
	buf      []byte
	lost     bool // bytes past the cap were read: no replay
	cur      *recordedReader
	finished bool // the call is over: close src once cur lets go
	closed   bool
}

func newRecorder(src io.ReadCloser, limit int64, read []byte) *recorder {
	r := &recorder{src: src, limit: max(limit, 0), buf: read}
	if int64(len(read)) > r.limit {
		r.lost = true // handed over by prepareBody past the cap; replayed once, never again
	}
	return r
}

// next waits for the previous reader to be closed, then returns a new one.
func (r *recorder) next(ctx context.Context) (io.ReadCloser, error) {
	r.mu.Lock()
	prev := r.cur
	r.mu.Unlock()
	if prev != nil {
		select {
		case <-prev.released:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev != nil && r.lost {
		return nil, ErrBodyNotReplayable
	}
	rr := &recordedReader{r: r, released: make(chan struct{})}
	r.cur = rr
	return rr, nil
}

func (r *recorder) replayable() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.lost
}

// finish closes the caller's body now, or when the last reader is closed.
func (r *recorder) finish() {
	r.mu.Lock()
	r.finished = true
	idle := r.cur == nil || r.cur.isReleased()
	r.mu.Unlock()
	if idle {
		r.closeSrc()
	}
}

func (r *recorder) closeSrc() {
	r.mu.Lock()
	done := r.closed
	r.closed = true
	r.mu.Unlock()
	if !done {
		r.src.Close()
	}
}

// recordedReader is one attempt's view of a recorded body.
type recordedReader struct {
	r        *recorder
	pos      int
	once     sync.Once
	released chan struct{}
}

func (rr *recordedReader) Read(p []byte) (int, error) {
	r := rr.r
	r.mu.Lock()
	if rr.pos < len(r.buf) { // what earlier attempts (or prepareBody) read
		n := copy(p, r.buf[rr.pos:])
		rr.pos += n
		r.mu.Unlock()
		return n, nil
	}
	r.mu.Unlock()
	// Only the current reader reaches here: the source is read by one
	// attempt at a time.
	n, err := r.src.Read(p)
	if n > 0 {
		r.mu.Lock()
		if !r.lost && int64(len(r.buf)+n) <= r.limit {
			r.buf = append(r.buf, p[:n]...)
		} else {
			r.lost, r.buf = true, nil
		}
		rr.pos = len(r.buf)
		r.mu.Unlock()
	}
	return n, err
}

// Close lets go of the body; it closes the caller's body only when the
// call is over.
func (rr *recordedReader) Close() error {
	rr.once.Do(func() {
		close(rr.released)
		r := rr.r
		r.mu.Lock()
		finished := r.finished && r.cur == rr
		r.mu.Unlock()
		if finished {
			r.closeSrc()
		}
	})
	return nil
}

func (rr *recordedReader) isReleased() bool {
	select {
	case <-rr.released:
		return true
	default:
		return false
	}
}
