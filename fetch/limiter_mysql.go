package fetch

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ddokso/ddokso/store"
)

// MySQLLimiter is a [Limiter] shared by every process using the same
// database. Each Wait reserves the next free slot for the host in one short
// transaction on table fetch_host_rate (migration
// store/migrations/00020_fetch_host_rate.sql) and then sleeps until that
// slot. All times come from the database server's clock, so processes on
// hosts with skewed clocks still agree.
type MySQLLimiter struct {
	db       *sql.DB
	interval time.Duration
	opts     limiterOptions
}

// NewMySQLLimiter returns a MySQLLimiter granting one slot per interval per
// host, with per-domain overrides set through [WithHostInterval].
func NewMySQLLimiter(db *sql.DB, interval time.Duration, opts ...LimiterOption) *MySQLLimiter {
	return &MySQLLimiter{db: db, interval: interval, opts: newLimiterOptions(opts)}
}

// Wait reserves the next slot for host and sleeps until it starts. If ctx is
// done first the reserved slot is forfeited.
func (l *MySQLLimiter) Wait(ctx context.Context, host string) error {
	slot, now, err := l.reserve(ctx, host)
	if err != nil {
		return err
	}
	if err := sleepCtx(ctx, slot.Sub(now)); err != nil {
		return fmt.Errorf("rate limit %s: %w", host, err)
	}
	return nil
}

// Reserve books the next slot for host without waiting and returns its start
// time (database clock, UTC). Successive reservations for the same bucket are
// at least the bucket's interval apart, across all processes.
func (l *MySQLLimiter) Reserve(ctx context.Context, host string) (time.Time, error) {
	slot, _, err := l.reserve(ctx, host)
	return slot, err
}

const dbTimeLayout = "2006-01-02 15:04:05.000000"

// reserve runs the reservation transaction, retrying on deadlocks and lock
// wait timeouts. It returns the slot and the database's current time.
func (l *MySQLLimiter) reserve(ctx context.Context, host string) (slot, now time.Time, err error) {
	key, interval := l.opts.bucket(host, l.interval)
	for attempt := 0; ; attempt++ {
		slot, now, err = l.reserveOnce(ctx, key, interval)
		if err == nil || attempt >= 4 || !isRetryableMySQL(err) {
			break
		}
		if serr := sleepCtx(ctx, time.Duration(attempt+1)*10*time.Millisecond); serr != nil {
			break
		}
	}
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("reserve rate-limit slot for %s: %w", key, err)
	}
	return slot, now, nil
}

func (l *MySQLLimiter) reserveOnce(ctx context.Context, key string, interval time.Duration) (slot, now time.Time, err error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return slot, now, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()

	// Make sure the row exists; this also takes its exclusive lock.
	if _, err = tx.ExecContext(ctx,
		`INSERT INTO fetch_host_rate (host, next_at) VALUES (?, UTC_TIMESTAMP(6))
		 ON DUPLICATE KEY UPDATE next_at = next_at`, key); err != nil {
		return slot, now, fmt.Errorf("upsert: %w", err)
	}
	var slotStr, nowStr string
	if err = tx.QueryRowContext(ctx,
		`SELECT DATE_FORMAT(GREATEST(next_at, UTC_TIMESTAMP(6)), '%Y-%m-%d %H:%i:%s.%f'),
		        DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%d %H:%i:%s.%f')
		 FROM fetch_host_rate WHERE host = ? FOR UPDATE`, key).Scan(&slotStr, &nowStr); err != nil {
		return slot, now, fmt.Errorf("select: %w", err)
	}
	if slot, err = time.ParseInLocation(dbTimeLayout, slotStr, time.UTC); err != nil {
		return slot, now, fmt.Errorf("parse slot %q: %w", slotStr, err)
	}
	if now, err = time.ParseInLocation(dbTimeLayout, nowStr, time.UTC); err != nil {
		return slot, now, fmt.Errorf("parse now %q: %w", nowStr, err)
	}
	next := slot.Add(interval).Format(dbTimeLayout)
	if _, err = tx.ExecContext(ctx, `UPDATE fetch_host_rate SET next_at = ? WHERE host = ?`, next, key); err != nil {
		return slot, now, fmt.Errorf("update: %w", err)
	}
	if err = tx.Commit(); err != nil {
		return slot, now, fmt.Errorf("commit: %w", err)
	}
	return slot, now, nil
}

// isRetryableMySQL reports deadlocks (1213) and lock wait timeouts (1205).
func isRetryableMySQL(err error) bool { return store.IsLockConflict(err) }
