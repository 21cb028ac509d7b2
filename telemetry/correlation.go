package telemetry

import (
	"context"

	"github.com/google/uuid"
)

type correlationKey struct{}

// WithCorrelationID returns a context that carries id as the correlation id.
// An empty id leaves ctx unchanged.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, correlationKey{}, id)
}

// CorrelationID returns the correlation id carried by ctx, or "".
func CorrelationID(ctx context.Context) string {
	id, _ := ctx.Value(correlationKey{}).(string)
	return id
}

// EnsureCorrelationID returns ctx carrying a correlation id, minting a new
// random one when ctx has none, and the id itself.
func EnsureCorrelationID(ctx context.Context) (context.Context, string) {
	if id := CorrelationID(ctx); id != "" {
		return ctx, id
	}
	id := uuid.NewString()
	return WithCorrelationID(ctx, id), id
}
