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

// OutboxRow is one event as the outbox stores it: the envelope's id and
// type and its encoded form (Envelope.Marshal's bytes, e.g. from
// events.Encode).
type OutboxRow struct {
	ID   string
	Type string
	Body []byte
}

// AddOutbox records envelopes in the outbox within the caller's transaction:
// they are published by the relay only if that transaction commits.
func AddOutbox(ctx context.Context, tx Execer, envs ...events.Envelope) error {
	if len(envs) == 0 {
		return nil
	}
	rows := make([]OutboxRow, len(envs))
	for i, env := range envs {
		body, err := env.Marshal()
		if err != nil {
			return fmt.Errorf("outbox %s: %w", env.Type, err)
		}
		rows[i] = OutboxRow{ID: env.ID, Type: env.Type, Body: body}
	}
	return AddOutboxRows(ctx, tx, rows...)
}

// AddOutboxRows is AddOutbox for events already encoded: one multi-row
// INSERT within the caller's transaction.
func AddOutboxRows(ctx context.Context, tx Execer, rows ...OutboxRow) error {
	if len(rows) == 0 {
		return nil
	}
	args := make([]any, 0, 3*len(rows))
	for _, r := range rows {
		args = append(args, r.ID, r.Type, string(r.Body))
	}
	if _, err := tx.ExecContext(ctx, insertOutboxSQL(len(rows)), args...); err != nil {
		return fmt.Errorf("outbox insert %d events: %w", len(rows), err)
	}
	return nil
}

// insertOutboxSQL is the INSERT of n outbox rows.
func insertOutboxSQL(n int) string {
	return "INSERT INTO outbox (event_id, event_type, body) VALUES " + strings.Repeat("(?, ?, ?), ", n-1) + "(?, ?, ?)"
}
