package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/store"
)

// blockingPublisher records what it is asked to publish, then blocks until
// released.
type blockingPublisher struct {
	entered chan []string
	release chan struct{}
}

func (p *blockingPublisher) Publish(_ context.Context, envs ...events.Envelope) error {
	ids := make([]string, len(envs))
	for i, e := range envs {
		ids[i] = e.ID
	}
	p.entered <- ids
	<-p.release
	return nil
}

func addEvents(t *testing.T, db *sql.DB, n int) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	require.NoError(t, store.InTx(ctx, db, func(tx *sql.Tx) error {
		var envs []events.Envelope
		for range n {
			env := events.MustNew(ctx, events.ScrapeRequested{URL: "https://a.example/p/" + fmt.Sprint(len(ids))})
			envs = append(envs, env)
			ids = append(ids, env.ID)
		}
		return store.AddOutbox(ctx, tx, envs...)
	}))
	return ids
}

// TestRelayHoldsNoOutboxLockWhilePublishing: while a relay's publish call
// is blocked, another connection inserts into the outbox and locks every
// outbox row with NOWAIT, both without waiting; a second relay publishes the
// new row but none of the rows the first one leased.
func TestRelayHoldsNoOutboxLockWhilePublishing(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := context.Background()
	claimedIDs := addEvents(t, db, 3)
	pub := &blockingPublisher{entered: make(chan []string, 1), release: make(chan struct{})}
	first := newRelay(t, db, pub)
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(pub.release) }) }
	defer func() { release(); <-done }() // a failed check must not leave the relay blocked
	go func() {
		n, err := first.RelayOnce(ctx)
		done <- result{n, err}
	}()
	require.ElementsMatch(t, claimedIDs, <-pub.entered)

	// The publish is in flight. Another connection, which would give up
	// after 1 s of lock wait, inserts a new event and then locks every
	// outbox row, including the leased ones, with NOWAIT.
	newEnv := events.MustNew(ctx, events.ScrapeRequested{URL: "https://a.example/new"})
	locked, err := otherConnection(ctx, db, newEnv)
	require.NoError(t, err, "a relay transaction still holds outbox locks during publish")
	require.Equal(t, 4, locked)

	// A second relay publishes only the row nobody has leased.
	counting := &countingPublisher{seen: map[string]int{}}
	n, err := newRelay(t, db, counting).RelayOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, map[string]int{newEnv.ID: 1}, counting.seen)

	release()
	res := <-done
	done <- res
	require.NoError(t, res.err)
	require.Equal(t, 3, res.n)
	pending, err := store.PendingOutbox(ctx, db)
	require.NoError(t, err)
	require.Zero(t, pending)
	require.Zero(t, count(t, db, `SELECT COUNT(*) FROM outbox WHERE claimed_until IS NOT NULL`))
}

// crashingPublisher publishes (records) and then the process "dies": it
// panics before the relay can mark the rows.
type crashingPublisher struct{ countingPublisher }

func (p *crashingPublisher) Publish(ctx context.Context, envs ...events.Envelope) error {
	_ = p.countingPublisher.Publish(ctx, envs...)
	panic("process killed after publish")
}

func TestRelayRepublishesAfterCrashBetweenPublishAndMark(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := context.Background()
	ids := addEvents(t, db, 5)
	crash := &crashingPublisher{countingPublisher{seen: map[string]int{}}}
	func() {
		defer func() { require.NotNil(t, recover()) }()
		_, _ = newRelay(t, db, crash).RelayOnce(ctx)
	}()
	require.Len(t, crash.seen, 5)

	// Within the lease a restarted relay leaves the rows alone ...
	pub := &countingPublisher{seen: map[string]int{}}
	again := newRelay(t, db, pub)
	n, err := again.RelayOnce(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	require.Empty(t, pub.seen)
	// ... and after it publishes them again (consumers dedupe on the id).
	_, err = db.Exec(`UPDATE outbox SET claimed_until = NOW(6) - INTERVAL 1 SECOND WHERE published_at IS NULL`)
	require.NoError(t, err)
	n, err = again.RelayOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 5, n)
	for _, id := range ids {
		require.Equal(t, 1, pub.seen[id], id)
	}
	pending, err := store.PendingOutbox(ctx, db)
	require.NoError(t, err)
	require.Zero(t, pending)
}

func TestRelayBackoff(t *testing.T) {
	t.Parallel()
	base, limit := 200*time.Millisecond, 5*time.Second
	for n, want := range map[int]time.Duration{
		1: 200 * time.Millisecond, 2: 400 * time.Millisecond, 3: 800 * time.Millisecond,
		5: 3200 * time.Millisecond, 6: 5 * time.Second, 100: 5 * time.Second,
	} {
		require.Equal(t, want, store.RelayBackoff(n, base, limit), "n=%d", n)
	}
}

