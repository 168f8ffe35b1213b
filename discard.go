package rebound

import (
	"io"
	"net/http"
	"time"
)

// drainTime bounds the drain of a discarded response in time, as MaxDrain
// bounds it in bytes: a body that trickles is not worth its connection.
const drainTime = 100 * time.Millisecond

// discard drains up to limit bytes of a response the caller will never
// see, for at most drainTime, so its connection can go back to the pool,
// then closes it. A longer or slower body is cut off: closing it costs one
// connection, reading it could cost more. The cut closes the body while
// the drain reads it, which net/http's bodies allow; a body of another
// RoundTripper must allow it too.
func discard(resp *http.Response, limit int64) {
	if limit > 0 {
		cut := time.AfterFunc(drainTime, func() { resp.Body.Close() })
		io.CopyN(io.Discard, resp.Body, limit)
		cut.Stop()
	}
	resp.Body.Close()
}
