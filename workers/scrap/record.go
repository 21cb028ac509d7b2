package scrap

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/store"
)

// recorded summarises what record wrote.
type recorded struct {
	productID  int64
	changes    int
	firstSight bool
}

// record writes the outcome of one check that found a product page (a
// page or a 304; recordProblems writes the others) inside the Once
// transaction: the product (and variants and observations), the scrape
// request's outcome, and a price.changed outbox event on a change.
func (w *Worker) record(ctx context.Context, tx *sql.Tx, req events.ScrapeRequested, t target, oc outcome) (recorded, error) {
	now := w.now().UTC().Truncate(time.Microsecond)
	var (
		res     recorded
		changed *events.PriceChanged
		err     error
	)
	switch {
	case oc.product != nil:
		var s saved
		s, err = w.saveProduct(ctx, tx, t, oc, now)
		res = recorded{productID: s.productID, changes: len(s.changes), firstSight: s.firstSight}
		changed = s.event
	case oc.notModified:
		res.productID, err = w.touchProduct(ctx, tx, t, oc, now)
	default:
		return res, fmt.Errorf("record %s: no product page (outcome.problem: recordProblems writes it)", t.raw)
	}
	if err != nil {
		return res, err
	}

	// The request's outcome, as for the group's problems (a request with
	// no id, a re-check, has none to write).
	done := []*problem{{scrapeID: req.ScrapeID, status: oc.status, reason: oc.reason, productID: res.productID}}
	if err = w.finishRequests(ctx, tx, done, now); err != nil {
		return res, err
	}
	if changed != nil {
		env, err := events.New(ctx, *changed)
		if err != nil {
			return res, err
		}
		if err := store.AddOutbox(ctx, tx, env); err != nil {
			return res, err
		}
	}
	return res, nil
}

// touchProduct records a 304: the product is unchanged and healthy.
func (w *Worker) touchProduct(ctx context.Context, tx *sql.Tx, t target, oc outcome, now time.Time) (int64, error) {
	row, ok, err := lockProductByHash(ctx, tx, t.hash)
	if err != nil || !ok {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE products
		SET check_status = 'ok', check_error = NULL, consecutive_failures = 0,
		    etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),
		    last_checked_at = ?, next_check_at = ?, lease_until = NULL
		WHERE id = ?`,
		nullString(clip(oc.etag, 255)), nullString(clip(oc.lastModified, 64)),
		now, store.NextCheck(now, row.watchCount, row.popularity, 0), row.id)
	if err != nil {
		return 0, fmt.Errorf("touch product %d: %w", row.id, err)
	}
	return row.id, nil
}
