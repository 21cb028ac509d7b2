package batch

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
)

// errQueueDown is what the failing test enqueuers return.
var errQueueDown = errors.New("queue unavailable")

// rescrapeLabeled runs w.Rescrape under a pprof label naming the test, so
// that the goroutines the call starts can be told apart from those of
// tests running in parallel (goroutines inherit their creator's labels).
func rescrapeLabeled(ctx context.Context, t *testing.T, w *Worker, key string, tickAt time.Time) (RescrapeStats, error) {
	t.Helper()
	var (
		st  RescrapeStats
		err error
	)
	pprof.Do(ctx, pprof.Labels("batch_test", t.Name()), func(ctx context.Context) {
		st, err = w.Rescrape(ctx, key, tickAt)
	})
	return st, err
}

// requireNoGoroutinesLeft waits until no goroutine started under
// rescrapeLabeled for this test runs code of this package. Rescrape waits
// for its claimer before it returns, but an exiting goroutine may still be
// listed for a moment; one that stays blocked fails the test.
func requireNoGoroutinesLeft(t *testing.T) {
	t.Helper()
	label := fmt.Sprintf(`"batch_test":%q`, t.Name())
	var left string
	ok := assertEventually(func() bool {
		var buf bytes.Buffer
		require.NoError(t, pprof.Lookup("goroutine").WriteTo(&buf, 1))
		left = ""
		for _, group := range strings.Split(buf.String(), "\n\n") {
			if strings.Contains(group, label) && strings.Contains(group, "ddokso/workers/batch.") {
				left += group + "\n\n"
			}
		}
		return left == ""
	}, 30*time.Second)
	require.True(t, ok, "goroutines of the Rescrape call still running:\n%s", left)
}

