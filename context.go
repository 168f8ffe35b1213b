package rebound

import "context"

type ctxKey struct{}

// callOptions are the per-request settings carried by a context. One key
// holds them all, so the Transport looks the context up once per request.
type callOptions struct {
	retrier Retrier
	log     *AttemptLog
}

func optionsFrom(ctx context.Context) *callOptions {
	o, _ := ctx.Value(ctxKey{}).(*callOptions)
	return o
}

func withOptions(ctx context.Context, edit func(*callOptions)) context.Context {
	o := new(callOptions)
	if prev := optionsFrom(ctx); prev != nil {
		*o = *prev
	}
	edit(o)
	return context.WithValue(ctx, ctxKey{}, o)
}

// WithRetrier returns a context that makes a Transport (or Retry) use r for
// requests made with it, instead of its own policy.
// Pass NoRetry to turn retries off for one request.
func WithRetrier(ctx context.Context, r Retrier) context.Context {
	return withOptions(ctx, func(o *callOptions) { o.retrier = r })
}

// RetrierFromContext returns the Retrier attached by WithRetrier, if any.
func RetrierFromContext(ctx context.Context) (Retrier, bool) {
	if o := optionsFrom(ctx); o != nil && o.retrier != nil {
		return o.retrier, true
	}
	return nil, false
}

// WithAttemptLog returns a context whose requests record each attempt in
// log. One log belongs to one call; use a new one for every request.
func WithAttemptLog(ctx context.Context, log *AttemptLog) context.Context {
	return withOptions(ctx, func(o *callOptions) { o.log = log })
}
