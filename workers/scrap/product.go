package scrap

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
	// title, brand and termsOf (search_terms_of) say whether the name
	// search terms need rewriting.
	title, brand, termsOf string
	// checkedOK reports an earlier successful product check: without one,
	// this check is the first sight.
	checkedOK bool
}

const productCols = `id, currency, price, list_price, availability, all_time_low, all_time_high, last_drop,
	watch_count, popularity, consecutive_failures, last_changed_at IS NOT NULL, title, brand, search_terms_of`

func scanProduct(r *sql.Row) (productRow, bool, error) {
	var (
		p                      productRow
		cur, title, brand, of  sql.NullString
		pr, lp, atl, ath, drop sql.NullInt64
	)
	err := r.Scan(&p.id, &cur, &pr, &lp, &p.availability, &atl, &ath, &drop,
		&p.watchCount, &p.popularity, &p.consecutiveFailures, &p.checkedOK, &title, &brand, &of)
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("load product: %w", err)
	}
	p.currency = cur.String
	p.title, p.brand, p.termsOf = title.String, brand.String, of.String
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
	obs := productSeen(p)
	prev, created, err := lockProduct(ctx, tx, t, oc, obs, now)
	if err != nil {
		return saved{}, err
	}
	d := decide(prev.level(), obs)
	out := saved{productID: prev.id, firstSight: !prev.known()}
	obsID, err := observeProduct(ctx, tx, prev.id, d, obs, now)
	if err != nil {
		return out, err
	}
	if d.change != nil {
		out.changes = append(out.changes, *d.change)
	}
	vs, err := saveVariants(ctx, tx, prev.id, p.Variants, prev.currency, d.currency, created, now)
	if err != nil {
		return out, err
	}
	out.changes = append(out.changes, vs.changes...)
	if obsID == 0 {
		obsID = vs.firstObs
	}
	if err := updateProduct(ctx, tx, t, oc, prev, d, d.changed || vs.changed, created, now); err != nil {
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

// newProduct is the stored state of a product row created by its first
// check: the column defaults of migration 00010 (no price, availability
// 'unknown', no watches, never checked).
func newProduct(id int64) productRow {
	return productRow{id: id, availability: string(extract.Unknown)}
}

// lockProduct returns the product row of t locked, and whether this call
// created it. A product seen for the first time is inserted with the whole
// state this check gives it (the decision from newProduct, which cannot
// depend on anything else), so first sight costs no read and no UPDATE;
// a known one (the INSERT hit its url_hash) is read under its lock. Its id
// comes back from the upsert either way.
func lockProduct(ctx context.Context, tx *sql.Tx, t target, oc outcome, obs seen, now time.Time) (productRow, bool, error) {
	first := newProduct(0)
	d := decide(first.level(), obs)
	// First sight always writes a changed observation (decide: an unknown
	// level is a change), so last_changed_at is now.
	state, err := productState(t, oc, first, d, productName(oc.product, first), now, now)
	if err != nil {
		return productRow{}, false, err
	}
	r, err := tx.ExecContext(ctx, insertProductSQL, append([]any{t.hash, t.url}, state...)...)
	if err != nil {
		return productRow{}, false, fmt.Errorf("upsert product %s: %w", t.url, err)
	}
	id, err := r.LastInsertId()
	if err != nil {
		return productRow{}, false, err
	}
	// One affected row is an insert; a duplicate key whose UPDATE changed
	// nothing affects none (store.ParseDSN keeps clientFoundRows off).
	if n, err := r.RowsAffected(); err == nil && n == 1 {
		return newProduct(id), true, nil
	}
	prev, ok, err := scanProduct(tx.QueryRowContext(ctx, `SELECT `+productCols+` FROM products WHERE id = ? FOR UPDATE`, id))
	if err != nil {
		return productRow{}, false, err
	}
	if !ok {
		return productRow{}, false, fmt.Errorf("product %d vanished inside its transaction", id)
	}
	return prev, false, nil
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

// stateCols are the product columns a successful check writes, in the
// order productState gives their values; keptCols are those it leaves as
// they were when the page did not show them (a NULL value).
var (
	stateCols = []string{"page_canonical_url", "shop", "shop_product_id", "title", "brand", "image",
		"currency", "price", "list_price", "availability", "unit_price", "shipping_fee",
		"gtin", "sku", "sources", "all_time_low", "all_time_high", "last_drop",
		"etag", "last_modified", "last_checked_at", "last_changed_at", "next_check_at", "search_terms_of"}
	keptCols = map[string]bool{"page_canonical_url": true, "shop_product_id": true, "title": true, "brand": true,
		"image": true, "gtin": true, "sku": true, "last_changed_at": true}
	// A check that succeeds also clears the failure state and the lease.
	okCols = []string{"check_status", "check_error", "consecutive_failures", "lease_until"}
	okVals = []string{"'ok'", "NULL", "0", "NULL"}

	insertProductSQL, updateProductSQL = productStatements()
)

// productStatements builds the first-sight INSERT and the UPDATE of a
// known product from one column list, so both write the same state.
func productStatements() (string, string) {
	var ins, vals, upd strings.Builder
	ins.WriteString("INSERT INTO products (url_hash, canonical_url")
	vals.WriteString("?, ?")
	upd.WriteString("UPDATE products SET ")
	for i, c := range stateCols {
		ins.WriteString(", " + c)
		vals.WriteString(", ?")
		if i > 0 {
			upd.WriteString(", ")
		}
		if keptCols[c] {
			upd.WriteString(c + " = COALESCE(?, " + c + ")")
		} else {
			upd.WriteString(c + " = ?")
		}
	}
	for i, c := range okCols {
		ins.WriteString(", " + c)
		vals.WriteString(", " + okVals[i])
		upd.WriteString(", " + c + " = " + okVals[i])
	}
	ins.WriteString(") VALUES (" + vals.String() + ") ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)")
	upd.WriteString(" WHERE id = ?")
	return ins.String(), upd.String()
}

// name is a product's title and brand as its row holds them after a
// write, which the search terms are made from.
type name struct{ title, brand string }

// productName is the name prev's row holds once p is written: the page's
// title and brand, or the stored ones where the page shows none (the
// write keeps them).
func productName(p *extract.Product, prev productRow) name {
	n := name{title: clip(p.Title, 512), brand: clip(p.Brand, 255)}
	if n.title == "" {
		n.title = prev.title
	}
	if n.brand == "" {
		n.brand = prev.brand
	}
	return n
}

// productState is the values of stateCols after a successful check.
// lastChanged is nil when nothing changed.
func productState(t target, oc outcome, prev productRow, d decision, n name, lastChanged any, now time.Time) ([]any, error) {
	p := oc.product
	sources, err := json.Marshal(p.Sources)
	if err != nil {
		return nil, fmt.Errorf("encode sources: %w", err)
	}
	spid := p.ShopProductID
	if spid == "" {
		spid = t.spid
	}
	return []any{
		nullString(clip(p.CanonicalURL, 2048)), clip(t.shop, 64), nullString(clip(spid, 191)),
		nullString(clip(p.Title, 512)), nullString(clip(p.Brand, 255)), nullString(clip(p.Image, 2048)),
		nullString(d.currency), d.price, minorOf(p.ListPrice), availabilityOf(p.Availability), nullString(clip(p.UnitPrice, 64)), minorOf(p.ShippingFee),
		nullString(clip(p.GTIN, 32)), nullString(clip(p.SKU, 128)), string(sources),
		d.allTimeLow, d.allTimeHigh, d.lastDrop,
		nullString(clip(oc.etag, 255)), nullString(clip(oc.lastModified, 64)), now, lastChanged,
		store.NextCheck(now, prev.watchCount, prev.popularity, 0), search.TermsOf(n.title, n.brand),
	}, nil
}

// updateProduct writes the product's new state after a successful check
// and rewrites its search terms when its name changed. A product lockProduct
// just created already holds its state: only its terms are written.
func updateProduct(ctx context.Context, tx *sql.Tx, t target, oc outcome, prev productRow, d decision, changed, created bool, now time.Time) error {
	n := productName(oc.product, prev)
	if created {
		return search.Rewrite(ctx, tx, prev.id, n.title, n.brand, true)
	}
	var lastChanged any
	if changed {
		lastChanged = now
	}
	state, err := productState(t, oc, prev, d, n, lastChanged, now)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, updateProductSQL, append(state, prev.id)...); err != nil {
		return fmt.Errorf("update product %d: %w", prev.id, err)
	}
	if prev.termsOf == search.TermsOf(n.title, n.brand) {
		return nil
	}
	return search.Rewrite(ctx, tx, prev.id, n.title, n.brand, false)
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
