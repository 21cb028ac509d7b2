package batch

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Two deliveries of one tick taking pages in turn share the host budget:
// each sees the counts the other committed, never only its own.
func TestRescrapeInterleavedDeliveriesShareHostBudget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, w, _ := setup(t, Config{TickPeriod: 10 * time.Minute, HostInterval: time.Minute, PageSize: 4})
	now := time.Now().UTC()
	var ps []product
	for range 40 {
		ps = append(ps, product{shop: "busy.example", status: "ok", next: ptr(now.Add(-time.Hour)), createdAt: now.Add(-48 * time.Hour)})
	}
	seed(t, db, ps)

	at := now.Truncate(10 * time.Minute)
	memos := []*savedTick{{}, {}}
	enqueued, skipped := 0, 0
	for i := 0; ; i++ {
		page, err := w.claimPageRetry(ctx, "tick", at, memos[i%2])
		require.NoError(t, err)
		enqueued += len(page.envs)
		skipped += page.skipped
		if page.done {
			break
		}
		require.Less(t, i, 100, "the tick ends")
	}
	require.Equal(t, 10, enqueued, "10 per host per tick (10m / 1m) over both deliveries")
	require.Equal(t, 30, skipped)
	var hosts string
	require.NoError(t, db.QueryRowContext(ctx, `SELECT host_counts FROM batch_ticks WHERE tick_key = 'tick'`).Scan(&hosts))
	require.JSONEq(t, `{"busy.example":10}`, hosts)
}

func TestEncodeHostCountsIsJSON(t *testing.T) {
	t.Parallel()
	in := map[string]int{"a.example": 3, "shop-2.example": 1, `we"ird\host`: 2, "한국.example": 7, "<tag>&": 1, "": 4}
	var out map[string]int
	require.NoError(t, json.Unmarshal([]byte(encodeHostCounts(in)), &out))
	require.Equal(t, in, out)
	require.Equal(t, "{}", encodeHostCounts(map[string]int{}))
}
