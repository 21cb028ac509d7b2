package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/storetest"
	"github.com/ddokso/ddokso/store"
)

func setup(t *testing.T) *sql.DB {
	t.Helper()
	db := storetest.New(t)
	_, err := db.Exec(`CREATE TABLE effects (id INT AUTO_INCREMENT PRIMARY KEY, k VARCHAR(64) NOT NULL)`)
	require.NoError(t, err)
	return db
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(q, args...).Scan(&n))
	return n
}

func TestOnceAppliesEachKeyOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied := 0
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("k%d", i%10)
			ok, err := store.Once(ctx, db, "test", key, func(tx *sql.Tx) error {
				_, err := tx.Exec(`INSERT INTO effects (k) VALUES (?)`, key)
				return err
			})
			require.NoError(t, err)
			if ok {
				mu.Lock()
				applied++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 10, applied)
	require.Equal(t, 10, count(t, db, `SELECT COUNT(*) FROM effects`))
	require.Equal(t, 10, count(t, db, `SELECT COUNT(DISTINCT k) FROM effects`))
}

func TestOnceRollsBackMarkerWithFailedEffect(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := context.Background()
	boom := errors.New("boom")
	_, err := store.Once(ctx, db, "test", "k", func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO effects (k) VALUES ('k')`); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, 0, count(t, db, `SELECT COUNT(*) FROM effects`))
	// The retry applies it.
	ok, err := store.Once(ctx, db, "test", "k", func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO effects (k) VALUES ('k')`)
		return err
	})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, 1, count(t, db, `SELECT COUNT(*) FROM effects`))
}

func newRelay(t *testing.T, db *sql.DB, pub events.Publisher) *store.Relay {
	r, err := store.NewRelay(db, pub, store.RelayConfig{BatchSize: 50})
	require.NoError(t, err)
	return r
}

func TestOutboxCommittedIsPublishedRolledBackIsNot(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := context.Background()
	mem := infra.Default("t").Memory()
	committed := events.MustNew(ctx, events.ScrapeRequested{URL: "https://a.example/p/1"})
	rolledBack := events.MustNew(ctx, events.ScrapeRequested{URL: "https://a.example/p/2"})

	require.NoError(t, store.InTx(ctx, db, func(tx *sql.Tx) error { return store.AddOutbox(ctx, tx, committed) }))
	err := store.InTx(ctx, db, func(tx *sql.Tx) error {
		require.NoError(t, store.AddOutbox(ctx, tx, rolledBack))
		return errors.New("business rule failed")
	})
	require.Error(t, err)

	// The process "died" after commit: no relay ran. A new relay starts later.
	n, err := newRelay(t, db, mem.Bus).RelayOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, 1, mem.Queues["scrap"].Len())
	msgs, err := mem.Queues["scrap"].Receive(ctx, 10, 0)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	env, err := events.DecodeEnvelope(msgs[0].Body)
	require.NoError(t, err)
	require.Equal(t, committed.ID, env.ID)
	pending, err := store.PendingOutbox(ctx, db)
	require.NoError(t, err)
	require.Zero(t, pending)
}

// TestAddOutboxRowsStoresEncodedEvents: the rows of AddOutboxRows (events
// encoded once by events.Encode) hold what AddOutbox stores for the same
// envelopes, in one statement for up to 64 rows and beyond.
func TestAddOutboxRowsStoresEncodedEvents(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := context.Background()
	for _, n := range []int{1, 3, 64, 70} {
		var (
			rows []store.OutboxRow
			envs []events.Envelope
		)
		for i := range n {
			env, body, err := events.Encode(ctx, events.ScrapeRequested{ScrapeID: int64(i), URL: fmt.Sprintf("https://a.example/%d/%d", n, i)})
			require.NoError(t, err)
			rows = append(rows, store.OutboxRow{ID: env.ID, Type: env.Type, Body: body})
			ref := env
			ref.ID = env.ID + "-ref"
			envs = append(envs, ref)
		}
		require.NoError(t, store.InTx(ctx, db, func(tx *sql.Tx) error { return store.AddOutboxRows(ctx, tx, rows...) }))
		require.NoError(t, store.InTx(ctx, db, func(tx *sql.Tx) error { return store.AddOutbox(ctx, tx, envs...) }))
		for i, r := range rows {
			var got, ref, typ string
			require.NoError(t, db.QueryRow(`SELECT body, event_type FROM outbox WHERE event_id = ?`, r.ID).Scan(&got, &typ))
			require.NoError(t, db.QueryRow(`SELECT body FROM outbox WHERE event_id = ?`, envs[i].ID).Scan(&ref))
			require.Equal(t, "scrape.requested", typ)
			env, err := events.DecodeEnvelope([]byte(got))
			require.NoError(t, err)
			refEnv, err := events.DecodeEnvelope([]byte(ref))
			require.NoError(t, err)
			refEnv.ID = env.ID
			require.Equal(t, refEnv, env)
		}
	}
	require.NoError(t, store.AddOutboxRows(ctx, db))
}

// countingPublisher records how often each event id is published.
type countingPublisher struct {
	mu   sync.Mutex
	seen map[string]int
}

func (p *countingPublisher) Publish(_ context.Context, envs ...events.Envelope) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range envs {
		p.seen[e.ID]++
	}
	return nil
}

