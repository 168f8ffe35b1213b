package rebound

import (
	"context"
	"log/slog"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/internal/redact"
)

// SlogEvents returns an OnEvent hook that logs to logger: attempts and
// hedges at Debug; waits, refusals and a breaker closing at Info;
// give-ups and a breaker opening at Warn. Each line names the host; a
// wait carries its delay and source, a breaker change its states. It
// logs the method and the URL with its password and every query value
// redacted; never a header, so Authorization, Cookie and
// Proxy-Authorization values stay out of the log.
func SlogEvents(logger *slog.Logger) func(context.Context, Event) {
	return func(ctx context.Context, e Event) {
		level := eventLevel(e)
		if !logger.Enabled(ctx, level) {
			return
		}
		attrs := make([]slog.Attr, 0, 10)
		if e.Key != "" {
			attrs = append(attrs, slog.String("host", e.Key))
		}
		if e.Kind == EventBreakerChange {
			attrs = append(attrs, slog.String("from", e.From.String()), slog.String("to", e.To.String()))
			logger.LogAttrs(ctx, level, "rebound: breaker "+e.To.String(), attrs...)
			return
		}
		attrs = append(attrs, slog.Int("attempt", e.Attempt))
		if e.Hedge > 0 {
			attrs = append(attrs, slog.Int("hedge", e.Hedge))
		}
		if e.Request != nil {
			method := e.Request.Method
			if method == "" {
				method = "GET"
			}
			attrs = append(attrs, slog.String("method", method), slog.String("url", redact.URL(e.Request.URL, e.showQuery)))
		}
		if e.Status != 0 {
			attrs = append(attrs, slog.Int("status", e.Status))
		}
		if e.Err != nil {
			attrs = append(attrs, slog.String("error", e.Err.Error()))
		}
		switch e.Kind {
		case EventAttemptDone:
			attrs = append(attrs, slog.Duration("elapsed", e.Elapsed))
		case EventWait, EventHedgeSent:
			attrs = append(attrs, slog.Duration("delay", e.Delay))
			if e.Source != "" {
				attrs = append(attrs, slog.String("source", e.Source))
			}
		}
		if e.Reason != nil {
			attrs = append(attrs, slog.String("reason", e.Reason.Error()))
		}
		logger.LogAttrs(ctx, level, "rebound: "+e.Kind.String(), attrs...)
	}
}

func eventLevel(e Event) slog.Level {
	switch e.Kind {
	case EventWait, EventRefused:
		return slog.LevelInfo
	case EventGiveUp:
		return slog.LevelWarn
	case EventBreakerChange:
		if e.To == breaker.Open {
			return slog.LevelWarn
		}
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
