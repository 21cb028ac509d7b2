package api

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ddokso/ddokso/price"
)

// Money is an amount in both integer minor units and a decimal string of
// major units, e.g. {"minor": 1299, "decimal": "12.99", "currency": "USD"}.
type Money struct {
	Minor    int64  `json:"minor"`
	Decimal  string `json:"decimal"`
	Currency string `json:"currency,omitempty"`
}

func money(v sql.NullInt64, currency string) *Money {
	if !v.Valid {
		return nil
	}
	return &Money{Minor: v.Int64, Decimal: price.Amount{Minor: v.Int64, Currency: currency}.Decimal(), Currency: currency}
}

// Variant is one option of a product.
type Variant struct {
	ID           int64           `json:"id"`
	Key          string          `json:"key"`
	Name         string          `json:"name,omitempty"`
	Options      json.RawMessage `json:"options,omitempty"`
	Price        *Money          `json:"price"`
	ListPrice    *Money          `json:"list_price"`
	Availability string          `json:"availability"`
	AllTimeLow   *Money          `json:"all_time_low"`
}

// Product is a product as the API shows it.
type Product struct {
	ID            int64      `json:"id"`
	URL           string     `json:"url"`
	Shop          string     `json:"shop"`
	ShopProductID string     `json:"shop_product_id,omitempty"`
	Title         string     `json:"title,omitempty"`
	Brand         string     `json:"brand,omitempty"`
	Category      string     `json:"category,omitempty"`
	Image         string     `json:"image,omitempty"`
	Currency      string     `json:"currency,omitempty"`
	Price         *Money     `json:"price"`
	ListPrice     *Money     `json:"list_price"`
	DiscountPct   *float64   `json:"discount_pct"`
	Availability  string     `json:"availability"`
	AllTimeLow    *Money     `json:"all_time_low"`
	AllTimeHigh   *Money     `json:"all_time_high"`
	LastDrop      *Money     `json:"last_drop"`
	Avg30d        *Money     `json:"avg_30d,omitempty"`
	CheckStatus   string     `json:"check_status"`
	CheckError    string     `json:"check_error,omitempty"`
	LastCheckedAt *time.Time `json:"last_checked_at"`
	WatchCount    int        `json:"watch_count"`
	Variants      []Variant  `json:"variants,omitempty"`
}

const productCols = `p.id, p.canonical_url, p.shop, p.shop_product_id, p.title, p.brand, p.category, p.image,
	p.currency, p.price, p.list_price, p.availability, p.all_time_low, p.all_time_high, p.last_drop,
	p.check_status, p.check_error, p.last_checked_at, p.watch_count`

type rowScanner interface{ Scan(dest ...any) error }

func scanProduct(r rowScanner) (*Product, error) {
	var (
		p                                       Product
		spid, title, brand, cat, img, cur, cerr sql.NullString
		pr, lp, atl, ath, drop                  sql.NullInt64
		checked                                 sql.NullTime
	)
	if err := r.Scan(&p.ID, &p.URL, &p.Shop, &spid, &title, &brand, &cat, &img, &cur, &pr, &lp,
		&p.Availability, &atl, &ath, &drop, &p.CheckStatus, &cerr, &checked, &p.WatchCount); err != nil {
		return nil, err
	}
	p.ShopProductID, p.Title, p.Brand, p.Category, p.Image = spid.String, title.String, brand.String, cat.String, img.String
	p.Currency, p.CheckError = cur.String, cerr.String
	p.Price, p.ListPrice = money(pr, p.Currency), money(lp, p.Currency)
	p.AllTimeLow, p.AllTimeHigh, p.LastDrop = money(atl, p.Currency), money(ath, p.Currency), money(drop, p.Currency)
	p.DiscountPct = discount(pr, lp)
	if checked.Valid {
		t := checked.Time.UTC()
		p.LastCheckedAt = &t
	}
	return &p, nil
}

// discount is the percentage below list price, to one decimal place.
func discount(pr, lp sql.NullInt64) *float64 {
	if !pr.Valid || !lp.Valid || lp.Int64 <= 0 || pr.Int64 >= lp.Int64 {
		return nil
	}
	d := math.Round(float64(lp.Int64-pr.Int64)*1000/float64(lp.Int64)) / 10
	return &d
}

var errNotFound = errors.New("not found")

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// productQuery reads a product, its 30-day average and its variants (one
// row per variant, or one row of NULL variant columns) in one round trip.
const productQuery = `SELECT ` + productCols + `,
	(SELECT AVG(o.price) FROM price_observations o
		WHERE o.product_id = p.id AND o.variant_id = 0 AND o.price IS NOT NULL AND o.observed_at >= ?) AS avg_30d,
	v.id, v.variant_key, v.name, v.options, v.price, v.list_price, v.availability, v.all_time_low
	FROM products p LEFT JOIN product_variants v ON v.product_id = p.id
	WHERE p.id = ?`

// loadProduct reads a product with its variants and 30-day average, with
// one prepared statement.
func (s *server) loadProduct(ctx context.Context, id int64) (*Product, error) {
	st, err := s.stmts.get(ctx, productQuery)
	if err != nil {
		return nil, fmt.Errorf("load product %d: %w", id, err)
	}
	rows, err := st.QueryContext(ctx, time.Now().UTC().Add(-30*24*time.Hour), id)
	if err != nil {
		return nil, fmt.Errorf("load product %d: %w", id, err)
	}
	defer rows.Close()
	var p *Product
	for rows.Next() {
		var (
			avg         sql.NullFloat64
			vid         sql.NullInt64
			key, avail  sql.NullString
			name, opts  sql.NullString
			pr, lp, atl sql.NullInt64
		)
		row, err := scanProduct(scanAppend{rows, []any{&avg, &vid, &key, &name, &opts, &pr, &lp, &avail, &atl}})
		if err != nil {
			return nil, fmt.Errorf("scan product %d: %w", id, err)
		}
		if p == nil {
			p = row
			if avg.Valid {
				p.Avg30d = money(sqlInt(int64(math.Round(avg.Float64))), p.Currency)
			}
		}
		if !vid.Valid {
			continue
		}
		v := Variant{ID: vid.Int64, Key: key.String, Name: name.String, Availability: avail.String}
		if opts.Valid && json.Valid([]byte(opts.String)) {
			v.Options = json.RawMessage(opts.String)
		}
		v.Price, v.ListPrice, v.AllTimeLow = money(pr, p.Currency), money(lp, p.Currency), money(atl, p.Currency)
		p.Variants = append(p.Variants, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load product %d: %w", id, err)
	}
	if p == nil {
		return nil, errNotFound
	}
	// Variants in id order. Sorting the few rows here instead of ORDER BY
	// v.id spares the server a temporary table and filesort per query (it
	// tripled the query's server CPU).
	slices.SortFunc(p.Variants, func(a, b Variant) int { return cmp.Compare(a.ID, b.ID) })
	return p, nil
}

func sqlInt(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: true} }
