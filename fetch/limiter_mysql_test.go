package fetch_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/fetch"
	"github.com/ddokso/ddokso/internal/storetest"
	"github.com/ddokso/ddokso/store"
)

// openPools returns n independent pools on one fresh migrated database, as
// n worker processes would have.
func openPools(t *testing.T, n int) []*sql.DB {
	t.Helper()
	dsn := storetest.NewDSN(t)
	pools := make([]*sql.DB, n)
	for i := range pools {
		db, err := store.Open(context.Background(), store.Config{DSN: dsn, MaxOpenConns: 10})
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		pools[i] = db
	}
	return pools
}

func TestMySQLLimiterSharedAcrossProcesses(t *testing.T) {
	t.Parallel()
	const interval = 50 * time.Millisecond
	pools := openPools(t, 2)
	limiters := []*fetch.MySQLLimiter{
		fetch.NewMySQLLimiter(pools[0], interval),
		fetch.NewMySQLLimiter(pools[1], interval),
	}

	var (
		mu    sync.Mutex
		slots []time.Time
		wg    sync.WaitGroup
	)
	for _, lim := range limiters {
		for range 10 {
			wg.Go(func() {
				slot, err := lim.Reserve(context.Background(), "shop.example.com")
				if !assertNoError(t, err) {
					return
				}
				mu.Lock()
				slots = append(slots, slot)
				mu.Unlock()
			})
		}
	}
	wg.Wait()

	require.Len(t, slots, 20)
	slices.SortFunc(slots, time.Time.Compare)
	for i := 1; i < len(slots); i++ {
		require.GreaterOrEqual(t, slots[i].Sub(slots[i-1]), interval, "slots %d and %d", i-1, i)
	}

	var next time.Time
	require.NoError(t, pools[0].QueryRow(`SELECT next_at FROM fetch_host_rate WHERE host = ?`, "shop.example.com").Scan(&next))
	require.Equal(t, slots[len(slots)-1].Add(interval), next.UTC(), "the table holds the slot after the last one granted")
}

// assertNoError reports err from a goroutine without FailNow.
func assertNoError(t *testing.T, err error) bool {
	if err != nil {
		t.Errorf("unexpected error: %v", err)
		return false
	}
	return true
}

func TestMySQLLimiterHostIntervals(t *testing.T) {
	t.Parallel()
	pools := openPools(t, 1)
	lim := fetch.NewMySQLLimiter(pools[0], 10*time.Millisecond, fetch.WithHostInterval("coupang.com", 2*time.Second))
	ctx := context.Background()

	www, err := lim.Reserve(ctx, "www.coupang.com")
	require.NoError(t, err)
	m, err := lim.Reserve(ctx, "m.coupang.com")
	require.NoError(t, err)
	require.GreaterOrEqual(t, m.Sub(www), 2*time.Second, "subdomains share the coupang.com bucket")

	other, err := lim.Reserve(ctx, "shop.example.com")
	require.NoError(t, err)
	require.Less(t, other.Sub(www), time.Second, "other hosts are not held back by coupang")
}

func TestMySQLLimiterWaitRespectsContext(t *testing.T) {
	t.Parallel()
	pools := openPools(t, 2)
	a := fetch.NewMySQLLimiter(pools[0], time.Hour)
	b := fetch.NewMySQLLimiter(pools[1], time.Hour)
	ctx := context.Background()

	require.NoError(t, a.Wait(ctx, "shop.example.com"), "the first slot is now")
	// The deadline must fall after b's reservation commits (under a loaded
	// machine that took over 50 ms) and long before the slot an hour away.
	short, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	err := b.Wait(short, "shop.example.com")
	require.ErrorIs(t, err, context.DeadlineExceeded, "the next slot is an hour away")

	first, err := a.Reserve(ctx, "other.example.com")
	require.NoError(t, err)
	third, err := a.Reserve(ctx, "shop.example.com")
	require.NoError(t, err)
	require.Greater(t, third.Sub(first), 110*time.Minute, "an abandoned slot is still consumed")
}

func TestFetchWithMySQLLimiter(t *testing.T) {
	t.Parallel()
	pools := openPools(t, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	port, err := strconv.Atoi(u.Port())
	require.NoError(t, err)
	f, err := fetch.New(fetch.Config{
		AllowLoopback: true,
		Ports:         []int{port},
		Limiter:       fetch.NewMySQLLimiter(pools[0], time.Millisecond),
	})
	require.NoError(t, err)
	t.Cleanup(f.Close)

	res, err := f.Fetch(context.Background(), fetch.Request{URL: srv.URL + "/p/1"})
	require.NoError(t, err)
	require.Equal(t, "ok", string(res.Body))
	var n int
	require.NoError(t, pools[0].QueryRow(`SELECT COUNT(*) FROM fetch_host_rate WHERE host = '127.0.0.1'`).Scan(&n))
	require.Equal(t, 1, n)
}
