package seed_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/internal/seed"
	"github.com/ddokso/ddokso/internal/storetest"
)

func setup(t *testing.T, scale float64) (*sql.DB, seed.Stats) {
	t.Helper()
	db := storetest.New(t)
	st, err := seed.Run(context.Background(), db, seed.Config{
		Scale: scale, Anchor: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	return db, st
}

func scalar[T any](t *testing.T, db *sql.DB, q string) T {
	t.Helper()
	var v T
	require.NoError(t, db.QueryRow(q).Scan(&v))
	return v
}

// The data set has the stated proportions, and the tables agree with each
// other the way the application keeps them: a product's price is its last
// observation's, its watch count its active watches, every reference
// resolves.
func TestSeedBuildsAConsistentDataSet(t *testing.T) {
	t.Parallel()
	db, st := setup(t, 0.004)
	require.EqualValues(t, 2000, st["products"])
	require.EqualValues(t, 400, st["users"])
	require.EqualValues(t, 1600, st["watches"])
	require.InDelta(t, 6000, st["product_variants"], 1200, "a quarter of the products with 12 variants on average")
	// Two years of history after compaction: well over 100 rows a product.
	require.Greater(t, st["price_observations"], int64(100*2000))
	require.Greater(t, st["notifications"], int64(1000))

	require.Zero(t, scalar[int](t, db, `SELECT COUNT(*) FROM products p WHERE NOT (p.price <=> (
		SELECT o.price FROM price_observations o WHERE o.product_id = p.id AND o.variant_id = 0 ORDER BY o.observed_at DESC, o.id DESC LIMIT 1))`))
	require.Zero(t, scalar[int](t, db, `SELECT COUNT(*) FROM products p WHERE p.watch_count <> (
		SELECT COUNT(*) FROM watches w WHERE w.product_id = p.id AND w.active = 1)`))
	require.Zero(t, scalar[int](t, db, `SELECT COUNT(*) FROM products p WHERE p.all_time_low > p.price OR p.all_time_high < p.price`))
	require.Zero(t, scalar[int](t, db, `SELECT COUNT(*) FROM watches w LEFT JOIN products p ON p.id = w.product_id LEFT JOIN users u ON u.id = w.user_id WHERE p.id IS NULL OR u.id IS NULL`))
	require.Zero(t, scalar[int](t, db, `SELECT COUNT(*) FROM watches w LEFT JOIN product_variants v ON v.id = w.variant_id WHERE w.variant_id <> 0 AND (v.id IS NULL OR v.product_id <> w.product_id)`))
	require.Zero(t, scalar[int](t, db, `SELECT COUNT(*) FROM price_observations o LEFT JOIN product_variants v ON v.id = o.variant_id WHERE o.variant_id <> 0 AND (v.id IS NULL OR v.product_id <> o.product_id)`))
	// Compaction has happened: no unchanged row older than the keep window.
	require.Zero(t, scalar[int](t, db, `SELECT COUNT(*) FROM price_observations WHERE changed = 0 AND observed_at < '2026-12-01' - INTERVAL 90 DAY`))
	require.Positive(t, scalar[int](t, db, `SELECT COUNT(*) FROM price_observations WHERE changed = 0`))
	require.Positive(t, scalar[int](t, db, `SELECT COUNT(*) FROM price_observations WHERE observed_at < '2026-12-01' - INTERVAL 600 DAY`))
	// Name search is indexed as the scrap worker would have.
	require.Zero(t, scalar[int](t, db, `SELECT COUNT(*) FROM products WHERE search_terms_of IS NULL`))
	require.Greater(t, scalar[int](t, db, `SELECT COUNT(DISTINCT product_id) FROM product_terms`), 1990)
	// The index dropped for the load is back.
	require.Equal(t, 2, scalar[int](t, db, `SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'price_observations' AND index_name = 'idx_obs_compact'`))
}

// The same seed and anchor build the same data.
func TestSeedIsReproducible(t *testing.T) {
	t.Parallel()
	a, _ := setup(t, 0.001)
	b, _ := setup(t, 0.001)
	for _, table := range []string{"products", "product_variants", "watches", "price_observations", "notifications"} {
		var name string
		var ca, cb int64
		require.NoError(t, a.QueryRow("CHECKSUM TABLE "+table).Scan(&name, &ca))
		require.NoError(t, b.QueryRow("CHECKSUM TABLE "+table).Scan(&name, &cb))
		require.Equal(t, ca, cb, table)
	}
}
