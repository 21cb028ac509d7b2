package batch

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/internal/storetest"
)

func TestDigestOncePerActiveUserPerTick(t *testing.T) {
	t.Parallel()
	db, w, _ := setup(t, Config{})
	ctx := context.Background()
	tickAt := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC) // 09:00 Asia/Seoul
	exec := func(q string, args ...any) {
		t.Helper()
		_, err := db.Exec(q, args...)
		require.NoError(t, err)
	}
	exec(`INSERT INTO users (id, email) VALUES ('capped', 'c@example.com'), ('dropped', 'd@example.com'), ('idle', 'i@example.com'), ('nomail', NULL)`)
	exec(`INSERT INTO products (id, url_hash, canonical_url, shop, last_changed_at) VALUES
		(1, REPEAT('a', 64), 'https://a.example/1', 'a.example', ?),
		(2, REPEAT('b', 64), 'https://a.example/2', 'a.example', ?)`, tickAt.Add(-3*time.Hour), tickAt.Add(-72*time.Hour))
	exec(`INSERT INTO watches (user_id, product_id, rule) VALUES ('dropped', 1, 'any_drop'), ('idle', 2, 'any_drop'), ('nomail', 1, 'any_drop')`)
	exec(`INSERT INTO notifications (user_id, rule, channel, status, dedupe_key, alert_key, local_day, created_at)
		VALUES ('capped', 'target', 'email', 'capped', REPEAT('c', 64), REPEAT('c', 64), '2026-11-28', ?)`, tickAt.Add(-5*time.Hour))

	key := events.NewTick(events.TypeDigestDaily, tickAt).Key()
	n, err := w.Digest(ctx, key, tickAt)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	users := outboxDigests(t, db)
	require.ElementsMatch(t, []string{"capped", "dropped"}, users)

	// The same tick again: nothing more.
	n, err = w.Digest(ctx, key, tickAt)
	require.NoError(t, err)
	require.Zero(t, n)
	require.Len(t, outboxDigests(t, db), 2)
}

func outboxDigests(t *testing.T, db *sql.DB) []string {
	t.Helper()
	var users []string
	for _, env := range storetest.Outbox(t, db, events.TypeNotifyRequested) {
		var p events.NotifyRequested
		require.NoError(t, env.Decode(&p))
		require.Equal(t, "digest", p.Kind)
		require.Equal(t, "2026-11-29", p.Day)
		require.Equal(t, "digest:"+p.UserID+":2026-11-29", env.DedupKey)
		users = append(users, p.UserID)
	}
	return users
}
