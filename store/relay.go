package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ddokso/ddokso/events"
)

// RelayConfig configures a Relay.
type RelayConfig struct {
	// BatchSize is how many rows one pass claims. Default 100.
	BatchSize int
	// PollInterval is the wait between passes when the outbox is empty. Default 200ms.
	PollInterval time.Duration
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Validate applies defaults and checks ranges.
func (c *RelayConfig) Validate() error {
	if c.BatchSize == 0 {
		c.BatchSize = 100
	}
	if c.PollInterval == 0 {
		c.PollInterval = 200 * time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.BatchSize < 1 || c.BatchSize > 1000 {
		return fmt.Errorf("relay: batch size must be 1..1000, got %d", c.BatchSize)
	}
	return nil
}

// Relay publishes committed outbox rows and marks them published. Several
// relays may run at once: each pass claims rows with FOR UPDATE SKIP LOCKED,
// so no row is published by two relays in the same pass. A relay that dies
// after publishing but before marking leaves the rows to be published again:
// delivery is at least once and consumers dedupe on the event id.
type Relay struct {
	db   *sql.DB
	pub  events.Publisher
	cfg  RelayConfig
	kick chan struct{}
}

// NewRelay returns a relay from db's outbox to pub.
func NewRelay(db *sql.DB, pub events.Publisher, cfg RelayConfig) (*Relay, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Relay{db: db, pub: pub, cfg: cfg, kick: make(chan struct{}, 1)}, nil
}

// Kick asks the relay to run a pass now (used in-process after a commit).
func (r *Relay) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run relays until ctx is cancelled.
func (r *Relay) Run(ctx context.Context) error {
	for {
		n, err := r.RelayOnce(ctx)
		if err != nil && ctx.Err() == nil {
			r.cfg.Logger.Error("outbox relay pass failed", "err", err)
		}
		if n == r.cfg.BatchSize && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.kick:
		case <-time.After(r.cfg.PollInterval):
		}
	}
}

// RelayOnce runs one pass and returns how many rows it published.
func (r *Relay) RelayOnce(ctx context.Context) (int, error) {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("relay begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	rows, err := tx.QueryContext(ctx, `SELECT id, body FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`, r.cfg.BatchSize)
	if err != nil {
		return 0, fmt.Errorf("relay claim: %w", err)
	}
	type row struct {
		id  int64
		env events.Envelope
	}
	var claimed []row
	var bad []int64
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			rows.Close()
			return 0, err
		}
		env, err := events.DecodeEnvelope([]byte(body))
		if err != nil {
			bad = append(bad, id)
			continue
		}
		claimed = append(claimed, row{id, env})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(claimed) == 0 && len(bad) == 0 {
		return 0, tx.Commit()
	}
	envs := make([]events.Envelope, len(claimed))
	for i, c := range claimed {
		envs[i] = c.env
	}
	perr := r.pub.Publish(ctx, envs...)
	failed := events.FailedIDs(perr)
	if perr != nil && failed == nil {
		// The whole call failed: nothing is known to be published.
		ids := make([]int64, len(claimed))
		for i, c := range claimed {
			ids[i] = c.id
		}
		r.markFailed(ctx, tx, ids, perr.Error())
		_ = tx.Commit()
		return 0, fmt.Errorf("relay publish: %w", perr)
	}
	var done, retry []int64
	for _, c := range claimed {
		if _, ok := failed[c.env.ID]; ok {
			retry = append(retry, c.id)
		} else {
			done = append(done, c.id)
		}
	}
	if len(done) > 0 {
		q, args := inList(`UPDATE outbox SET published_at = NOW(6), attempts = attempts + 1 WHERE id IN (%s)`, done)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return 0, fmt.Errorf("relay mark published: %w", err)
		}
	}
	if len(retry) > 0 {
		r.markFailed(ctx, tx, retry, "publish refused")
	}
	if len(bad) > 0 {
		// A row that is not a valid envelope can never be published.
		q, args := inList(`UPDATE outbox SET published_at = NOW(6), last_error = 'invalid envelope: not published' WHERE id IN (%s)`, bad)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return 0, err
		}
		r.cfg.Logger.Error("outbox rows with invalid envelopes skipped", "ids", bad)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("relay commit: %w", err)
	}
	return len(done), nil
}

func (r *Relay) markFailed(ctx context.Context, tx *sql.Tx, ids []int64, msg string) {
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	q, args := inList(`UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id IN (%s)`, ids)
	if _, err := tx.ExecContext(ctx, q, append([]any{msg}, args...)...); err != nil {
		r.cfg.Logger.Warn("relay mark failed", "err", err)
	}
}

func inList(format string, ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return fmt.Sprintf(format, strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")), args
}

// PendingOutbox returns how many outbox rows are not yet published.
func PendingOutbox(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE published_at IS NULL`).Scan(&n)
	return n, err
}
