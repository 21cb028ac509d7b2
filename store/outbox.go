package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ddokso/ddokso/events"
)

// Execer is what both *sql.DB and *sql.Tx offer.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// AddOutbox records envelopes in the outbox within the caller's transaction:
// they are published by the relay only if that transaction commits.
func AddOutbox(ctx context.Context, tx Execer, envs ...events.Envelope) error {
	if len(envs) == 0 {
		return nil
	}
	var sb strings.Builder
	sb.WriteString("INSERT INTO outbox (event_id, event_type, body) VALUES ")
	args := make([]any, 0, 3*len(envs))
	for i, env := range envs {
		body, err := env.Marshal()
		if err != nil {
			return fmt.Errorf("outbox %s: %w", env.Type, err)
		}
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?)")
		args = append(args, env.ID, env.Type, string(body))
	}
	if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
		return fmt.Errorf("outbox insert %d events: %w", len(envs), err)
	}
	return nil
}
