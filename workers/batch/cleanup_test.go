package batch

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type obs struct {
	product, variant int64
	price            sql.NullInt64
	avail            string
	changed          bool
	at               time.Time
}

// history is a product's list of price changes: each observation whose
// value differs from the one before it.
func history(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT product_id, variant_id, price, availability, observed_at FROM price_observations
ORDER BY product_id, variant_id, observed_at, id`)
	require.NoError(t, err)
	defer rows.Close()
	var (
		out  []string
		prev string
		key  string
	)
	for rows.Next() {
		var o obs
		require.NoError(t, rows.Scan(&o.product, &o.variant, &o.price, &o.avail, &o.at))
		k := fmt.Sprint(o.product, "/", o.variant)
		v := fmt.Sprint(o.price.Int64, o.price.Valid, o.avail)
		if k != key || v != prev {
			out = append(out, k+" "+v+" "+o.at.Format(time.RFC3339))
		}
		key, prev = k, v
	}
	require.NoError(t, rows.Err())
	return out
}

// Acceptance 5: compaction drops repeated unchanged observations past 90
// days and keeps the price history identical.
func TestCleanupKeepsEveryPriceChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, w, _ := setup(t, Config{CleanupBatch: 3})
	now := time.Now().UTC()
	old := now.Add(-200*24*time.Hour - 12*time.Hour) // no row on the 90-day boundary
	var rows []obs
	wantDeleted := 0
	for p := int64(1); p <= 3; p++ {
		price := int64(10000)
		for d := 0; d < 150; d++ {
			at := old.Add(time.Duration(d) * 24 * time.Hour)
			switch {
			case d%17 == 0: // a change
				price -= 100
				rows = append(rows, obs{p, 0, sql.NullInt64{Int64: price, Valid: true}, "in_stock", true, at})
			case d == 40 && p == 2: // mislabelled: a change recorded as unchanged
				price += 5
				rows = append(rows, obs{p, 0, sql.NullInt64{Int64: price, Valid: true}, "in_stock", false, at})
			default: // same as before
				rows = append(rows, obs{p, 0, sql.NullInt64{Int64: price, Valid: true}, "in_stock", false, at})
				if at.Before(now.Add(-90 * 24 * time.Hour)) {
					wantDeleted++
				}
			}
		}
	}
	for _, o := range rows {
		_, err := db.ExecContext(ctx, `INSERT INTO price_observations (product_id, variant_id, price, currency, availability, changed, observed_at)
VALUES (?, ?, ?, 'KRW', ?, ?, ?)`, o.product, o.variant, o.price, o.avail, o.changed, o.at)
		require.NoError(t, err)
	}
	// Purge and expiry fixtures.
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO processed_messages (consumer, dedup_key, processed_at) VALUES ('c', 'old', ?), ('c', 'new', ?)`, []any{now.Add(-8 * 24 * time.Hour), now}},
		{`INSERT INTO outbox (event_id, event_type, body, published_at, created_at) VALUES ('a', 't', '{}', ?, ?), ('b', 't', '{}', NULL, ?), ('c', 't', '{}', ?, ?)`,
			[]any{now.Add(-8 * 24 * time.Hour), now.Add(-9 * 24 * time.Hour), now.Add(-9 * 24 * time.Hour), now, now}},
		{`INSERT INTO scrape_requests (url, canonical_url, url_hash, in_flight_hash, status, created_at) VALUES
('u1', 'u1', 'h1', 'h1', 'pending', ?), ('u2', 'u2', 'h2', 'h2', 'pending', ?), ('u3', 'u3', 'h3', NULL, 'done', ?)`,
			[]any{now.Add(-2 * time.Hour), now.Add(-time.Minute), now.Add(-2 * time.Hour)}},
	} {
		_, err := db.ExecContext(ctx, q.sql, q.args...)
		require.NoError(t, err)
	}

	before := history(t, db)
	st, err := w.Cleanup(ctx)
	require.NoError(t, err)
	require.EqualValues(t, wantDeleted, st.Observations)
	require.Equal(t, before, history(t, db))
	var changed, total int
	require.NoError(t, db.QueryRow(`SELECT SUM(changed), COUNT(*) FROM price_observations`).Scan(&changed, &total))
	require.Equal(t, len(rows)-wantDeleted, total)
	require.Equal(t, 3*9, changed, "every changed row kept")

	require.EqualValues(t, 1, st.ProcessedMessages)
	require.EqualValues(t, 1, st.Outbox)
	require.EqualValues(t, 1, st.ExpiredScrapes)
	var status string
	var inFlight sql.NullString
	var finished sql.NullTime
	require.NoError(t, db.QueryRow(`SELECT status, in_flight_hash, finished_at FROM scrape_requests WHERE url = 'u1'`).Scan(&status, &inFlight, &finished))
	require.Equal(t, "expired", status)
	require.False(t, inFlight.Valid)
	require.True(t, finished.Valid)
	require.NoError(t, db.QueryRow(`SELECT status FROM scrape_requests WHERE url = 'u2'`).Scan(&status))
	require.Equal(t, "pending", status)

	// Idempotent: a second run finds nothing and changes nothing.
	again, err := w.Cleanup(ctx)
	require.NoError(t, err)
	require.Equal(t, CleanupStats{}, again)
	require.Equal(t, before, history(t, db))
}

