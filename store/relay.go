package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/ddokso/ddokso/events"
)

// RelayConfig configures a Relay.
type RelayConfig struct {
	// BatchSize is how many rows one pass claims. Default 100.
	BatchSize int
	// PollInterval is the wait between passes when the outbox is empty. Default 200ms.
	PollInterval time.Duration
	// BusyInterval is the wait after a pass that published rows but fewer
	// than BatchSize (a full batch goes on at once): while events keep
	// coming, they are published in small, frequent batches instead of a
	// burst every PollInterval, which cuts the time from commit to publish
	// and spreads the consumers' work. Default 50ms; at most PollInterval.
	BusyInterval time.Duration
	// Lease is how long claimed rows are not claimed by another pass; a
	// relay that dies between publishing and marking leaves its rows to be
	// published again after it. The publish call is bounded by it. Default 1m.
	Lease time.Duration
	// MaxBackoff caps the wait between passes while passes fail (database
	// or topic down); the wait starts at PollInterval and doubles. Default 30s.
	MaxBackoff time.Duration
	// Logger; default slog.Default().
	Logger *slog.Logger
	// After is the timer Run waits on; default time.After. Tests replace it
	// to observe the waits Run chooses without sleeping.
	After func(time.Duration) <-chan time.Time
}

// Validate applies defaults and checks ranges.
func (c *RelayConfig) Validate() error {
	if c.BatchSize == 0 {
		c.BatchSize = 100
	}
	if c.PollInterval == 0 {
		c.PollInterval = 200 * time.Millisecond
	}
	if c.BusyInterval == 0 {
		c.BusyInterval = min(50*time.Millisecond, c.PollInterval)
	}
	if c.Lease == 0 {
		c.Lease = time.Minute
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.After == nil {
		c.After = time.After
	}
	if c.BatchSize < 1 || c.BatchSize > 1000 {
		return fmt.Errorf("relay: batch size must be 1..1000, got %d", c.BatchSize)
	}
	if c.PollInterval < 0 {
		return fmt.Errorf("relay: poll interval must be positive, got %s", c.PollInterval)
	}
	if c.BusyInterval < 0 || c.BusyInterval > c.PollInterval {
		return fmt.Errorf("relay: busy interval %s must be within 0..poll interval %s", c.BusyInterval, c.PollInterval)
	}
	if c.Lease < time.Second {
		return fmt.Errorf("relay: lease must be at least 1s, got %s", c.Lease)
	}
	if c.MaxBackoff < c.PollInterval {
		return fmt.Errorf("relay: max backoff %s is below the poll interval %s", c.MaxBackoff, c.PollInterval)
	}
	return nil
}

// RelayBackoff is the wait after the n-th consecutive failed pass (n >= 1):
// base doubled n-1 times, capped at limit.
func RelayBackoff(n int, base, limit time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// Relay publishes committed outbox rows and marks them published. No
// transaction is open while it publishes: a pass claims rows in a short
// transaction (FOR UPDATE SKIP LOCKED, then a lease in claimed_until,
// COMMIT), publishes, and marks the rows in a second short transaction.
// Several relays may run at once: a row claimed by one is skipped by the
// others until its lease ends. A relay that dies after publishing but before
// marking leaves the rows to be published again after the lease: delivery
// is at least once and consumers dedupe on the event id.
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

// Run relays until ctx is cancelled. After an empty pass it waits
// PollInterval (or a Kick), after a pass that published some rows
// BusyInterval, after a full batch nothing. While passes fail it waits
// exponentially longer between them (PollInterval doubling up to
// MaxBackoff) and logs once when it starts failing and once when it
// recovers, not at every pass.
func (r *Relay) Run(ctx context.Context) error {
	failures := 0
	var failingSince time.Time
	for {
		n, err := r.RelayOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := r.cfg.PollInterval
		switch {
		case err != nil:
			failures++
			if failures == 1 {
				failingSince = time.Now()
				r.cfg.Logger.Error("outbox relay failing; backing off until it recovers", "err", err)
			} else {
				r.cfg.Logger.Debug("outbox relay pass failed", "err", err, "failures", failures)
			}
			wait = RelayBackoff(failures, r.cfg.PollInterval, r.cfg.MaxBackoff)
		case failures > 0:
			r.cfg.Logger.Info("outbox relay recovered", "failed_passes", failures, "down_for", time.Since(failingSince).Round(time.Millisecond).String())
			failures = 0
		}
		if err == nil && n == r.cfg.BatchSize {
			continue
		}
		if err == nil && n > 0 {
			wait = r.cfg.BusyInterval
		}
		kick := r.kick
		if failures > 0 {
			kick = nil // a commit elsewhere does not end a backoff
		}
		select {
		case <-ctx.Done():
			return nil
		case <-kick:
		case <-r.cfg.After(wait):
		}
	}
}

type claimedRow struct {
	id  int64
	env events.Envelope
}

// RelayOnce runs one pass and returns how many rows it published.
func (r *Relay) RelayOnce(ctx context.Context) (int, error) {
	claimed, err := r.claim(ctx)
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	envs := make([]events.Envelope, len(claimed))
	for i, c := range claimed {
		envs[i] = c.env
	}
	pctx, cancel := context.WithTimeout(ctx, r.cfg.Lease)
	perr := r.pub.Publish(pctx, envs...)
	cancel()
	// What was published is recorded even when ctx ends now (shutdown):
	// otherwise it is published again after the lease.
	mctx, mcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer mcancel()
	failed := events.FailedIDs(perr)
	if perr != nil && failed == nil {
		// The whole call failed: nothing is known to be published.
		ids := make([]int64, len(claimed))
		for i, c := range claimed {
			ids[i] = c.id
		}
		r.release(mctx, ids, perr.Error())
		return 0, fmt.Errorf("relay publish %d events: %w", len(claimed), perr)
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
		q, args := inList(`UPDATE outbox SET published_at = NOW(6), claimed_until = NULL, attempts = attempts + 1 WHERE id IN (%s)`, done)
		if _, err := r.db.ExecContext(mctx, q, args...); err != nil {
			return 0, fmt.Errorf("relay mark %d published: %w", len(done), err)
		}
	}
	if len(retry) > 0 {
		r.release(mctx, retry, "publish refused")
	}
	return len(done), nil
}

// claim leases up to BatchSize unpublished rows whose lease is free or over,
// in one short READ COMMITTED transaction: record locks on the claimed rows
// only (no gap locks, so concurrent outbox INSERTs never wait), held until
// the COMMIT a few hundred microseconds later. Rows that are not valid
// envelopes are marked in the same transaction, since they can never be
// published.
func (r *Relay) claim(ctx context.Context) ([]claimedRow, error) {
	var claimed []claimedRow
	tx, err := r.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, fmt.Errorf("relay begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	err = func() error {
		rows, err := tx.QueryContext(ctx, `SELECT id, body FROM outbox
			WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < NOW(6))
			ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`, r.cfg.BatchSize)
		if err != nil {
			return fmt.Errorf("relay claim: %w", err)
		}
		var ids, bad []int64
		for rows.Next() {
			var id int64
			var body string
			if err := rows.Scan(&id, &body); err != nil {
				rows.Close()
				return fmt.Errorf("relay claim scan: %w", err)
			}
			env, err := events.DecodeEnvelope([]byte(body))
			if err != nil {
				bad = append(bad, id)
				continue
			}
			ids = append(ids, id)
			claimed = append(claimed, claimedRow{id, env})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("relay claim: %w", err)
		}
		if len(ids) > 0 {
			q, args := inList(`UPDATE outbox SET claimed_until = NOW(6) + INTERVAL ? MICROSECOND WHERE id IN (%s)`, ids)
			if _, err := tx.ExecContext(ctx, q, append([]any{r.cfg.Lease.Microseconds()}, args...)...); err != nil {
				return fmt.Errorf("relay lease %d rows: %w", len(ids), err)
			}
		}
		if len(bad) > 0 {
			q, args := inList(`UPDATE outbox SET published_at = NOW(6), last_error = 'invalid envelope: not published' WHERE id IN (%s)`, bad)
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("relay skip invalid rows: %w", err)
			}
			r.cfg.Logger.Error("outbox rows with invalid envelopes skipped", "ids", bad)
		}
		return nil
	}()
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("relay claim commit: %w", err)
	}
	return claimed, nil
}

// release gives claimed rows back after a failed publish: they are claimed
// again by the next pass.
func (r *Relay) release(ctx context.Context, ids []int64, msg string) {
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	q, args := inList(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, claimed_until = NULL WHERE id IN (%s)`, ids)
	if _, err := r.db.ExecContext(ctx, q, append([]any{msg}, args...)...); err != nil {
		r.cfg.Logger.Warn("relay release failed rows", "err", err, "rows", len(ids))
	}
}

func inList(format string, ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return fmt.Sprintf(format, Placeholders(len(ids))), args
}

// PendingOutbox returns how many outbox rows are not yet published.
func PendingOutbox(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE published_at IS NULL`).Scan(&n)
	return n, err
}
