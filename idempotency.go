package rebound

import (
	"crypto/rand"
	"fmt"
	"net/http"
)

// NewIdempotencyKey returns a random version 4 UUID, such as
// "2f1c9b8e-5a4d-4c3b-9e7f-0a1b2c3d4e5f", for Config.IdempotencyKey.
func NewIdempotencyKey() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// withIdempotencyKey returns a shallow copy of req carrying key, leaving
// the caller's request and header as they were. The body stays shared:
// the copy is what every attempt is made from.
func withIdempotencyKey(req *http.Request, key string) *http.Request {
	r := *req
	r.Header = req.Header.Clone()
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	r.Header.Set("Idempotency-Key", key)
	return &r
}
