package api

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ddokso/ddokso/store"
)

// Filter-first plans (issue 18). A listing on a common tag walks an index
// of products in the sort's order and tests the other filters per row
// read (planTag). That is right when the filters together match many
// products, and wrong when they match few: tag + brand + category matched
// 1 product in ~1,900, so a page walked ~40,000 rows (0.8-1.6 s at
// 500,000 products). planAccess estimates, from the optimizer's index
// dives, how many rows each way of reading the listing costs, and picks
// the cheapest:
//
//   - an ordered index (the sort's, or a filter's index that is also in
//     the sort's order, e.g. category + recent) is walked until a page
//     matches: about (limit+1) / (the selectivity of the filters the
//     index does not apply), at most the index's range;
//   - a filter's index (or the tag's postings in product_tags) is read
//     whole and the matches sorted: its range's size.
//
// Selectivities are the estimates over the table's size, multiplied as if
// independent.

// access is one way of reading a tag listing's products.
type access struct {
	index   string          // products' index; tagFirst: product_tags by tag
	ordered bool            // read in the sort's order (no sort)
	applies map[string]bool // the filters the index's range applies
	rows    float64         // estimated rows read for a page
}

// tagFirst is the access that reads the tag's products off product_tags
// (the plan of a rare tag: no hint, MariaDB drives from product_tags).
const tagFirst = "product_tags"

// filterSel are a listing's filters with an estimate (name → rows).
type filterEst struct {
	total float64
	rows  map[string]float64 // "tag", "category", "shop", "brand", "brand+category", "price"
}

// sel is a filter's estimated selectivity (1 when unknown).
func (e filterEst) sel(f string) float64 {
	n, ok := e.rows[f]
	if !ok || e.total <= 0 {
		return 1
	}
	return math.Min(1, math.Max(n, 1)/e.total)
}

// filterNames are the estimated filters a listing has.
func (l *listing) filterNames() []string {
	var out []string
	for _, f := range []string{"tag", "category", "shop", "brand", "price"} {
		if l.filterVal(f) != "" {
			out = append(out, f)
		}
	}
	return out
}

// filterVal is a filter's value ("" when not given; "range" for a price).
func (l *listing) filterVal(f string) string {
	switch f {
	case "tag":
		return l.tag
	case "category":
		return l.category
	case "shop":
		return l.shop
	case "brand":
		return l.brand
	case "price":
		if l.minPrice != nil || l.maxPrice != nil {
			return "range"
		}
	}
	return ""
}

// accesses are the ways the listing's products can be read, with the
// filters each one's range applies.
func (l *listing) accesses() []access {
	set := func(fs ...string) map[string]bool {
		m := map[string]bool{}
		for _, f := range fs {
			m[f] = true
		}
		return m
	}
	priceSort := l.sortName == "price" || l.sortName == "price_desc"
	var out []access
	sortApplies := set()
	if priceSort && l.filterVal("price") != "" {
		sortApplies["price"] = true // the sort_price bound (parsePrice)
	}
	out = append(out, access{index: sortIndexes[l.sortName], ordered: true, applies: sortApplies})
	if l.category != "" {
		out = append(out, access{index: "idx_products_category_recent", ordered: l.sortName == "recent", applies: set("category")})
	}
	if l.shop != "" {
		a := access{index: "idx_products_shop_price", ordered: l.sortName == "price", applies: set("shop")}
		if l.sortName == "price" && l.filterVal("price") != "" {
			a.applies["price"] = true
		}
		out = append(out, a)
	}
	if l.brand != "" {
		a := access{index: "idx_products_brand_category", applies: set("brand")}
		if l.category != "" {
			a.applies["category"] = true
			a.ordered = l.sortName == "recent"
		}
		out = append(out, a)
	}
	if l.filterVal("price") != "" {
		out = append(out, access{index: "idx_products_price", applies: set("price")})
	}
	if l.tag != "" {
		out = append(out, access{index: tagFirst, applies: set("tag")})
	}
	return out
}

// cost estimates the rows access a reads for a page of the listing.
func (l *listing) cost(a access, e filterEst) float64 {
	rangeRows, rest := e.total, 1.0
	for _, f := range l.filterNames() {
		if a.applies[f] {
			rangeRows *= e.sel(f)
		} else {
			rest *= e.sel(f)
		}
	}
	if a.applies["brand"] && a.applies["category"] {
		if n, ok := e.rows["brand+category"]; ok {
			// Measured together: brand and category need not be independent.
			rangeRows = rangeRows / (e.sel("brand") * e.sel("category")) * math.Min(1, math.Max(n, 1)/e.total)
		}
	}
	if !a.ordered {
		return rangeRows
	}
	return math.Min(rangeRows, float64(l.limit+1)/rest)
}

