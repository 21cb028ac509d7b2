package batch

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/internal/awstest"
	"github.com/ddokso/ddokso/internal/storetest"
	"github.com/ddokso/ddokso/store"
)

// tiered returns n products across the re-check tiers and which of them are
// due now: never-checked ones past the grace period, hot and cold ones past
// their next check, expired leases and failing ones whose backoff ran out.
func tiered(n int, now time.Time) ([]product, []bool) {
	ps := make([]product, n)
	due := make([]bool, n)
	for i := range ps {
		p := product{shop: fmt.Sprintf("shop%02d.example", i%40), status: "ok", createdAt: now.Add(-30 * 24 * time.Hour)}
		tier := i % 50 // tiers 0-9 once per 50; the rest cycle through the not-due tiers
		if tier >= 10 {
			tier = []int{2, 5, 6, 8}[tier%4]
		}
		switch tier {
		case 0, 1: // never checked, submitted 5 minutes ago
			p.status, p.createdAt, due[i] = "new", now.Add(-5*time.Minute), true
		case 2: // never checked, just submitted: its own request scrapes it
			p.status, p.createdAt = "new", now.Add(-10*time.Second)
		case 3: // watched, checked 2h ago: hourly tier overdue
			p.watches, p.next, due[i] = 1, ptr(store.NextCheck(now.Add(-2*time.Hour), 1, 0, 0)), true
		case 4: // unwatched, checked 2 days ago: daily tier overdue
			p.next, due[i] = ptr(store.NextCheck(now.Add(-48*time.Hour), 0, 0, 0)), true
		case 5: // watched, checked 10 minutes ago: not yet
			p.watches, p.next = 1, ptr(store.NextCheck(now.Add(-10*time.Minute), 1, 0, 0))
		case 6: // overdue but queued by an earlier tick
			p.next, p.lease = ptr(now.Add(-time.Hour)), ptr(now.Add(20*time.Minute))
		case 7: // overdue, lease from a lost request expired
			p.next, p.lease, due[i] = ptr(now.Add(-time.Hour)), ptr(now.Add(-time.Minute)), true
		case 8: // failing 3 times in a row, checked 1h ago: backed off for days
			p.status, p.failures, p.next = "failed", 3, ptr(store.NextCheck(now.Add(-time.Hour), 0, 0, 3))
		case 9: // blocked twice, backoff ran out
			p.status, p.failures, p.watches = "blocked", 2, 1
			p.next, due[i] = ptr(store.NextCheck(now.Add(-5*24*time.Hour), 1, 0, 2)), true
		}
		ps[i] = p
	}
	return ps, due
}

func dueIDs(ids []int64, due []bool) []int64 {
	var out []int64
	for i, d := range due {
		if d {
			out = append(out, ids[i])
		}
	}
	return out
}

