package telemetry

import (
	"context"
	"io"
	"log/slog"
	"strings"
)

// NewLogger returns a JSON slog logger writing to w at the named level
// ("debug", "info", "warn", "error"; anything else means info). Every record
// logged with a context that carries a correlation id gets a
// "correlation_id" attribute.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lv = slog.LevelDebug
	case "warn", "warning":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		lv = slog.LevelInfo
	}
	return slog.New(CorrelationHandler{Handler: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv})})
}

// CorrelationHandler is a slog.Handler that adds the context's correlation id
// to every record it passes on to Handler.
type CorrelationHandler struct {
	slog.Handler
}

// Handle adds the correlation id, when the context has one, and forwards.
func (h CorrelationHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := CorrelationID(ctx); id != "" {
		r.AddAttrs(slog.String("correlation_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the correlation behaviour on derived handlers.
func (h CorrelationHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return CorrelationHandler{Handler: h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the correlation behaviour on derived handlers.
func (h CorrelationHandler) WithGroup(name string) slog.Handler {
	return CorrelationHandler{Handler: h.Handler.WithGroup(name)}
}
