package batch

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/internal/storetest"
)

func TestRequeueStaleRepublishesLostRequestsBoundedly(t *testing.T) {
	t.Parallel()
	db, w, _ := setup(t, Config{RequeueAfter: 5 * time.Minute, MaxRequeues: 2, ScrapeRequestTTL: time.Hour})
	ctx := context.Background()
	now := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	w.now = func() time.Time { return now }
	_, err := db.Exec(`INSERT INTO scrape_requests (id, url, canonical_url, url_hash, in_flight_hash, user_id, status, created_at, updated_at) VALUES
		(1, 'https://a.example/1', 'https://a.example/1', REPEAT('1', 64), REPEAT('1', 64), 'u1', 'pending', ?, ?),
		(2, 'https://a.example/2', 'https://a.example/2', REPEAT('2', 64), REPEAT('2', 64), NULL, 'pending', ?, ?),
		(3, 'https://a.example/3', 'https://a.example/3', REPEAT('3', 64), NULL, NULL, 'done', ?, ?),
		(4, 'https://a.example/4', 'https://a.example/4', REPEAT('4', 64), REPEAT('4', 64), NULL, 'pending', ?, ?)`,
		now.Add(-10*time.Minute), now.Add(-10*time.Minute), // stale: re-queued
		now.Add(-time.Minute), now.Add(-time.Minute), // young: left alone
		now.Add(-10*time.Minute), now.Add(-10*time.Minute), // finished: left alone
		now.Add(-2*time.Hour), now.Add(-2*time.Hour)) // past the TTL: left to expire
	require.NoError(t, err)

	requeued := func() []int64 {
		var ids []int64
		for _, env := range storetest.Outbox(t, db, events.TypeScrapeRequested) {
			var p events.ScrapeRequested
			require.NoError(t, env.Decode(&p))
			require.Equal(t, "requeue", p.Reason)
			ids = append(ids, p.ScrapeID)
		}
		return ids
	}

	n, err := w.RequeueStale(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, []int64{1}, requeued())

	// The next tick, a minute later: not again so soon.
	now = now.Add(time.Minute)
	n, err = w.RequeueStale(ctx)
	require.NoError(t, err)
	require.Zero(t, n)

	// Later both pending ones are stale; request 1 reaches its limit after this.
	now = now.Add(10 * time.Minute)
	n, err = w.RequeueStale(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	now = now.Add(10 * time.Minute)
	n, err = w.RequeueStale(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "request 1 is out of re-queues, request 2 has one left")
	got := requeued()
	slices.Sort(got)
	require.Equal(t, []int64{1, 1, 2, 2}, got)
}

// TestRequeueStaleRecoversALargeLossInOneTick: 1,234 requests whose
// messages an outage took are all re-queued by one tick, once each.
func TestRequeueStaleRecoversALargeLossInOneTick(t *testing.T) {
	t.Parallel()
	db, w, _ := setup(t, Config{RequeueAfter: 5 * time.Minute, MaxRequeues: 2, ScrapeRequestTTL: time.Hour})
	ctx := context.Background()
	now := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	w.now = func() time.Time { return now }
	const lost = 1234
	_, err := db.Exec(`INSERT INTO scrape_requests (id, url, canonical_url, url_hash, in_flight_hash, status, created_at, updated_at)
SELECT seq, CONCAT('https://a.example/', seq), CONCAT('https://a.example/', seq), SHA2(seq, 256), SHA2(seq, 256), 'pending', ?, ?
FROM seq_1_to_1234`, now.Add(-10*time.Minute), now.Add(-10*time.Minute))
	require.NoError(t, err)

	n, err := w.RequeueStale(ctx)
	require.NoError(t, err)
	require.Equal(t, lost, n)
	seen := map[int64]int{}
	for _, env := range storetest.Outbox(t, db, events.TypeScrapeRequested) {
		var p events.ScrapeRequested
		require.NoError(t, env.Decode(&p))
		seen[p.ScrapeID]++
	}
	require.Len(t, seen, lost)
	for id, c := range seen {
		require.Equal(t, 1, c, "request %d", id)
	}
	n, err = w.RequeueStale(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "not again within RequeueAfter")
}