// Acceptance 1: 5,000 products across tiers; one tick enqueues exactly the
// due ones once, in SQS batches of 10; the same tick again enqueues nothing.
func TestRescrapeEnqueuesDueProductsOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	st := awstest.NewStack(t)
	now := time.Now().UTC()
	ps, due := tiered(5000, now)
	ids := seed(t, db, ps)
	want := dueIDs(ids, due)
	require.Len(t, want, 600)

	client := &countingSQS{Client: st.Clients.SQS}
	enq := newSQSEnqueuer(client, st.Resolved.Queues["scrap"].URL, 8)
	w, err := New(db, enq, nil, Config{}, quietLog())
	require.NoError(t, err)

	tickAt := now.Truncate(10 * time.Minute)
	tick := events.NewTick(events.TypeRescrapeDue, tickAt)
	stats, err := w.Rescrape(ctx, tick.Key(), tickAt)
	require.NoError(t, err)
	require.Equal(t, len(want), stats.Enqueued)
	require.Zero(t, stats.SkippedBudget)

	calls := client.calls()
	total := 0
	for _, n := range calls {
		require.LessOrEqual(t, n, 10)
		total += n
	}
	require.Equal(t, len(want), total)
	require.Len(t, calls, len(want)/10, "pages split into full batches of 10")
	require.EqualValues(t, len(calls), enq.Calls())

	// Every due product is leased now; nothing else is.
	var leasedDue, leasedOther int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT
  COALESCE(SUM(lease_until > ? AND lease_until <= ?), 0) FROM products`, now.Add(20*time.Minute), now.Add(time.Hour)).Scan(&leasedDue))
	require.Equal(t, len(want), leasedDue)
	require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM products WHERE lease_until IS NOT NULL`).Scan(&leasedOther))
	stillLeased := 0
	for _, p := range ps {
		if p.lease != nil && p.lease.After(now) {
			stillLeased++
		}
	}
	require.Equal(t, len(want)+stillLeased, leasedOther, "the due ones and the tier leased by an earlier tick")

	// The same tick again: nothing.
	again, err := w.Rescrape(ctx, tick.Key(), tickAt)
	require.NoError(t, err)
	require.Zero(t, again.Enqueued)
	require.Len(t, client.calls(), len(calls))

	drainStart := time.Now()
	got := drain(t, st.Clients.SQS, st.Resolved.Queues["scrap"].URL)
	t.Logf("enqueue: %d calls; drain took %s", len(calls), time.Since(drainStart))
	require.Len(t, got, len(want))
	for _, id := range want {
		require.Equal(t, 1, got[id], "product %d", id)
	}
}

// Acceptance 1: two batch workers handling two ticks (and a duplicate
// delivery) at the same time never queue a product twice.
func TestRescrapeConcurrentWorkersNeverDouble(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	st := awstest.NewStack(t)
	now := time.Now().UTC()
	ps, due := tiered(1000, now)
	want := dueIDs(seed(t, db, ps), due)

	url := st.Resolved.Queues["scrap"].URL
	cfg := Config{PageSize: 50}
	w1, err := New(db, NewSQSEnqueuer(st.Clients.SQS, url, 4), nil, cfg, quietLog())
	require.NoError(t, err)
	db2, err := store.Open(ctx, store.Config{DSN: dsnOf(t, db), MaxOpenConns: 5})
	require.NoError(t, err)
	t.Cleanup(func() { db2.Close() })
	w2, err := New(db2, NewSQSEnqueuer(st.Clients.SQS, url, 4), nil, cfg, quietLog())
	require.NoError(t, err)

	t1, t2 := now.Truncate(10*time.Minute), now.Truncate(10*time.Minute).Add(-10*time.Minute)
	runs := []struct {
		w  *Worker
		at time.Time
	}{{w1, t1}, {w2, t2}, {w2, t1}}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
	)
	for _, r := range runs {
		wg.Go(func() {
			s, err := r.w.Rescrape(ctx, events.NewTick(events.TypeRescrapeDue, r.at).Key(), r.at)
			require.NoError(t, err)
			mu.Lock()
			total += s.Enqueued
			mu.Unlock()
		})
	}
	wg.Wait()
	require.Equal(t, len(want), total)
	got := drain(t, st.Clients.SQS, url)
	require.Len(t, got, len(want))
	for _, id := range want {
		require.Equal(t, 1, got[id], "product %d", id)
	}
}

// dsnOf returns the DSN of the test database db is connected to.
func dsnOf(t *testing.T, db *sql.DB) string {
	t.Helper()
	var name string
	require.NoError(t, db.QueryRow(`SELECT DATABASE()`).Scan(&name))
	return storetest.ServerDSN() + name
}

