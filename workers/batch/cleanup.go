package batch

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// CleanupStats reports what one cleanup.daily handling did.
type CleanupStats struct {
	// Observations is the number of unchanged price observations removed.
	Observations int64
	// ProcessedMessages is the number of dedupe markers purged.
	ProcessedMessages int64
	// Outbox is the number of published outbox rows purged.
	Outbox int64
	// Ticks is the number of rescrape tick records purged.
	Ticks int64
	// ExpiredScrapes is the number of pending scrape requests expired.
	ExpiredScrapes int64
}

// compactCandidatesSQL finds unchanged observations older than the cutoff
// that repeat the observation right before them (same product, variant,
// price, list price, currency and availability). Only such rows are
// removed, so the sequence of distinct values — the price history — is the
// same afterwards, even if a row were wrongly marked unchanged. The walk is
// keyset by (observed_at, id) over idx_obs_compact.
const compactCandidatesSQL = `SELECT o.id, o.observed_at FROM price_observations o
JOIN price_observations p ON p.id = (
    SELECT p2.id FROM price_observations p2
    WHERE p2.product_id = o.product_id AND p2.variant_id = o.variant_id
      AND (p2.observed_at < o.observed_at OR (p2.observed_at = o.observed_at AND p2.id < o.id))
    ORDER BY p2.observed_at DESC, p2.id DESC LIMIT 1)
WHERE o.changed = 0 AND o.observed_at < ?
  AND (o.observed_at > ? OR (o.observed_at = ? AND o.id > ?))
  AND o.price <=> p.price AND o.list_price <=> p.list_price AND o.currency <=> p.currency
  AND o.availability = p.availability
ORDER BY o.observed_at, o.id LIMIT ?`

// Cleanup handles cleanup.daily. Every step works in bounded statements of
// CleanupBatch rows and is idempotent, so a re-delivered tick just finds
// less to do.
func (w *Worker) Cleanup(ctx context.Context) (CleanupStats, error) {
	var st CleanupStats
	now := w.now()
	var err error
	if st.Observations, err = w.compactObservations(ctx, now.Add(-w.cfg.ObservationKeep)); err != nil {
		return st, err
	}
	cut := now.Add(-w.cfg.Retention)
	steps := []struct {
		n     *int64
		what  string
		query string
		args  []any
	}{
		{&st.ProcessedMessages, "processed messages", `DELETE FROM processed_messages WHERE processed_at < ? LIMIT ?`, []any{cut}},
		{&st.Outbox, "published outbox rows", `DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < ? LIMIT ?`, []any{cut}},
		{&st.Ticks, "tick records", `DELETE FROM batch_ticks WHERE created_at < ? LIMIT ?`, []any{cut}},
		{&st.ExpiredScrapes, "stale scrape requests", `UPDATE scrape_requests SET status = 'expired', in_flight_hash = NULL,
finished_at = ?, status_reason = 'no outcome within the request TTL' WHERE status = 'pending' AND created_at < ? LIMIT ?`,
			[]any{now, now.Add(-w.cfg.ScrapeRequestTTL)}},
	}
	for _, s := range steps {
		n, err := w.bounded(ctx, s.query, s.args...)
		if err != nil {
			return st, fmt.Errorf("cleanup %s: %w", s.what, err)
		}
		*s.n = n
	}
	w.log.InfoContext(ctx, "cleanup tick handled", "observations", st.Observations, "processed_messages", st.ProcessedMessages,
		"outbox", st.Outbox, "ticks", st.Ticks, "expired_scrapes", st.ExpiredScrapes)
	return st, nil
}

// bounded runs a statement ending in "LIMIT ?" until it affects fewer rows
// than the batch size, returning the total affected.
func (w *Worker) bounded(ctx context.Context, query string, args ...any) (int64, error) {
	args = append(args, w.cfg.CleanupBatch)
	var total int64
	for {
		res, err := w.db.ExecContext(ctx, query, args...)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
		if n < int64(w.cfg.CleanupBatch) {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// compactObservations deletes repeated unchanged observations older than
// cutoff in batches.
func (w *Worker) compactObservations(ctx context.Context, cutoff time.Time) (int64, error) {
	var (
		total    int64
		cursorAt = time.Unix(0, 0).UTC()
		cursorID int64
	)
	for {
		rows, err := w.db.QueryContext(ctx, compactCandidatesSQL, cutoff, cursorAt, cursorAt, cursorID, w.cfg.CleanupBatch)
		if err != nil {
			return total, fmt.Errorf("cleanup observations: %w", err)
		}
		var ids []any
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id, &cursorAt); err != nil {
				rows.Close()
				return total, fmt.Errorf("cleanup observations: %w", err)
			}
			cursorID = id
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, fmt.Errorf("cleanup observations: %w", err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		q := "DELETE FROM price_observations WHERE changed = 0 AND id IN (?" + strings.Repeat(",?", len(ids)-1) + ")"
		res, err := w.db.ExecContext(ctx, q, ids...)
		if err != nil {
			return total, fmt.Errorf("cleanup observations: delete %d: %w", len(ids), err)
		}
		n, _ := res.RowsAffected()
		total += n
		if len(ids) < w.cfg.CleanupBatch {
			return total, nil
		}
	}
}