// TestCleanupComparesEveryValueAndReadsInIndexOrder: a repeat is the same
// price, list price, currency and availability (NULL equal to NULL) for
// the same product and variant; rows at one instant in many products are
// walked once each; the walk reads idx_obs_compact alone with no sort and
// the probe reads the primary key.
func TestCleanupComparesEveryValueAndReadsInIndexOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, w, _ := setup(t, Config{CleanupBatch: 4})
	now := time.Now().UTC()
	at := now.Add(-120 * 24 * time.Hour).Truncate(time.Second)
	type row struct {
		variant   int64
		price, lp any
		cur       any
		avail     string
		repeat    bool // expected to be removed (unchanged rows only)
	}
	// Each product's rows, a day apart; the first is the change that starts it.
	cases := [][]row{
		{{0, 100, nil, "KRW", "in_stock", false}, {0, 100, nil, "KRW", "in_stock", true}, {0, 100, nil, "KRW", "in_stock", true}},
		{{0, nil, nil, nil, "out_of_stock", false}, {0, nil, nil, nil, "out_of_stock", true}},
		{{0, 100, 200, "KRW", "in_stock", false}, {0, 100, 250, "KRW", "in_stock", false}, {0, 100, 250, "KRW", "in_stock", true}},
		{{0, 100, nil, "KRW", "in_stock", false}, {0, 100, nil, "USD", "in_stock", false}},
		{{0, 100, nil, "KRW", "in_stock", false}, {0, 100, nil, "KRW", "pre_order", false}},
		{{7, 100, nil, "KRW", "in_stock", false}, {0, 100, nil, "KRW", "in_stock", false}, {7, 100, nil, "KRW", "in_stock", true}},
	}
	want := map[int64]int{}
	for i, rs := range cases {
		pid := int64(i + 1)
		for d, r := range rs {
			_, err := db.ExecContext(ctx, `INSERT INTO price_observations (product_id, variant_id, price, list_price, currency, availability, changed, observed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, pid, r.variant, r.price, r.lp, r.cur, r.avail, d > 0, at.Add(time.Duration(d)*24*time.Hour))
			require.NoError(t, err)
			if r.repeat {
				want[pid]++
			}
		}
	}
	// Every row after a product's first is stored unchanged, even when it
	// differs (a mislabelled change): the values decide.
	_, err := db.ExecContext(ctx, `UPDATE price_observations o JOIN (SELECT product_id, MIN(observed_at) first FROM price_observations GROUP BY product_id) f
ON f.product_id = o.product_id SET o.changed = (o.observed_at = f.first)`)
	require.NoError(t, err)
	count := func() map[int64]int {
		got := map[int64]int{}
		rows, err := db.Query(`SELECT product_id, COUNT(*) FROM price_observations GROUP BY product_id`)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var p int64
			var n int
			require.NoError(t, rows.Scan(&p, &n))
			got[p] = n
		}
		require.NoError(t, rows.Err())
		return got
	}
	before := count()
	st, err := w.Cleanup(ctx)
	require.NoError(t, err)
	after := count()
	removed := map[int64]int{}
	for p, n := range before {
		if d := n - after[p]; d > 0 {
			removed[p] = d
		}
	}
	require.Equal(t, want, removed)
	require.EqualValues(t, 5, st.Observations)

	plan := explain(t, db, compactKeysSQL, now, time.Unix(0, 0), time.Unix(0, 0), 0, 0, 0, 1000)
	t.Logf("EXPLAIN walk: %s", plan)
	require.Contains(t, plan, "key=idx_obs_compact")
	require.Contains(t, plan, "Using index")
	require.NotContains(t, plan, "filesort")
	plan = explain(t, db, compactProbeSQL, 0, 1, 0, now)
	t.Logf("EXPLAIN probe: %s", plan)
	require.Contains(t, plan, "key=PRIMARY")
	require.NotContains(t, plan, "filesort")
}

// TestCleanupPacesTheCompaction: the compaction probes at most CleanupRate
// keys a second, sleeping (on the worker's clock) between chunks of 50, and
// still removes every repeat.
func TestCleanupPacesTheCompaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, w, _ := setup(t, Config{CleanupBatch: 40, CleanupRate: 10})
	now := time.Now().UTC()
	old := now.Add(-100 * 24 * time.Hour)
	// One change, then 131 repeats: 131 walked keys, chunks of 50, 50, 31.
	for i := range 132 {
		_, err := db.ExecContext(ctx, `INSERT INTO price_observations (product_id, variant_id, price, currency, availability, changed, observed_at)
VALUES (7, 0, 5000, 'KRW', 'in_stock', ?, ?)`, i == 0, old.Add(time.Duration(i)*time.Minute))
		require.NoError(t, err)
	}
	cur := now
	var slept []time.Duration
	w.now = func() time.Time { return cur }
	w.after = func(d time.Duration) <-chan time.Time {
		slept = append(slept, d)
		cur = cur.Add(d)
		c := make(chan time.Time, 1)
		c <- cur
		return c
	}
	st, err := w.Cleanup(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 131, st.Observations)
	require.Equal(t, []time.Duration{5 * time.Second, 5 * time.Second}, slept, "50 keys at 10/s, before the 2nd and 3rd chunk")
}

// TestPacerDoesNotBurstAfterALateChunk: a chunk that took longer than its
// share lets the next start at once, but the one after that waits its full
// share again instead of catching up.
func TestPacerDoesNotBurstAfterALateChunk(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cur := t0
	var slept []time.Duration
	p := pacer{rate: 100, now: func() time.Time { return cur }, after: func(d time.Duration) <-chan time.Time {
		slept = append(slept, d)
		cur = cur.Add(d)
		c := make(chan time.Time, 1)
		c <- cur
		return c
	}}
	ctx := context.Background()
	require.NoError(t, p.wait(ctx, 50)) // at t0, may start
	cur = t0.Add(2 * time.Second)       // the chunk ran 2 s, its share was 0.5 s
	require.NoError(t, p.wait(ctx, 50))
	require.Empty(t, slept)
	cur = cur.Add(100 * time.Millisecond)
	require.NoError(t, p.wait(ctx, 50))
	require.Equal(t, []time.Duration{400 * time.Millisecond}, slept)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	p.after = func(time.Duration) <-chan time.Time { return nil }
	require.ErrorIs(t, p.wait(cctx, 50), context.Canceled)
}

func TestConfigCleanupRate(t *testing.T) {
	t.Parallel()
	c := Config{}
	require.NoError(t, c.Validate())
	require.Zero(t, c.CleanupRate, "unpaced by default")
	c = Config{CleanupRate: -1}
	require.ErrorContains(t, c.Validate(), "cleanup rate")
	c = Config{CleanupRate: 1_000_001}
	require.ErrorContains(t, c.Validate(), "cleanup rate")

	p := pacer{now: time.Now, after: func(time.Duration) <-chan time.Time {
		t.Fatal("an unpaced compaction sleeps")
		return nil
	}}
	for range 3 {
		require.NoError(t, p.wait(context.Background(), 50))
	}
}