// levelCounter is a slog handler counting records per level.
type levelCounter struct {
	mu     sync.Mutex
	counts map[slog.Level]int
}

func (h *levelCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *levelCounter) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts[r.Level]++
	return nil
}
func (h *levelCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *levelCounter) WithGroup(string) slog.Handler      { return h }

// recordingClock stands in for time.After: it records each wait Run
// chooses, fires at once, and cancels Run after `stop` waits.
type recordingClock struct {
	waits  []time.Duration
	stop   int
	cancel context.CancelFunc
}

func (c *recordingClock) After(d time.Duration) <-chan time.Time {
	c.waits = append(c.waits, d)
	if len(c.waits) >= c.stop {
		c.cancel()
	}
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch
}

func TestRelayBacksOffWhileTheDatabaseIsDown(t *testing.T) {
	t.Parallel()
	down, err := sql.Open("mysql", "root@tcp(127.0.0.1:1)/ddokso?timeout=1s")
	require.NoError(t, err)
	defer down.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := &recordingClock{stop: 8, cancel: cancel}
	logs := &levelCounter{counts: map[slog.Level]int{}}
	r, err := store.NewRelay(down, &countingPublisher{seen: map[string]int{}}, store.RelayConfig{
		MaxBackoff: 5 * time.Second, After: clock.After, Logger: slog.New(logs),
	})
	require.NoError(t, err)
	require.NoError(t, r.Run(ctx))
	ms := time.Millisecond
	require.Equal(t, []time.Duration{200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms, 5000 * ms, 5000 * ms, 5000 * ms}, clock.waits)
	require.Equal(t, 1, logs.counts[slog.LevelError], "one error line when the relay starts failing, not one per pass")
}

// flakyPublisher fails its first `fails` calls.
type flakyPublisher struct {
	countingPublisher
	fails int
}

func (p *flakyPublisher) Publish(ctx context.Context, envs ...events.Envelope) error {
	if p.fails > 0 {
		p.fails--
		return errors.New("sns unavailable")
	}
	return p.countingPublisher.Publish(ctx, envs...)
}

func TestRelayBacksOffAndLogsRecovery(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ids := addEvents(t, db, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := &recordingClock{stop: 5, cancel: cancel}
	logs := &levelCounter{counts: map[slog.Level]int{}}
	pub := &flakyPublisher{countingPublisher: countingPublisher{seen: map[string]int{}}, fails: 3}
	r, err := store.NewRelay(db, pub, store.RelayConfig{After: clock.After, Logger: slog.New(logs)})
	require.NoError(t, err)
	require.NoError(t, r.Run(ctx))
	ms := time.Millisecond
	// Three failed passes back off; the fourth publishes, so the next
	// pass comes after the busy interval; the fifth finds nothing and the
	// relay returns to its poll interval.
	require.Equal(t, []time.Duration{200 * ms, 400 * ms, 800 * ms, 50 * ms, 200 * ms}, clock.waits)
	require.Equal(t, map[string]int{ids[0]: 1}, pub.seen)
	require.Equal(t, 1, logs.counts[slog.LevelError])
	require.Equal(t, 1, logs.counts[slog.LevelInfo], "one line when it recovers")
}

// otherConnection inserts env into the outbox and then locks all outbox
// rows with NOWAIT, on one connection whose lock waits end after 1 s; it
// returns how many rows it locked.
func otherConnection(ctx context.Context, db *sql.DB, env events.Envelope) (int, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET SESSION innodb_lock_wait_timeout = 1`); err != nil {
		return 0, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	if err := store.AddOutbox(ctx, tx, env); err != nil {
		_ = tx.Rollback()
		return 0, fmt.Errorf("insert during publish: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	tx, err = conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only check
	rows, err := tx.QueryContext(ctx, `SELECT id FROM outbox FOR UPDATE NOWAIT`)
	if err != nil {
		return 0, fmt.Errorf("lock outbox rows during publish: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

// TestRelayConfigBusyInterval: the busy interval defaults to 50 ms, or to
// the poll interval when that is shorter, and may not exceed it.
func TestRelayConfigBusyInterval(t *testing.T) {
	t.Parallel()
	c := store.RelayConfig{}
	require.NoError(t, c.Validate())
	require.Equal(t, 50*time.Millisecond, c.BusyInterval)
	c = store.RelayConfig{PollInterval: 20 * time.Millisecond}
	require.NoError(t, c.Validate())
	require.Equal(t, 20*time.Millisecond, c.BusyInterval)
	c = store.RelayConfig{PollInterval: 100 * time.Millisecond, BusyInterval: time.Second}
	require.ErrorContains(t, c.Validate(), "busy interval")
}
