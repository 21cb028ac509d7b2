package scrap

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/extract"
	"github.com/ddokso/ddokso/price"
	"github.com/ddokso/ddokso/search"
	"github.com/ddokso/ddokso/store"
)

// productRow is the locked state of a product before this check.
type productRow struct {
	id                  int64
	currency            string
	price, listPrice    *int64
	availability        string
	allTimeLow          *int64
	allTimeHigh         *int64
	lastDrop            *int64
	watchCount          int
	popularity          int
	consecutiveFailures int
	// checkedOK reports an earlier successful product check: without one,
	// this check is the first sight.
	checkedOK bool
}

const productCols = `id, currency, price, list_price, availability, all_time_low, all_time_high, last_drop,
	watch_count, popularity, consecutive_failures, last_changed_at IS NOT NULL`

func scanProduct(r *sql.Row) (productRow, bool, error) {
	var (
		p                      productRow
		cur                    sql.NullString
		pr, lp, atl, ath, drop sql.NullInt64
	)
	err := r.Scan(&p.id, &cur, &pr, &lp, &p.availability, &atl, &ath, &drop,
		&p.watchCount, &p.popularity, &p.consecutiveFailures, &p.checkedOK)
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("load product: %w", err)
	}
	p.currency = cur.String
	p.price, p.listPrice = intPtr(pr), intPtr(lp)
	p.allTimeLow, p.allTimeHigh, p.lastDrop = intPtr(atl), intPtr(ath), intPtr(drop)
	return p, true, nil
}

// lockProductByHash locks and loads the product of a canonical URL hash.
func lockProductByHash(ctx context.Context, tx *sql.Tx, hash string) (productRow, bool, error) {
	return scanProduct(tx.QueryRowContext(ctx, `SELECT `+productCols+` FROM products WHERE url_hash = ? FOR UPDATE`, hash))
}

// saved is what saveProduct wrote.
type saved struct {
	productID  int64
	firstSight bool
	changes    []events.PriceChange
	event      *events.PriceChanged // nil when nothing to alert about
}

