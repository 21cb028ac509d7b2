package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Once runs fn inside one transaction unless the (consumer, key) pair was
// already processed; the processed marker is written in that same
// transaction, so the effect and the marker commit or roll back together.
// It returns false, nil when the work had been done before.
//
// A concurrent duplicate blocks on the marker's row lock until the first
// transaction ends, then sees the marker: two deliveries of one message
// never both apply.
func Once(ctx context.Context, db *sql.DB, consumer, key string, fn func(tx *sql.Tx) error) (bool, error) {
	if len(key) > 191 {
		return false, fmt.Errorf("dedupe key for %s longer than 191 bytes", consumer)
	}
	applied := false
	err := InTx(ctx, db, func(tx *sql.Tx) error {
		applied = false
		res, err := tx.ExecContext(ctx, markProcessedSQL, consumer, key)
		if err != nil {
			return fmt.Errorf("mark %s %s processed: %w", consumer, key, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if err := fn(tx); err != nil {
			return err
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return applied, nil
}

// Processed reports whether (consumer, key) was recorded by Once.
func Processed(ctx context.Context, db *sql.DB, consumer, key string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM processed_messages WHERE consumer = ? AND dedup_key = ?`, consumer, key).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("processed %s %s: %w", consumer, key, err)
	}
	return n > 0, nil
}
