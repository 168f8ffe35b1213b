package rebound

import (
	"context"
	"log/slog"
)

// SlogEvents returns an OnEvent hook that logs to logger: attempts at
// Debug, waits at Info, give-ups at Warn. It logs the method, the URL with
// any password redacted, the status, error, delay and reason; never a
// header, so Authorization, Cookie and Proxy-Authorization values stay out
// of the log.
func SlogEvents(logger *slog.Logger) func(context.Context, Event) {
	return func(ctx context.Context, e Event) {
		level := slog.LevelDebug
		switch e.Kind {
		case Wait:
			level = slog.LevelInfo
		case GiveUp:
			level = slog.LevelWarn
		}
		if !logger.Enabled(ctx, level) {
			return
		}
		attrs := make([]slog.Attr, 0, 8)
		attrs = append(attrs, slog.Int("attempt", e.Attempt))
		if e.Request != nil {
			method := e.Request.Method
			if method == "" {
				method = "GET"
			}
			attrs = append(attrs, slog.String("method", method), slog.String("url", e.Request.URL.Redacted()))
		}
		if e.Status != 0 {
			attrs = append(attrs, slog.Int("status", e.Status))
		}
		if e.Err != nil {
			attrs = append(attrs, slog.String("error", e.Err.Error()))
		}
		switch e.Kind {
		case AttemptDone:
			attrs = append(attrs, slog.Duration("elapsed", e.Elapsed))
		case Wait:
			attrs = append(attrs, slog.Duration("delay", e.Delay), slog.String("source", e.Source))
		case GiveUp:
			if e.Reason != nil {
				attrs = append(attrs, slog.String("reason", e.Reason.Error()))
			}
		}
		logger.LogAttrs(ctx, level, "rebound: "+e.Kind.String(), attrs...)
	}
}
