package rebound

import "context"

type ctxKey struct{}

// callOptions are the per-request settings carried by a context. One key
// holds them all, so the Transport looks the context up once per request.
type callOptions struct {
	retrier Retrier
}

func optionsFrom(ctx context.Context) *callOptions {
	o, _ := ctx.Value(ctxKey{}).(*callOptions)
	return o
}

// WithRetrier returns a context that makes a Transport, a Runner or Retry
// use r for the calls made with it, instead of their own policy. Pass
// NoRetry to turn retries off for one request.
func WithRetrier(ctx context.Context, r Retrier) context.Context {
	return context.WithValue(ctx, ctxKey{}, &callOptions{retrier: r})
}
