package fetch

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/ddokso/ddokso/store"
)

// MySQLLimiter is a [Limiter] shared by every process using the same
// database. Each Wait reserves the next free slot for the host with one
// autocommitted statement on table fetch_host_rate (migration
// store/migrations/00020_fetch_host_rate.sql) and then sleeps until that
// slot. Slots are times of the database server's clock, so processes on
// hosts with skewed clocks still agree; each limiter sleeps by its own
// clock corrected by its estimate of the offset to the database's (one
// SELECT a minute).
type MySQLLimiter struct {
	db       *sql.DB
	interval time.Duration
	opts     limiterOptions

	mu       sync.Mutex
	offset   time.Duration // database clock minus local clock
	offsetAt time.Time     // when offset was measured (zero: never)
}

// NewMySQLLimiter returns a MySQLLimiter granting one slot per interval per
// host, with per-domain overrides set through [WithHostInterval].
func NewMySQLLimiter(db *sql.DB, interval time.Duration, opts ...LimiterOption) *MySQLLimiter {
	return &MySQLLimiter{db: db, interval: interval, opts: newLimiterOptions(opts)}
}

// Wait reserves the next slot for host and sleeps until it starts. If ctx is
// done first the reserved slot is forfeited.
func (l *MySQLLimiter) Wait(ctx context.Context, host string) error {
	slot, err := l.reserve(ctx, host)
	if err != nil {
		return err
	}
	offset, err := l.clockOffset(ctx)
	if err != nil {
		return err
	}
	if err := sleepCtx(ctx, slot.Sub(time.Now().Add(offset))); err != nil {
		return fmt.Errorf("rate limit %s: %w", host, err)
	}
	return nil
}

// Reserve books the next slot for host without waiting and returns its start
// time (database clock, UTC). Successive reservations for the same bucket are
// at least the bucket's interval apart, across all processes.
func (l *MySQLLimiter) Reserve(ctx context.Context, host string) (time.Time, error) {
	return l.reserve(ctx, host)
}

// offsetTTL is how long a measured clock offset is used.
const offsetTTL = time.Minute

// clockOffset returns the database clock minus the local clock, measured
// at most once per offsetTTL (error: half the round trip of a SELECT).
func (l *MySQLLimiter) clockOffset(ctx context.Context) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.offsetAt.IsZero() && time.Since(l.offsetAt) < offsetTTL {
		return l.offset, nil
	}
	var us int64
	t0 := time.Now()
	if err := l.db.QueryRowContext(ctx, `SELECT TIMESTAMPDIFF(MICROSECOND, TIMESTAMP'1970-01-01 00:00:00', UTC_TIMESTAMP(6))`).Scan(&us); err != nil {
		return 0, fmt.Errorf("read database clock: %w", err)
	}
	t1 := time.Now()
	mid := t0.Add(t1.Sub(t0) / 2)
	l.offset, l.offsetAt = time.UnixMicro(us).Sub(mid), t1
	return l.offset, nil
}

// reserveSQL books a slot in one statement: the host's next_at becomes
// the granted slot (the later of next_at and now) plus the interval, and
// LAST_INSERT_ID(expr) hands the granted slot back in the OK packet, in
// microseconds since 1970 of the database's UTC clock. The row lock lasts
// as long as the statement, and no transaction spans two round trips.
// LAST_INSERT_ID(expr) runs in VALUES first and again in the UPDATE on a
// duplicate key; the last call sets the value returned.
const reserveSQL = `INSERT INTO fetch_host_rate (host, next_at)
VALUES (?, TIMESTAMP'1970-01-01 00:00:00' + INTERVAL (LAST_INSERT_ID(TIMESTAMPDIFF(MICROSECOND, TIMESTAMP'1970-01-01 00:00:00', UTC_TIMESTAMP(6))) + ?) MICROSECOND)
ON DUPLICATE KEY UPDATE next_at = TIMESTAMP'1970-01-01 00:00:00' +
	INTERVAL (LAST_INSERT_ID(TIMESTAMPDIFF(MICROSECOND, TIMESTAMP'1970-01-01 00:00:00', GREATEST(next_at, UTC_TIMESTAMP(6)))) + ?) MICROSECOND`

// reserve books the next slot, retrying on deadlocks and lock wait
// timeouts, and returns it (database clock, UTC).
func (l *MySQLLimiter) reserve(ctx context.Context, host string) (time.Time, error) {
	key, interval := l.opts.bucket(host, l.interval)
	var (
		res sql.Result
		err error
	)
	for attempt := 0; ; attempt++ {
		res, err = l.db.ExecContext(ctx, reserveSQL, key, interval.Microseconds(), interval.Microseconds())
		if err == nil || attempt >= 4 || !isRetryableMySQL(err) {
			break
		}
		if serr := sleepCtx(ctx, time.Duration(attempt+1)*10*time.Millisecond); serr != nil {
			break
		}
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("reserve rate-limit slot for %s: %w", key, err)
	}
	us, err := res.LastInsertId()
	if err != nil {
		return time.Time{}, fmt.Errorf("reserve rate-limit slot for %s: %w", key, err)
	}
	return time.UnixMicro(us).UTC(), nil
}

// isRetryableMySQL reports deadlocks (1213) and lock wait timeouts (1205).
func isRetryableMySQL(err error) bool { return store.IsLockConflict(err) }
