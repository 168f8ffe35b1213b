package faults

import (
	"context"
	"io"
	"time"
)

// cutBody ends a response body with io.ErrUnexpectedEOF after left
// bytes, or sooner if the body is shorter, as a connection lost in the
// middle of a body does.
type cutBody struct {
	body io.ReadCloser
	left int
}

func (b *cutBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if len(p) > b.left {
		p = p[:b.left]
	}
	n, err := b.body.Read(p)
	b.left -= n
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *cutBody) Close() error { return b.body.Close() }

// trickleBody hands out a body at most piece bytes per Read, each Read
// that returns data waiting every first; it gives up when ctx ends.
type trickleBody struct {
	body  io.ReadCloser
	ctx   context.Context
	piece int
	every time.Duration
}

func (b *trickleBody) Read(p []byte) (int, error) {
	if len(p) > b.piece {
		p = p[:b.piece]
	}
	n, err := b.body.Read(p)
	if n > 0 {
		if werr := sleep(b.ctx, b.every); werr != nil {
			return 0, werr
		}
	}
	return n, err
}

func (b *trickleBody) Close() error { return b.body.Close() }