// A tick never queues more products of one host than the host's fetch rate
// allows before the next tick; the rest wait for later ticks.
func TestRescrapeHostBudget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, w, enq := setup(t, Config{TickPeriod: 10 * time.Minute, HostInterval: time.Minute, PageSize: 7})
	now := time.Now().UTC()
	var ps []product
	for i := range 55 {
		shop := "busy.example"
		if i%11 == 0 {
			shop = "" // host from the canonical URL: https://quiet.example/...
		}
		ps = append(ps, product{shop: shop, status: "ok", next: ptr(now.Add(-time.Hour)), createdAt: now.Add(-48 * time.Hour)})
	}
	seed(t, db, ps)
	_, err := db.ExecContext(ctx, `UPDATE products SET canonical_url = REPLACE(canonical_url, 'https:///', 'https://quiet.example/') WHERE shop = ''`)
	require.NoError(t, err)

	at := now.Truncate(10 * time.Minute)
	s, err := w.Rescrape(ctx, "tick-1", at)
	require.NoError(t, err)
	require.Equal(t, 10+5, s.Enqueued, "10 per host per tick (10m / 1m), and all 5 of the quiet host")
	require.Equal(t, 40, s.SkippedBudget)

	s, err = w.Rescrape(ctx, "tick-2", at.Add(10*time.Minute))
	require.NoError(t, err)
	require.Equal(t, 10, s.Enqueued)
	ids := enq.productIDs(t)
	slices.Sort(ids)
	require.Len(t, slices.Compact(ids), 25, "no product twice")
}

// A tick interrupted after some pages resumes at its cursor when it is
// delivered again, and does not redo the pages already queued.
func TestRescrapeResumesInterruptedTick(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, w, _ := setup(t, Config{PageSize: 10})
	now := time.Now().UTC()
	var ps []product
	for range 35 {
		ps = append(ps, product{shop: "a.example", status: "ok", next: ptr(now.Add(-time.Hour)), createdAt: now.Add(-48 * time.Hour)})
	}
	seed(t, db, ps)
	failing := &failAfter{ok: 2}
	w.enq = failing
	_, err := w.Rescrape(ctx, "tick", now)
	require.ErrorContains(t, err, "enqueue")
	require.Equal(t, 20, failing.sent)

	// The failed page stays leased, and so does the last page (5 products)
	// if it was claimed ahead before the failure stopped the claimer; the
	// redelivered tick queues the rest (TestRescrapePipelineEnqueueFailure
	// pins the case where the page ahead was claimed).
	failing.ok = 100
	s, err := w.Rescrape(ctx, "tick", now)
	require.NoError(t, err)
	require.Contains(t, []int{0, 5}, s.Enqueued)
	var leased int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM products WHERE lease_until > ?`, now).Scan(&leased))
	require.Equal(t, 35, leased, "every product queued or leased")
	var enqueued int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT enqueued FROM batch_ticks WHERE tick_key = 'tick' AND done_at IS NOT NULL`).Scan(&enqueued))
	require.Equal(t, 35, enqueued)
}

type failAfter struct {
	ok, sent int
}

func (f *failAfter) Enqueue(_ context.Context, envs []events.Envelope) error {
	if f.ok == 0 {
		return fmt.Errorf("queue unavailable")
	}
	f.ok--
	f.sent += len(envs)
	return nil
}

// The due-selection queries walk idx_products_due.
func TestDueSelectionExplain(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	now := time.Now().UTC()
	ps, _ := tiered(2000, now)
	seed(t, db, ps)
	_, err := db.Exec(`ANALYZE TABLE products`)
	require.NoError(t, err)
	for name, q := range map[string]struct {
		sql  string
		args []any
	}{
		"new": {selectNewSQL, []any{0, now, now, 1000}},
		"due": {selectDueSQL, []any{now, time.Unix(0, 0), time.Unix(0, 0), 0, now, 1000}},
	} {
		plan := explain(t, db, strings.TrimSuffix(q.sql, " FOR UPDATE SKIP LOCKED"), q.args...)
		t.Logf("EXPLAIN %s: %s", name, plan)
		require.Contains(t, plan, "idx_products_due")
		require.NotContains(t, plan, "filesort")
	}
}

func explain(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.Query("EXPLAIN "+q, args...)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		for i, c := range cols {
			if vals[i].Valid {
				out = append(out, c+"="+vals[i].String)
			}
		}
	}
	return strings.Join(out, " ")
}