// saveProduct upserts the product and its variants from a successful check,
// records price observations, and builds the price.changed event. The
// product row is locked for the whole transaction, so concurrent checks of
// one product serialise and all-time figures stay right.
func (w *Worker) saveProduct(ctx context.Context, tx *sql.Tx, t target, oc outcome, now time.Time) (saved, error) {
	p := oc.product
	// Create the row if needed; either way its id comes back and it is locked.
	r, err := tx.ExecContext(ctx, `INSERT INTO products (url_hash, canonical_url, shop) VALUES (?, ?, ?)
		ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)`, t.hash, t.url, clip(t.shop, 64))
	if err != nil {
		return saved{}, fmt.Errorf("upsert product %s: %w", t.url, err)
	}
	id, err := r.LastInsertId()
	if err != nil {
		return saved{}, err
	}
	prev, ok, err := scanProduct(tx.QueryRowContext(ctx, `SELECT `+productCols+` FROM products WHERE id = ? FOR UPDATE`, id))
	if err != nil {
		return saved{}, err
	}
	if !ok {
		return saved{}, fmt.Errorf("product %d vanished inside its transaction", id)
	}

	// The new product-level state.
	cur := p.Currency
	newPrice := minorOf(p.Price)
	if p.Price != nil && p.Price.Currency != "" {
		cur = p.Price.Currency
	}
	if newPrice == nil && prev.price != nil && (cur == "" || cur == prev.currency) {
		// No price shown (typically sold out): keep the last known one.
		newPrice, cur = prev.price, prev.currency
	}
	listPrice := minorOf(p.ListPrice)
	avail := availabilityOf(p.Availability)

	first := !prev.checkedOK
	curChanged := !first && prev.currency != "" && cur != "" && prev.currency != cur
	changed := first || curChanged || !sameInt(prev.price, newPrice) || prev.availability != avail

	atl, ath, drop := prev.allTimeLow, prev.allTimeHigh, prev.lastDrop
	atlBefore := prev.allTimeLow
	if curChanged { // magnitudes in different currencies do not compare
		atl, ath, atlBefore = nil, nil, nil
	}
	if newPrice != nil {
		atl, ath = minInt(atl, newPrice), maxInt(ath, newPrice)
	}
	if !first && !curChanged && prev.price != nil && newPrice != nil && *newPrice < *prev.price {
		d := *prev.price - *newPrice
		drop = &d
	}

	out := saved{productID: id, firstSight: first}
	var obsID int64
	if changed {
		if obsID, err = observe(ctx, tx, id, 0, newPrice, listPrice, cur, avail, true, now); err != nil {
			return out, err
		}
		if !first {
			oldPrice := prev.price
			if curChanged {
				oldPrice = nil
			}
			out.changes = append(out.changes, events.PriceChange{
				OldPrice: oldPrice, NewPrice: newPrice,
				OldAvailability: prev.availability, NewAvailability: avail,
				AllTimeLow: atlBefore, ListPrice: listPrice,
			})
		}
	} else if err := observeDaily(ctx, tx, id, newPrice, listPrice, cur, avail, now); err != nil {
		return out, err
	}

	vchanges, vobs, vchanged, err := saveVariants(ctx, tx, id, p.Variants, cur, curChanged, first, now)
	if err != nil {
		return out, err
	}
	out.changes = append(out.changes, vchanges...)
	if obsID == 0 {
		obsID = vobs
	}

	var lastChanged any
	if changed || vchanged {
		lastChanged = now
	}
	sources, err := json.Marshal(p.Sources)
	if err != nil {
		return out, fmt.Errorf("encode sources: %w", err)
	}
	spid := p.ShopProductID
	if spid == "" {
		spid = t.spid
	}
	_, err = tx.ExecContext(ctx, `UPDATE products SET
		page_canonical_url = COALESCE(?, page_canonical_url), shop = ?, shop_product_id = COALESCE(?, shop_product_id),
		title = COALESCE(?, title), brand = COALESCE(?, brand), image = COALESCE(?, image),
		currency = ?, price = ?, list_price = ?, availability = ?, unit_price = ?, shipping_fee = ?,
		gtin = COALESCE(?, gtin), sku = COALESCE(?, sku), sources = ?,
		all_time_low = ?, all_time_high = ?, last_drop = ?,
		check_status = 'ok', check_error = NULL, consecutive_failures = 0,
		etag = ?, last_modified = ?, last_checked_at = ?, last_changed_at = COALESCE(?, last_changed_at),
		next_check_at = ?, lease_until = NULL
		WHERE id = ?`,
		nullString(clip(p.CanonicalURL, 2048)), clip(t.shop, 64), nullString(clip(spid, 191)),
		nullString(clip(p.Title, 512)), nullString(clip(p.Brand, 255)), nullString(clip(p.Image, 2048)),
		nullString(cur), newPrice, listPrice, avail, nullString(clip(p.UnitPrice, 64)), minorOf(p.ShippingFee),
		nullString(clip(p.GTIN, 32)), nullString(clip(p.SKU, 128)), string(sources),
		atl, ath, drop,
		nullString(clip(oc.etag, 255)), nullString(clip(oc.lastModified, 64)), now, lastChanged,
		store.NextCheck(now, prev.watchCount, prev.popularity, 0), id)
	if err != nil {
		return out, fmt.Errorf("update product %d: %w", id, err)
	}
	if err := search.Reindex(ctx, tx, id); err != nil {
		return out, err
	}

	if !first && len(out.changes) > 0 {
		title := p.Title
		if title == "" {
			title = t.url
		}
		out.event = &events.PriceChanged{
			ProductID: id, ObservationID: obsID, Title: title, URL: t.url, Image: p.Image,
			Currency: cur, CheckedAt: now, Changes: out.changes,
		}
	}
	return out, nil
}

// observe inserts one price observation and returns its id.
func observe(ctx context.Context, tx *sql.Tx, productID, variantID int64, pr, lp *int64, cur, avail string, changed bool, now time.Time) (int64, error) {
	r, err := tx.ExecContext(ctx, `INSERT INTO price_observations
		(product_id, variant_id, price, list_price, currency, availability, changed, observed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, productID, variantID, pr, lp, nullString(cur), avail, changed, now)
	if err != nil {
		return 0, fmt.Errorf("insert observation of product %d variant %d: %w", productID, variantID, err)
	}
	return r.LastInsertId()
}

// observeDaily writes the "still the same" observation unless the product
// already has one from today (UTC).
func observeDaily(ctx context.Context, tx *sql.Tx, productID int64, pr, lp *int64, cur, avail string, now time.Time) error {
	day := now.Truncate(24 * time.Hour)
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM price_observations
		WHERE product_id = ? AND variant_id = 0 AND observed_at >= ? LIMIT 1`, productID, day).Scan(&one)
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("find today's observation of product %d: %w", productID, err)
	}
	_, err = observe(ctx, tx, productID, 0, pr, lp, cur, avail, false, now)
	return err
}

func minorOf(a *price.Amount) *int64 {
	if a == nil {
		return nil
	}
	v := a.Minor
	return &v
}

func availabilityOf(a extract.Availability) string {
	switch a {
	case extract.InStock, extract.OutOfStock, extract.PreOrder:
		return string(a)
	}
	return string(extract.Unknown)
}
