package batch

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/store"
)

// requeueBatch is the requests re-queued per transaction; one tick runs up
// to requeuePages of them, so a large loss (an outage that took thousands
// of messages) is recovered in one tick rather than 500 per tick.
const (
	requeueBatch = 500
	requeuePages = 40
)

// RequeueStale publishes scrape.requested again, through the outbox, for
// scrape requests that stayed pending longer than RequeueAfter — their
// message was lost (a dead worker, an emulator restart) — at most
// MaxRequeues times each and at most once per RequeueAfter. The scrap
// worker keeps the first outcome a request gets, so a late original message
// and its re-queued copy cannot give a request two outcomes. Requests older
// than ScrapeRequestTTL are left to expire. Each page of requeueBatch
// requests is one transaction; one call re-queues at most
// requeueBatch*requeuePages. It returns how many it re-queued.
func (w *Worker) RequeueStale(ctx context.Context) (int, error) {
	now := w.now()
	total := 0
	for page := 0; page < requeuePages; page++ {
		n, err := w.requeuePage(ctx, now)
		total += n
		if err != nil {
			return total, err
		}
		if n < requeueBatch {
			break
		}
	}
	if total > 0 {
		w.log.InfoContext(ctx, "re-queued stale scrape requests", "count", total)
	}
	return total, nil
}

// RequeueInterval is how often RunRequeue checks for stale requests: a
// fifth of requeueAfter, between 1 s and 1 min. A request lost at age 0 is
// re-queued after at least requeueAfter and at most requeueAfter plus this.
func RequeueInterval(requeueAfter time.Duration) time.Duration {
	return min(max(requeueAfter/5, time.Second), time.Minute)
}

// RunRequeue runs RequeueStale every RequeueInterval until ctx ends, so
// the re-queue delay is RequeueAfter (plus at most the interval) rather
// than "at the next rescrape tick" (up to RequeueAfter + the tick period).
// Several batch processes may run it: SKIP LOCKED and the updated_at guard
// re-queue each request at most once per RequeueAfter.
func (w *Worker) RunRequeue(ctx context.Context) error {
	every := RequeueInterval(w.cfg.RequeueAfter)
	failing := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.after(every):
		}
		if ctx.Err() != nil {
			return nil
		}
		_, err := w.RequeueStale(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			failing = true
			w.log.ErrorContext(ctx, "re-queue of stale scrape requests failing", "err", err)
		case err == nil && failing:
			failing = false
			w.log.InfoContext(ctx, "re-queue of stale scrape requests recovered")
		}
	}
}

// requeuePage re-queues up to requeueBatch stale requests in one transaction.
func (w *Worker) requeuePage(ctx context.Context, now time.Time) (int, error) {
	stale := now.Add(-w.cfg.RequeueAfter)
	n := 0
	err := store.InTx(ctx, w.db, func(tx *sql.Tx) error {
		n = 0
		rows, err := tx.QueryContext(ctx, `SELECT id, canonical_url, COALESCE(user_id, ''), requeued FROM scrape_requests
WHERE status = 'pending' AND created_at < ? AND created_at >= ? AND updated_at < ? AND requeued < ?
ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`, stale, now.Add(-w.cfg.ScrapeRequestTTL), stale, w.cfg.MaxRequeues, requeueBatch)
		if err != nil {
			return fmt.Errorf("select stale scrape requests: %w", err)
		}
		type req struct {
			id       int64
			url      string
			user     string
			requeued int
		}
		var reqs []req
		for rows.Next() {
			var r req
			if err := rows.Scan(&r.id, &r.url, &r.user, &r.requeued); err != nil {
				rows.Close()
				return err
			}
			reqs = append(reqs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		envs := make([]events.Envelope, 0, len(reqs))
		for _, r := range reqs {
			env, err := events.New(ctx, events.ScrapeRequested{ScrapeID: r.id, URL: r.url, UserID: r.user, Reason: "requeue"},
				events.WithDedupKey(fmt.Sprintf("scrape-request:%d:requeue:%d", r.id, r.requeued+1)))
			if err != nil {
				return err
			}
			envs = append(envs, env)
			if _, err := tx.ExecContext(ctx, `UPDATE scrape_requests SET requeued = requeued + 1, updated_at = ? WHERE id = ?`, now, r.id); err != nil {
				return fmt.Errorf("mark scrape request %d re-queued: %w", r.id, err)
			}
		}
		n = len(reqs)
		return store.AddOutbox(ctx, tx, envs...)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
