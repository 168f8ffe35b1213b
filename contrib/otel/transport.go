package otel

import (
	"context"
	"errors"
	"net/http"

	"github.com/rebound-go/rebound"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// AttemptTransport returns an http.RoundTripper to put between otelhttp
// and the transport that sends (next; nil means http.DefaultTransport),
// under a rebound Transport:
//
//	rebound.NewTransport(otelhttp.NewTransport(reboundotel.AttemptTransport(base)), cfg)
//
// otelhttp then starts one CLIENT span per attempt, and AttemptTransport
// completes it, on the span it finds in the request's context:
//
//   - a resend (a retry or a hedge) gets http.request.resend_count, the
//     ordinal of the resend (rebound.ResendCount), as the HTTP semantic
//     conventions ask of every span of a request sent again ("HTTP
//     request retries and redirects", semantic-conventions
//     docs/http/http-spans.md); the first attempt has none;
//   - a hedged copy cancelled because another copy answered first
//     (context.Cause is rebound.ErrHedgeLost) gets rebound.hedge.lost=true
//     and is ended here, its status Unset: the copy was abandoned, it did
//     not fail. otelhttp, which would mark it Error with an error.type,
//     finds it ended, and a span ignores every call after End (the
//     OpenTelemetry trace API: "Implementations SHOULD ignore all
//     subsequent calls to End and any other Span methods"). A copy whose
//     response had come back just as it lost is otelhttp's to end: by its
//     status, or as an error if the cancellation cut the reading of its
//     body while rebound drained it.
//
// The span must be the attempt's own: AttemptTransport leaves alone a span
// that says it is not a CLIENT span (the SDK's spans say), and does
// nothing when no span records. It allocates nothing on a first attempt.
// The returned RoundTripper is safe for concurrent use, honours the
// RoundTripper contract (the response and error are next's, untouched)
// and forwards CloseIdleConnections to next when next has it.
func AttemptTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return attemptTransport{next: next}
}

type attemptTransport struct {
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	span := trace.SpanFromContext(ctx)
	if !attemptSpan(span) {
		return t.next.RoundTrip(req)
	}
	if n := rebound.ResendCount(ctx); n > 0 {
		span.SetAttributes(semconv.HTTPRequestResendCount(n))
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil && errors.Is(context.Cause(ctx), rebound.ErrHedgeLost) {
		span.SetAttributes(keyHedgeLost.Bool(true))
		span.End()
	}
	return resp, err
}

// CloseIdleConnections closes next's idle connections, when next can.
func (t attemptTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// attemptSpan reports whether span can be an attempt's span: it records,
// and it is a CLIENT span or does not say what kind it is.
func attemptSpan(span trace.Span) bool {
	if !span.IsRecording() {
		return false
	}
	k, ok := span.(interface{ SpanKind() trace.SpanKind })
	return !ok || k.SpanKind() == trace.SpanKindClient
}