func TestConcurrentRelaysPublishEachRowOnce(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := context.Background()
	const total = 500
	for i := 0; i < total; i += 50 {
		require.NoError(t, store.InTx(ctx, db, func(tx *sql.Tx) error {
			var envs []events.Envelope
			for j := range 50 {
				envs = append(envs, events.MustNew(ctx, events.ScrapeRequested{URL: fmt.Sprintf("https://a.example/p/%d", i+j)}))
			}
			return store.AddOutbox(ctx, tx, envs...)
		}))
	}
	pub := &countingPublisher{seen: map[string]int{}}
	var wg sync.WaitGroup
	for range 4 {
		r := newRelay(t, db, pub)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := r.RelayOnce(ctx)
				require.NoError(t, err)
				if n == 0 {
					if p, _ := store.PendingOutbox(ctx, db); p == 0 {
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	require.Len(t, pub.seen, total)
	for id, n := range pub.seen {
		require.Equal(t, 1, n, "event %s published %d times", id, n)
	}
}

type failingPublisher struct{}

func (failingPublisher) Publish(context.Context, ...events.Envelope) error {
	return errors.New("sns unavailable")
}

func TestRelayKeepsRowsWhenPublishFails(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := context.Background()
	env := events.MustNew(ctx, events.ScrapeRequested{URL: "https://a.example/p/1"})
	require.NoError(t, store.InTx(ctx, db, func(tx *sql.Tx) error { return store.AddOutbox(ctx, tx, env) }))
	_, err := newRelay(t, db, failingPublisher{}).RelayOnce(ctx)
	require.ErrorContains(t, err, "sns unavailable")
	require.Equal(t, 1, count(t, db, `SELECT COUNT(*) FROM outbox WHERE published_at IS NULL AND attempts = 1 AND last_error LIKE '%sns unavailable%'`))
	mem := infra.Default("t").Memory()
	n, err := newRelay(t, db, mem.Bus).RelayOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestMigrateDownAndUpAgain(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	var sb stringsBuilder
	require.NoError(t, store.MigrateStatus(ctx, db, &sb))
	require.Contains(t, sb.String(), "00001_backbone.sql")
	require.NoError(t, store.MigrateDown(ctx, db))
	require.NoError(t, store.MigrateUp(ctx, db, nil))
	require.Equal(t, 0, count(t, db, `SELECT COUNT(*) FROM outbox`))
}

type stringsBuilder struct{ b []byte }

func (s *stringsBuilder) Write(p []byte) (int, error) { s.b = append(s.b, p...); return len(p), nil }
func (s *stringsBuilder) String() string              { return string(s.b) }

func TestInTxRerunsTheLoserOfADeadlock(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := context.Background()
	_, err := db.Exec(`INSERT INTO effects (id, k) VALUES (1, 'a'), (2, 'b')`)
	require.NoError(t, err)
	var attempts [2]int
	bothLocked := make(chan struct{}, 2)
	run := func(i int, first, second int) error {
		return store.InTx(ctx, db, func(tx *sql.Tx) error {
			attempts[i]++
			if _, err := tx.Exec(`UPDATE effects SET k = 'x' WHERE id = ?`, first); err != nil {
				return err
			}
			if attempts[i] == 1 {
				// Wait until both hold their first row: a certain deadlock.
				bothLocked <- struct{}{}
				for len(bothLocked) < 2 {
					time.Sleep(time.Millisecond)
				}
			}
			_, err := tx.Exec(`UPDATE effects SET k = 'y' WHERE id = ?`, second)
			return err
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); errs[0] = run(0, 1, 2) }()
	go func() { defer wg.Done(); errs[1] = run(1, 2, 1) }()
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.Equal(t, 3, attempts[0]+attempts[1], "exactly one transaction lost the deadlock and ran again")
}

func TestIsLockConflict(t *testing.T) {
	t.Parallel()
	require.True(t, store.IsLockConflict(fmt.Errorf("upsert: %w", &mysql.MySQLError{Number: 1213})))
	require.True(t, store.IsLockConflict(&mysql.MySQLError{Number: 1205}))
	require.False(t, store.IsLockConflict(&mysql.MySQLError{Number: 1062}))
	require.False(t, store.IsLockConflict(errors.New("boom")))
}

// TestSessionSettings: every pooled connection gets ParseDSN's session
// settings, among them a GROUP_CONCAT long enough for a posting list.
func TestSessionSettings(t *testing.T) {
	t.Parallel()
	db := setup(t)
	var tz string
	var gcl uint64
	require.NoError(t, db.QueryRow(`SELECT @@session.time_zone, @@session.group_concat_max_len`).Scan(&tz, &gcl))
	require.Equal(t, "+00:00", tz)
	require.GreaterOrEqual(t, gcl, uint64(1<<30), "raised (the server may cap it at max_allowed_packet)")
	var n int
	var list string
	require.NoError(t, db.QueryRow(`SELECT COUNT(*), GROUP_CONCAT(seq) FROM seq_1_to_100000`).Scan(&n, &list))
	require.Equal(t, 100000, n)
	require.Len(t, strings.Split(list, ","), n, "not cut at the server default of 1024 bytes")
}