// estimateFilters reads the optimizer's row estimates of the table and of
// each filter's index range: one EXPLAIN of a UNION ALL (index dives, no
// rows read).
func (s *server) estimateFilters(ctx context.Context, l *listing) (filterEst, error) {
	type part struct {
		name, sql string
		args      []any
	}
	parts := []part{{name: "total", sql: "SELECT 1 FROM products"}}
	if l.tag != "" {
		parts = append(parts, part{"tag", "SELECT 1 FROM product_tags FORCE INDEX (idx_product_tags_tag) WHERE tag = ?", []any{l.tag}})
	}
	if l.category != "" {
		parts = append(parts, part{"category", "SELECT 1 FROM products FORCE INDEX (idx_products_category_recent) WHERE category = ?", []any{l.category}})
	}
	if l.shop != "" {
		parts = append(parts, part{"shop", "SELECT 1 FROM products FORCE INDEX (idx_products_shop_price) WHERE shop = ?", []any{l.shop}})
	}
	if l.brand != "" {
		parts = append(parts, part{"brand", "SELECT 1 FROM products FORCE INDEX (idx_products_brand_category) WHERE brand = ?", []any{l.brand}})
		if l.category != "" {
			parts = append(parts, part{"brand+category", "SELECT 1 FROM products FORCE INDEX (idx_products_brand_category) WHERE brand = ? AND category = ?", []any{l.brand, l.category}})
		}
	}
	if l.filterVal("price") != "" {
		q, args := "SELECT 1 FROM products FORCE INDEX (idx_products_price) WHERE TRUE", []any{}
		if l.minPrice != nil {
			q, args = q+" AND price >= ?", append(args, *l.minPrice)
		}
		if l.maxPrice != nil {
			q, args = q+" AND price <= ?", append(args, *l.maxPrice)
		}
		parts = append(parts, part{"price", q, args})
	}
	sqls := make([]string, len(parts))
	var args []any
	for i, p := range parts {
		sqls[i] = p.sql
		args = append(args, p.args...)
	}
	p, err := store.Explain(ctx, s.db, store.PlanQuery{Name: "filter estimates", SQL: strings.Join(sqls, " UNION ALL "), Args: args})
	if err != nil {
		return filterEst{}, err
	}
	ids, counts := p.Column("id"), p.Column("rows")
	if ids == nil || counts == nil {
		return filterEst{}, fmt.Errorf("estimate filters: EXPLAIN has no id or rows column (%v)", p.Columns)
	}
	e := filterEst{rows: map[string]float64{}}
	for i, v := range ids {
		id, err := strconv.Atoi(v)
		if err != nil || id < 1 || id > len(parts) {
			continue // the UNION RESULT row
		}
		n, _ := strconv.ParseFloat(counts[i], 64) // NULL (nothing matches) counts as 0
		if parts[id-1].name == "total" {
			e.total = n
		} else {
			e.rows[parts[id-1].name] = n
		}
	}
	return e, nil
}

// planAccess picks how a listing on a common tag (walkSort) reads its
// products: the access with the fewest estimated rows (ties go to the
// ordered one, listed first). force, when it names one of the listing's
// accesses, is taken instead (tests page every access).
func (s *server) planAccess(ctx context.Context, l *listing, force string) error {
	if !l.walkSort || !l.query.Empty() || l.price != priceDefault {
		return nil
	}
	as := l.accesses()
	for _, a := range as {
		if force != "" && a.index == force {
			l.access = a
			return l.applyAccess()
		}
	}
	e, err := s.estimateFilters(ctx, l)
	if err != nil {
		return err
	}
	best := as[0]
	best.rows = l.cost(best, e)
	for _, a := range as[1:] {
		if a.rows = l.cost(a, e); a.rows < best.rows {
			best = a
		}
	}
	l.access = best
	return l.applyAccess()
}

// applyAccess sets the plan of the chosen access: reading the tag's
// products first is the rare tag's plan (no hint).
func (l *listing) applyAccess() error {
	if l.access.index == tagFirst {
		l.walkSort = false
	}
	return nil
}
