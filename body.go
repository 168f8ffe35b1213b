package rebound

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
)

// bodyMode says how a request body is sent again on a retry.
type bodyMode uint8

const (
	noBody      bodyMode = iota // nothing to send: every attempt uses the request as is
	viaGetBody                  // the first attempt streams req.Body, retries call GetBody
	buffered                    // read into memory up to the cap, replayed from there
	streamed                    // past the cap: retried only while no byte has left
	passthrough                 // one attempt only: the request goes as it is
)

// replayBody gives each attempt its own copy of the request body.
type replayBody struct {
	mode   bodyMode
	buf    []byte
	stream *trackedBody
}

// prepareBody decides how req's body will be replayed, reading it into
// memory only when there is no GetBody and it fits under maxBuffer. retrier
// says how many attempts there may be; it is asked only when there is a
// body.
func prepareBody(req *http.Request, maxBuffer int64, retrier Retrier) (replayBody, error) {
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		return replayBody{mode: noBody}, nil
	case retrier.MaxAttempts() == 1:
		return replayBody{mode: passthrough}, nil
	case req.GetBody != nil:
		return replayBody{mode: viaGetBody}, nil
	case maxBuffer < 0:
		return replayBody{mode: streamed, stream: &trackedBody{r: req.Body, c: req.Body}}, nil
	}
	limit := maxBuffer
	if limit < math.MaxInt64 {
		limit++ // one byte more tells a body over the cap
	}
	buf, err := readUpTo(req.Body, limit, req.ContentLength)
	if err != nil {
		req.Body.Close()
		return replayBody{}, fmt.Errorf("rebound: reading request body: %w", err)
	}
	if int64(len(buf)) <= maxBuffer {
		req.Body.Close()
		return replayBody{mode: buffered, buf: buf}, nil
	}
	// Too large to hold: stream what was read, then the rest.
	r := io.MultiReader(bytes.NewReader(buf), req.Body)
	return replayBody{mode: streamed, stream: &trackedBody{r: r, c: req.Body}}, nil
}

// readUpTo reads r until EOF or limit bytes. Its buffer grows by doubling
// but never past limit, so a body just over the cap costs the cap, not
// twice it (bytes.Buffer would double again to make room for one byte).
// size, when known and below the limit, sizes the buffer at once, up to
// maxUpFront: a declared length is a claim, not bytes.
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

// maxUpFront bounds what a declared Content-Length may make readUpTo
// allocate before the bytes arrive.
const maxUpFront = 1 << 20

// request returns the request for attempt n. It never changes req.
func (b *replayBody) request(req *http.Request, n int) (*http.Request, error) {
	switch b.mode {
	case noBody, passthrough:
		return req, nil
	case viaGetBody:
		if n == 1 {
			return req, nil
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, Permanent(fmt.Errorf("rebound: GetBody for attempt %d: %w", n, err))
		}
		r := *req
		r.Body = body
		return &r, nil
	case buffered:
		r := *req
		r.Body = io.NopCloser(bytes.NewReader(b.buf))
		r.ContentLength = int64(len(b.buf))
		buf := b.buf // captured alone, so b itself can stay on the caller's stack
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
		return &r, nil
	}
	r := *req
	r.Body = b.stream
	return &r, nil
}

// replayable reports whether another attempt can carry the whole body.
func (b *replayBody) replayable() bool {
	return b.mode != streamed || !b.stream.touched.Load()
}

// finish closes the caller's body if no attempt took charge of it.
func (b *replayBody) finish(req *http.Request, attempts int) {
	switch {
	case b.mode == streamed:
		if !b.stream.touched.Load() {
			b.stream.closeUnderlying()
		}
	case attempts == 0 && (b.mode == viaGetBody || b.mode == passthrough):
		req.Body.Close()
	}
}

// trackedBody streams a body too large to buffer. Until a byte is read it
// can still go out whole on another attempt, so a Close from a transport
// that never read it is held back.
type trackedBody struct {
	r       io.Reader
	c       io.Closer
	touched atomic.Bool
	once    sync.Once
}

func (t *trackedBody) Read(p []byte) (int, error) {
	t.touched.Store(true)
	return t.r.Read(p)
}

func (t *trackedBody) Close() error {
	if t.touched.Load() {
		t.closeUnderlying()
	}
	return nil
}

func (t *trackedBody) closeUnderlying() { t.once.Do(func() { t.c.Close() }) }