// assertEventually polls cond every 10 ms until it holds or limit passes.
func assertEventually(cond func() bool, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitTickClaimed waits until the tick's row counts at least n claimed
// products, polling with a bound: the pipelined claimer commits the page
// after the one being sent without waiting for the send.
func waitTickClaimed(ctx context.Context, db *sql.DB, key string, n int) error {
	deadline := time.Now().Add(time.Minute)
	for {
		var claimed int
		err := db.QueryRowContext(ctx, `SELECT enqueued FROM batch_ticks WHERE tick_key = ?`, key).Scan(&claimed)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read tick %s: %w", key, err)
		}
		if claimed >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("tick %s: %d products claimed, not %d: the next page was not claimed while this one was being sent", key, claimed, n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// scriptedEnqueuer records what it sends; before its call number `at`
// (1-based) it runs hook, and when failAt is that call it fails instead of
// sending.
type scriptedEnqueuer struct {
	mu     sync.Mutex
	calls  int
	sent   []int64
	hookAt int
	hook   func(ctx context.Context) error
	failAt int
}

func (s *scriptedEnqueuer) Enqueue(ctx context.Context, envs []events.Envelope) error {
	s.mu.Lock()
	s.calls++
	call := s.calls
	s.mu.Unlock()
	if call == s.hookAt && s.hook != nil {
		if err := s.hook(ctx); err != nil {
			return err
		}
	}
	if call == s.failAt {
		return errQueueDown
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, env := range envs {
		var p events.ScrapeRequested
		if err := env.Decode(&p); err != nil {
			return err
		}
		s.sent = append(s.sent, p.ProductID)
	}
	return nil
}

func (s *scriptedEnqueuer) sentIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// leasedIDs returns the products whose lease runs past at.
func leasedIDs(t *testing.T, db *sql.DB, at time.Time) []int64 {
	t.Helper()
	return queryIDs(t, db, `SELECT id FROM products WHERE lease_until > ? ORDER BY id`, at)
}

// dueProducts seeds n products of distinct hosts, all overdue.
func dueProducts(t *testing.T, db *sql.DB, n int, now time.Time) []int64 {
	t.Helper()
	ps := make([]product, n)
	for i := range ps {
		ps[i] = product{shop: fmt.Sprintf("s%d.example", i), status: "ok", next: ptr(now.Add(-time.Hour)), createdAt: now.Add(-48 * time.Hour)}
	}
	return seed(t, db, ps)
}

// An enqueue failing on the second page while the third is claimed ahead:
// Rescrape returns the error after stopping the claimer, the first page was
// sent once, the failed page and the one claimed ahead stay leased, a
// redelivery sends the rest of the tick, and a tick after the lease sends
// the two leased pages — every product exactly once.
func TestRescrapePipelineEnqueueFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, w, _ := setup(t, Config{PageSize: 10})
	now := time.Now().UTC()
	ids := dueProducts(t, db, 35, now)

	// Page 1 of the tick is the empty never-checked phase; the due phase
	// gives pages of ids[0:10], [10:20], [20:30] and [30:35].
	failing := &scriptedEnqueuer{hookAt: 2, failAt: 2,
		hook: func(ctx context.Context) error { return waitTickClaimed(ctx, db, "tick", 30) }}
	w.enq = failing
	st, err := rescrapeLabeled(ctx, t, w, "tick", now)
	require.ErrorIs(t, err, errQueueDown)
	require.ErrorContains(t, err, "enqueue 10 products")
	requireNoGoroutinesLeft(t)
	require.Equal(t, RescrapeStats{Pages: 3, Enqueued: 10}, st, "three pages claimed, the first sent")
	require.Equal(t, ids[:10], failing.sentIDs())
	require.Equal(t, ids[:30], leasedIDs(t, db, now), "the sent page, the failed one and the one claimed ahead")

	// The redelivered tick resumes after the page claimed ahead.
	rec := &scriptedEnqueuer{}
	w.enq = rec
	st, err = rescrapeLabeled(ctx, t, w, "tick", now)
	require.NoError(t, err)
	requireNoGoroutinesLeft(t)
	require.Equal(t, RescrapeStats{Pages: 1, Enqueued: 5}, st)
	require.Equal(t, ids[30:], rec.sentIDs())

	// The sent products are scraped (next check tomorrow, lease released).
	scraped := append(slices.Clone(ids[:10]), ids[30:]...)
	for _, id := range scraped {
		_, err := db.ExecContext(ctx, `UPDATE products SET next_check_at = ?, lease_until = NULL WHERE id = ?`, now.Add(24*time.Hour), id)
		require.NoError(t, err)
	}

	// A later tick within the lease leaves the unsent pages alone ...
	st, err = rescrapeLabeled(ctx, t, w, "tick-2", now.Add(10*time.Minute))
	require.NoError(t, err)
	require.Zero(t, st.Enqueued)

	// ... and one after the lease sends them.
	after := now.Add(w.cfg.Lease + time.Minute)
	w.now = func() time.Time { return after }
	st, err = rescrapeLabeled(ctx, t, w, "tick-3", after)
	require.NoError(t, err)
	requireNoGoroutinesLeft(t)
	require.Equal(t, 20, st.Enqueued)

	all := append(failing.sentIDs(), rec.sentIDs()...)
	slices.Sort(all)
	require.Equal(t, ids, all, "every product sent exactly once")
}

// Cancelling the context while a page is being sent stops both sides: the
// enqueuer's error comes back and the claimer, which claimed ahead, is gone.
func TestRescrapePipelineCancel(t *testing.T) {
	t.Parallel()
	db, w, _ := setup(t, Config{PageSize: 10})
	now := time.Now().UTC()
	ids := dueProducts(t, db, 45, now)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	blocking := &scriptedEnqueuer{hookAt: 2, hook: func(hctx context.Context) error {
		if err := waitTickClaimed(hctx, db, "tick", 30); err != nil {
			return err
		}
		cancel()
		<-hctx.Done()
		return hctx.Err()
	}}
	w.enq = blocking
	st, err := rescrapeLabeled(ctx, t, w, "tick", now)
	require.ErrorIs(t, err, context.Canceled)
	requireNoGoroutinesLeft(t)
	require.Equal(t, 10, st.Enqueued)
	require.Equal(t, 3, st.Pages)
	require.Equal(t, ids[:10], blocking.sentIDs())

	// The redelivered tick resumes after the pages claimed.
	rec := &scriptedEnqueuer{}
	w.enq = rec
	st, err = rescrapeLabeled(context.Background(), t, w, "tick", now)
	require.NoError(t, err)
	require.Equal(t, 15, st.Enqueued)
	require.Equal(t, ids[30:], rec.sentIDs())
}

// A claim failing while the page before it is being sent: that page is
// still sent, then Rescrape returns the claim's error.
func TestRescrapePipelineClaimFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, w, _ := setup(t, Config{PageSize: 10})
	now := time.Now().UTC()
	ids := dueProducts(t, db, 35, now)

	// While the first due page is sent, the second is claimed; then the
	// tick table goes away, so claiming the third fails.
	enq := &scriptedEnqueuer{hookAt: 1, hook: func(ctx context.Context) error {
		if err := waitTickClaimed(ctx, db, "tick", 20); err != nil {
			return err
		}
		_, err := db.ExecContext(ctx, `RENAME TABLE batch_ticks TO batch_ticks_gone`)
		return err
	}}
	w.enq = enq
	st, err := rescrapeLabeled(ctx, t, w, "tick", now)
	require.ErrorContains(t, err, "batch_ticks")
	require.NotContains(t, err.Error(), "enqueue")
	requireNoGoroutinesLeft(t)
	require.Equal(t, RescrapeStats{Pages: 2, Enqueued: 20}, st)
	require.Equal(t, ids[:20], enq.sentIDs())
}
