package scrap

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/ddokso/ddokso/store"
)

// problem is a check that found no product page (blocked, failed, not a
// product, or an invalid URL). Its whole record is the known product's
// failure count and the scrape request's outcome, which recordProblems
// writes for the problems of a group transaction at once.
type problem struct {
	scrapeID int64  // 0: no request row to finish
	hash     string // url hash; "" for an invalid URL (no product)
	status   string
	reason   string
	// productID is set by recordProblems: the known product of hash, or 0.
	productID int64
}

// productFailure is a locked product's state as recordProblems updates it.
type productFailure struct {
	id              int64
	watchCount, pop int
	failures        int
	status, reason  string
	hasProblems     bool
}

// recordProblems records problems as recording them one at a time in their
// order would: each known product gets its status and reason (the last
// problem's), one more consecutive failure per problem and a backed-off
// next check, price and availability untouched; each request still pending
// gets its outcome and frees its in-flight slot, and a request that
// already has one keeps it (the first problem's, when one request comes
// twice). It costs one locking read of the products, one UPDATE of those
// found and one UPDATE of the requests, whatever the number of problems.
func (w *Worker) recordProblems(ctx context.Context, tx *sql.Tx, problems []*problem) error {
	began := time.Now()
	defer func() {
		for range problems {
			w.observe(StageRecordWrites, began)
		}
	}()
	now := w.now().UTC().Truncate(time.Microsecond)
	products, err := lockFailures(ctx, tx, problems)
	if err != nil {
		return err
	}
	var failed []*productFailure
	for _, p := range problems {
		p.productID = 0
		f := products[p.hash]
		if f == nil {
			continue
		}
		if !f.hasProblems {
			f.hasProblems = true
			failed = append(failed, f)
		}
		f.failures++
		f.status, f.reason = p.status, clip(p.reason, 1000)
		p.productID = f.id
	}
	if err := markFailures(ctx, tx, failed, now); err != nil {
		return err
	}
	return w.finishRequests(ctx, tx, problems, now)
}

// lockFailures locks and loads the known products of problems' hashes,
// by hash.
func lockFailures(ctx context.Context, tx *sql.Tx, problems []*problem) (map[string]*productFailure, error) {
	var args []any
	seen := map[string]bool{}
	for _, p := range problems {
		if p.hash != "" && !seen[p.hash] {
			seen[p.hash] = true
			args = append(args, p.hash)
		}
	}
	if len(args) == 0 {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT url_hash, id, watch_count, popularity, consecutive_failures
		FROM products WHERE url_hash IN (`+store.Placeholders(len(args))+`) FOR UPDATE`, args...)
	if err != nil {
		return nil, fmt.Errorf("lock %d products: %w", len(args), err)
	}
	defer rows.Close()
	out := map[string]*productFailure{}
	for rows.Next() {
		var (
			hash string
			f    productFailure
		)
		if err := rows.Scan(&hash, &f.id, &f.watchCount, &f.pop, &f.failures); err != nil {
			return nil, fmt.Errorf("lock products: %w", err)
		}
		out[hash] = &f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lock products: %w", err)
	}
	return out, nil
}

// markFailures writes the new state of failed products in one UPDATE.
func markFailures(ctx context.Context, tx *sql.Tx, failed []*productFailure, now time.Time) error {
	if len(failed) == 0 {
		return nil
	}
	var status, reason, failures, next caseOf
	ids := make([]any, len(failed))
	for i, f := range failed {
		ids[i] = f.id
		status.when(f.id, f.status)
		reason.when(f.id, nullString(f.reason))
		failures.when(f.id, f.failures)
		next.when(f.id, store.NextCheck(now, f.watchCount, f.pop, f.failures))
	}
	q := `UPDATE products SET check_status = ` + status.sql() + `, check_error = ` + reason.sql() +
		`, consecutive_failures = ` + failures.sql() + `, last_checked_at = ?, next_check_at = ` + next.sql() +
		`, lease_until = NULL WHERE id IN (` + store.Placeholders(len(ids)) + `)`
	args := append(append(append(append(status.args, reason.args...), failures.args...), now), next.args...)
	if _, err := tx.ExecContext(ctx, q, append(args, ids...)...); err != nil {
		return fmt.Errorf("mark %d products failed: %w", len(failed), err)
	}
	return nil
}

// finishRequests gives each still pending request of outcomes its outcome
// and frees its in-flight slot, in one UPDATE (outcomes without a request
// id are skipped): an outcome is final, so a request named twice keeps the
// first, and a request that has one already keeps it. A missing row is
// logged.
func (w *Worker) finishRequests(ctx context.Context, tx *sql.Tx, problems []*problem, now time.Time) error {
	var status, reason, product caseOf
	var ids []any
	seen := map[int64]bool{}
	for _, p := range problems {
		if p.scrapeID == 0 || seen[p.scrapeID] {
			continue
		}
		seen[p.scrapeID] = true
		ids = append(ids, p.scrapeID)
		status.when(p.scrapeID, p.status)
		reason.when(p.scrapeID, nullString(clip(p.reason, 1000)))
		product.when(p.scrapeID, nullID(p.productID))
	}
	if len(ids) == 0 {
		return nil
	}
	q := `UPDATE scrape_requests SET status = ` + status.sql() + `, status_reason = ` + reason.sql() +
		`, product_id = COALESCE(` + product.sql() + `, product_id), finished_at = ?, in_flight_hash = NULL
		WHERE id IN (` + store.Placeholders(len(ids)) + `) AND status = 'pending'`
	args := append(append(append(status.args, reason.args...), product.args...), now)
	r, err := tx.ExecContext(ctx, q, append(args, ids...)...)
	if err != nil {
		return fmt.Errorf("update %d scrape requests: %w", len(ids), err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return fmt.Errorf("update %d scrape requests: %w", len(ids), err)
	}
	if n == int64(len(ids)) {
		return nil
	}
	// Some had an outcome already (kept), or no row: say which are missing.
	rows, err := tx.QueryContext(ctx, `SELECT id FROM scrape_requests WHERE id IN (`+store.Placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return fmt.Errorf("find scrape requests: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("find scrape requests: %w", err)
		}
		delete(seen, id)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find scrape requests: %w", err)
	}
	for id := range seen {
		w.log.WarnContext(ctx, "scrape request row not found", "scrape_id", id)
	}
	return nil
}

// caseOf builds `CASE id WHEN ? THEN ? … END`, a column's value per row id
// in a multi-row UPDATE.
type caseOf struct {
	args []any
}

func (c *caseOf) when(id int64, v any) { c.args = append(c.args, id, v) }

func (c *caseOf) sql() string {
	return "CASE id" + strings.Repeat(" WHEN ? THEN ?", len(c.args)/2) + " END"
}
