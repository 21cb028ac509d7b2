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

// level is the product's stored state as the change decision sees it.
func (p productRow) level() level {
	return level{known: p.checkedOK, price: p.price, currency: p.currency, availability: p.availability,
		allTimeLow: p.allTimeLow, allTimeHigh: p.allTimeHigh, lastDrop: p.lastDrop}
}

// productSeen is what the page shows of the product itself.
func productSeen(p *extract.Product) seen {
	cur := p.Currency
	if p.Price != nil && p.Price.Currency != "" {
		cur = p.Price.Currency
	}
	return seen{price: minorOf(p.Price), listPrice: minorOf(p.ListPrice), currency: cur, availability: availabilityOf(p.Availability)}
}

// saved is what saveProduct wrote.
type saved struct {
	productID  int64
	firstSight bool
	changes    []events.PriceChange
	event      *events.PriceChanged // nil when nothing to alert about
}

// saveProduct records a successful check: it locks (creating if needed)
// the product row, decides what changed for the product and each variant,
// writes their observations and new state, and builds the price.changed
// event. The product row is locked for the whole transaction, so
// concurrent checks of one product serialise and all-time figures stay
// right.
func (w *Worker) saveProduct(ctx context.Context, tx *sql.Tx, t target, oc outcome, now time.Time) (saved, error) {
	p := oc.product
	prev, err := lockProduct(ctx, tx, t)
	if err != nil {
		return saved{}, err
	}
	obs := productSeen(p)
	d := decide(prev.level(), obs)
	out := saved{productID: prev.id, firstSight: !prev.known()}
	obsID, err := observeProduct(ctx, tx, prev.id, d, obs, now)
	if err != nil {
		return out, err
	}
	if d.change != nil {
		out.changes = append(out.changes, *d.change)
	}
	vs, err := saveVariants(ctx, tx, prev.id, p.Variants, prev.currency, d.currency, now)
	if err != nil {
		return out, err
	}
	out.changes = append(out.changes, vs.changes...)
	if obsID == 0 {
		obsID = vs.firstObs
	}
	if err := updateProduct(ctx, tx, t, oc, prev, d, d.changed || vs.changed, now); err != nil {
		return out, err
	}
	if !out.firstSight && len(out.changes) > 0 {
		title := p.Title
		if title == "" {
			title = t.url
		}
		out.event = &events.PriceChanged{
			ProductID: prev.id, ObservationID: obsID, Title: title, URL: t.url, Image: p.Image,
			Currency: d.currency, CheckedAt: now, Changes: out.changes,
		}
	}
	return out, nil
}

// known reports an earlier successful check of the product.
func (p productRow) known() bool { return p.checkedOK }

// lockProduct creates the product row of t if needed and returns it
// locked; either way its id comes back from the upsert. A row the upsert
// just created holds the column defaults of migration 00010 (no price,
// availability 'unknown', no watches, never checked), so it is not read
// back: first sight costs one statement less.
func lockProduct(ctx context.Context, tx *sql.Tx, t target) (productRow, error) {
	r, err := tx.ExecContext(ctx, `INSERT INTO products (url_hash, canonical_url, shop) VALUES (?, ?, ?)
		ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)`, t.hash, t.url, clip(t.shop, 64))
	if err != nil {
		return productRow{}, fmt.Errorf("upsert product %s: %w", t.url, err)
	}
	id, err := r.LastInsertId()
	if err != nil {
		return productRow{}, err
	}
	// One affected row is an insert; a duplicate key whose UPDATE changed
	// nothing affects none (store.ParseDSN keeps clientFoundRows off).
	if n, err := r.RowsAffected(); err == nil && n == 1 {
		return productRow{id: id, availability: string(extract.Unknown)}, nil
	}
	prev, ok, err := scanProduct(tx.QueryRowContext(ctx, `SELECT `+productCols+` FROM products WHERE id = ? FOR UPDATE`, id))
	if err != nil {
		return productRow{}, err
	}
	if !ok {
		return productRow{}, fmt.Errorf("product %d vanished inside its transaction", id)
	}
	return prev, nil
}

// observeProduct writes the product's observation: a changed one, or the
// daily "still the same" one. It returns the changed observation's id (0
// when unchanged).
func observeProduct(ctx context.Context, tx *sql.Tx, id int64, d decision, obs seen, now time.Time) (int64, error) {
	if !d.changed {
		return 0, observeDaily(ctx, tx, id, d.price, obs.listPrice, d.currency, obs.availability, now)
	}
	return observe(ctx, tx, id, 0, d.price, obs.listPrice, d.currency, obs.availability, true, now)
}

// updateProduct writes the product's new state after a successful check.
func updateProduct(ctx context.Context, tx *sql.Tx, t target, oc outcome, prev productRow, d decision, changed bool, now time.Time) error {
	p := oc.product
	var lastChanged any
	if changed {
		lastChanged = now
	}
	sources, err := json.Marshal(p.Sources)
	if err != nil {
		return fmt.Errorf("encode sources: %w", err)
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
		nullString(d.currency), d.price, minorOf(p.ListPrice), availabilityOf(p.Availability), nullString(clip(p.UnitPrice, 64)), minorOf(p.ShippingFee),
		nullString(clip(p.GTIN, 32)), nullString(clip(p.SKU, 128)), string(sources),
		d.allTimeLow, d.allTimeHigh, d.lastDrop,
		nullString(clip(oc.etag, 255)), nullString(clip(oc.lastModified, 64)), now, lastChanged,
		store.NextCheck(now, prev.watchCount, prev.popularity, 0), prev.id)
	if err != nil {
		return fmt.Errorf("update product %d: %w", prev.id, err)
	}
	return search.Reindex(ctx, tx, prev.id)
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
