package api

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ddokso/ddokso/price"
	"github.com/ddokso/ddokso/search"
	"github.com/ddokso/ddokso/store"
)

var productFilters = map[string]bool{
	"q": true, "shop": true, "category": true, "brand": true, "tag": true, "min_price": true, "max_price": true,
	"currency": true, "in_stock": true, "sort": true, "cursor": true, "limit": true,
}

// sortRelevance orders a name search (q) by match score; it is the
// default, and the only order, when q is given.
const sortRelevance = "relevance"

// ProductPage is one page of GET /products.
type ProductPage struct {
	Items      []*Product `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// listing is a parsed GET /products: the filters as SQL, the order and
// the page size.
type listing struct {
	sortName string
	spec     sortSpec
	query    search.Query // set for a name search
	drive    string       // the query's rarest gram, whose postings are walked
	others   []string     // the query's other grams, rarest first
	tag      string       // the tag filter, if any
	tagAt    int          // the index of the tag's EXISTS in where
	tagArgAt int          // and of its argument in args
	indexes  []string     // products' indexes of the given filters (see tagPlan)
	walkSort bool         // a common tag: walk an index of products, test the tag per row
	minPrice *int64       // the price range's bounds, in minor units
	maxPrice *int64
	price    pricePlan // how a price range under sort=biggest_drop is read
	after    *afterKey // the cursor's position, if any
	limit    int
	where    []string
	args     []any
}

func (l *listing) add(cond string, args ...any) {
	l.where = append(l.where, cond)
	l.args = append(l.args, args...)
}

func badParam(format string, args ...any) *reqError {
	return clientErr(http.StatusBadRequest, "invalid-parameter", format, args...)
}

// parseListing validates GET /products's parameters.
func (s *server) parseListing(c *gin.Context) (*listing, error) {
	for k := range c.Request.URL.Query() {
		if !productFilters[k] {
			return nil, badParam("unknown query parameter %q", k)
		}
	}
	l := &listing{limit: s.cfg.PageSize}
	if err := l.parseOrder(c); err != nil {
		return nil, err
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > s.cfg.MaxPageSize {
			return nil, badParam("limit must be 1..%d", s.cfg.MaxPageSize)
		}
		l.limit = n
	}
	l.add("p.last_checked_at IS NOT NULL")
	l.add("p.check_status NOT IN ('new', 'not_a_product')")
	for _, step := range []func(*gin.Context) error{l.parseExact, l.parseStock, l.parsePrice, l.parseCursor} {
		if err := step(c); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// parseOrder reads q and sort.
func (l *listing) parseOrder(c *gin.Context) error {
	q, hasQ := c.GetQuery("q")
	def := "recent"
	if hasQ {
		l.query = search.ParseQuery(q)
		if l.query.Empty() {
			return badParam("q must contain letters or digits")
		}
		def = sortRelevance
	}
	l.sortName = c.DefaultQuery("sort", def)
	if hasQ {
		if l.sortName != sortRelevance {
			return badParam("a name search (q) is sorted by relevance only")
		}
		return nil
	}
	spec, ok := productSorts[l.sortName]
	if !ok {
		return badParam("sort %q is not one of recent, price, price_desc, discount, biggest_drop (relevance with q)", l.sortName)
	}
	l.spec = spec
	return nil
}

// exactIndexes are products' indexes led by an exact-match filter's column
// (see hintIndexes).
var exactIndexes = map[string]string{"shop": "idx_products_shop_price", "category": "idx_products_category_recent"}

// parseExact reads the exact-match filters.
func (l *listing) parseExact(c *gin.Context) error {
	for _, col := range []string{"shop", "category", "brand"} {
		if v := c.Query(col); v != "" {
			l.add("p."+col+" = ?", v)
			if ix := exactIndexes[col]; ix != "" {
				l.indexes = append(l.indexes, ix)
			}
		}
	}
	if v := c.Query("tag"); v != "" {
		l.tag, l.tagAt, l.tagArgAt = v, len(l.where), len(l.args)
		l.add("EXISTS (SELECT 1 FROM product_tags t WHERE t.product_id = p.id AND t.tag = ?)", v)
	}
	return nil
}

func (l *listing) parseStock(c *gin.Context) error {
	v := c.Query("in_stock")
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return badParam("in_stock must be true or false")
	}
	if b {
		l.add("p.availability = 'in_stock'")
	} else {
		l.add("p.availability <> 'in_stock'")
	}
	return nil
}

func (l *listing) parsePrice(c *gin.Context) error {
	if c.Query("min_price") == "" && c.Query("max_price") == "" {
		return nil
	}
	cur := strings.ToUpper(c.DefaultQuery("currency", "KRW"))
	l.add("p.currency = ?", cur)
	for _, b := range []struct{ param, op string }{{"min_price", ">="}, {"max_price", "<="}} {
		v := c.Query(b.param)
		if v == "" {
			continue
		}
		a, err := price.ParseDecimal(v, cur)
		if err != nil {
			return badParam("%s: %v", b.param, err)
		}
		l.add("p.price "+b.op+" ?", a.Minor)
		if b.op == ">=" {
			l.minPrice = &a.Minor
		} else {
			l.maxPrice = &a.Minor
		}
		// The same bound on the order's column (equal to price wherever
		// price is set) lets a price sort read only the range off its index.
		if col := priceSortCols[l.sortName]; col != "" {
			l.add(col+" "+b.op+" ?", a.Minor)
		}
	}
	l.indexes = append(l.indexes, "idx_products_price")
	return nil
}

// priceSortCols are the order columns that equal p.price when it is set.
var priceSortCols = map[string]string{"price": "p.sort_price", "price_desc": "p.sort_price_desc"}

// keyExpr is the listing's order key (for a name search the weight of the
// driving gram in the product: title and brand 3, title 2, brand 1).
func (l *listing) keyExpr() string {
	if l.price == priceWalkDrop {
		return "d.sort_drop"
	}
	if l.query.Empty() {
		return l.spec.expr
	}
	return "t0.weight"
}

// idExpr is the tie-breaker, on the driving table's index for a name search.
func (l *listing) idExpr() string {
	if l.price == priceWalkDrop {
		return "d.id"
	}
	if l.query.Empty() {
		return "p.id"
	}
	return "t0.product_id"
}

func (l *listing) desc() bool { return !l.query.Empty() || l.spec.desc }

// parseCursor continues after the cursor's row: keyset on (key, id).
func (l *listing) parseCursor(c *gin.Context) error {
	v := c.Query("cursor")
	if v == "" {
		return nil
	}
	bad := clientErr(http.StatusBadRequest, "invalid-cursor", "cursor does not belong to this listing; start again without it")
	cur, err := decodeCursor(v)
	if err != nil || cur.Sort != l.sortName {
		return bad
	}
	var key any
	if l.spec.isTime {
		t, err := time.Parse(time.RFC3339Nano, cur.Key)
		if err != nil {
			return bad
		}
		key = t
	} else {
		n, err := strconv.ParseInt(cur.Key, 10, 64)
		if err != nil {
			return bad
		}
		key = n
	}
	l.after = &afterKey{key: key, id: cur.ID}
	return nil
}

// afterKey is a cursor's position: the listing continues after (key, id).
type afterKey struct {
	key any
	id  int64
}

// whereArgs are the listing's conditions and arguments, with the cursor's
// keyset condition last, on the plan's key columns (known once planned).
func (l *listing) whereArgs() (string, []any) {
	where, args := slices.Clone(l.where), slices.Clone(l.args)
	if l.price == priceWalkDrop && l.tag != "" {
		// The walk joins product_tags instead (see sql).
		where, args = slices.Delete(where, l.tagAt, l.tagAt+1), slices.Delete(args, l.tagArgAt, l.tagArgAt+1)
	}
	if a := l.after; a != nil {
		op := ">"
		if l.desc() {
			op = "<"
		}
		where = append(where, fmt.Sprintf("(%[1]s %[2]s ? OR (%[1]s = ? AND %[3]s %[2]s ?))", l.keyExpr(), op, l.idExpr()))
		args = append(args, a.key, a.key, a.id)
	}
	return strings.Join(where, " AND "), args
}

// sortIndexes are products' indexes in each sort's order (migration
// 00111 and earlier), walked by a listing filtered on a common tag.
var sortIndexes = map[string]string{
	"recent":       "idx_products_recent",
	"price":        "idx_products_sort_price",
	"price_desc":   "idx_products_sort_price_desc",
	"discount":     "idx_products_sort_discount",
	"biggest_drop": "idx_products_drop_price",
}

// sql is the listing's query. A name search walks the postings of the
// query's rarest gram in rank order (index idx_product_terms_rank, joined
// first) and keeps the products that have every other gram (primary key
// lookups, rarest first), so it stops after one page however common the
// words are. A listing filtered on a common tag names the indexes products
// may be read by (the sort's, and those of the other filters): without the
// hint MariaDB turns the tag's EXISTS into a semi-join driven from
// product_tags and sorts every product with the tag (62,000 at full size,
// about 1 s); with it the tag is a primary-key lookup per row read.
func (l *listing) sql() (string, []any) {
	dir := "ASC"
	if l.desc() {
		dir = "DESC"
	}
	where, largs := l.whereArgs()
	order := fmt.Sprintf(" ORDER BY %s %s, %s %s LIMIT %d", l.keyExpr(), dir, l.idExpr(), dir, l.limit+1)
	if l.price == priceWalkDrop {
		var bounds []string
		var args []any
		if l.minPrice != nil {
			bounds, args = append(bounds, " AND d.sort_price >= ?"), append(args, *l.minPrice)
		}
		if l.maxPrice != nil {
			bounds, args = append(bounds, " AND d.sort_price <= ?"), append(args, *l.maxPrice)
		}
		// A tag is a primary-key probe of product_tags for the rows in
		// the range, before their product row is read: as an EXISTS,
		// MariaDB materializes the tag's 62,000 products and tests every
		// index entry walked (400-900 ms instead of 50-120 ms).
		tagJoin := ""
		var tagArgs []any
		if l.tag != "" {
			tagJoin, tagArgs = " JOIN product_tags t ON t.product_id = d.id AND t.tag = ?", []any{l.tag}
		}
		q := fmt.Sprintf("SELECT STRAIGHT_JOIN %s, d.sort_drop FROM products d FORCE INDEX (idx_products_drop_price)%s"+
			" JOIN products p ON p.id = d.id WHERE %s%s", productCols, tagJoin, where, strings.Join(bounds, ""))
		return q + order, append(append(tagArgs, largs...), args...)
	}
	if l.query.Empty() {
		from := "products p"
		if l.price == priceByRange {
			from += " FORCE INDEX (idx_products_price)"
		} else if l.walkSort {
			from += " FORCE INDEX (" + strings.Join(l.hintIndexes(), ", ") + ")"
		}
		return fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s", productCols, l.spec.expr, from, where) + order, largs
	}
	var b strings.Builder
	args := []any{}
	b.WriteString("SELECT STRAIGHT_JOIN " + productCols + ", t0.weight FROM product_terms t0 FORCE INDEX (idx_product_terms_rank)")
	for i, g := range l.others {
		fmt.Fprintf(&b, " JOIN product_terms t%[1]d ON t%[1]d.term = ? AND t%[1]d.product_id = t0.product_id", i+1)
		args = append(args, g)
	}
	b.WriteString(" JOIN products p ON p.id = t0.product_id WHERE t0.term = ? AND " + where)
	args = append(args, l.drive)
	args = append(args, largs...)
	return b.String() + order, args
}

// hintIndexes are the sort's index and the filters' indexes, once each.
// None starts with the product id, so product_tags cannot drive the join.
func (l *listing) hintIndexes() []string {
	out := []string{sortIndexes[l.sortName]}
	for _, ix := range l.indexes {
		if !slices.Contains(out, ix) {
			out = append(out, ix)
		}
	}
	return out
}

// tagWalkMin is the number of products with a tag from which a listing
// walks an index of products and tests the tag per row, instead of sorting
// every product with the tag: a tag on ≥ 2,000 of 500,000 products finds a
// page of 21 within about 5,000 rows of the sort's index, and a rarer tag's
// products are at most 2,000 rows to sort.
const tagWalkMin = 2000

// planTag decides how a tag filter is read: walkMin or more products with
// the tag (counted up to walkMin) walk an index of products (walkSort).
func (s *server) planTag(ctx context.Context, l *listing, walkMin int) error {
	if l.tag == "" || !l.query.Empty() {
		return nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM product_tags WHERE tag = ? LIMIT ?) x`, l.tag, walkMin).Scan(&n)
	if err != nil {
		return fmt.Errorf("count products tagged %q: %w", l.tag, err)
	}
	l.walkSort = n >= walkMin
	return nil
}

// pricePlan is how a price range is read under sort=biggest_drop.
type pricePlan int

const (
	priceDefault  pricePlan = iota // no range, or another sort: the plans above
	priceByRange                   // few products in the range: read them by price, sort them
	priceWalkDrop                  // many: walk (sort_drop, id, sort_price), index only, in order
)

// priceSortMax is the number of products in a price range below which a
// biggest_drop listing reads the range off idx_products_price and sorts it
// (at most 2,000 row reads); from it on, the listing walks
// idx_products_drop_price (migration 00150) in the sort's order and tests
// the price in the index, reading only the rows in the range. Walking the
// plain sort index read every row above the first match: drop size
// follows price, so at 500,000 products 168,000 rows ranked above the
// first product priced 10,000-20,000 (4-6 s).
const priceSortMax = 2000

// planPrice decides how a price range under sort=biggest_drop is read,
// counting the products in the range (any currency) up to sortMax; a
// rare tag (planTag) keeps its plan.
func (s *server) planPrice(ctx context.Context, l *listing, sortMax int) error {
	if l.sortName != "biggest_drop" || !l.query.Empty() || (l.minPrice == nil && l.maxPrice == nil) {
		return nil
	}
	if l.tag != "" && !l.walkSort {
		return nil // a rare tag: its products are at most tagWalkMin rows to sort
	}
	q := "SELECT COUNT(*) FROM (SELECT 1 FROM products FORCE INDEX (idx_products_price) WHERE TRUE"
	var args []any
	if l.minPrice != nil {
		q, args = q+" AND price >= ?", append(args, *l.minPrice)
	}
	if l.maxPrice != nil {
		q, args = q+" AND price <= ?", append(args, *l.maxPrice)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, q+" LIMIT ?) x", append(args, sortMax)...).Scan(&n); err != nil {
		return fmt.Errorf("count products in the price range: %w", err)
	}
	l.price = priceWalkDrop
	if n < sortMax {
		l.price = priceByRange
	}
	return nil
}

// pickDrive sets the listing's driving gram, the one with the fewest
// postings, and orders the others rarest first. The counts are the
// optimizer's estimates (EXPLAIN: an index dive per gram, well under a
// millisecond), not COUNT(*), which at full size reads tens of thousands
// of postings per common gram; an estimate only has to rank the grams.
func (s *server) pickDrive(ctx context.Context, l *listing) error {
	if l.query.Empty() {
		return nil
	}
	l.drive, l.others = l.query.Grams[0], nil
	if len(l.query.Grams) == 1 {
		return nil
	}
	est, err := s.postingEstimates(ctx, l.query.Grams)
	if err != nil {
		return err
	}
	order := slices.Clone(l.query.Grams)
	slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(est[a], est[b]) })
	l.drive, l.others = order[0], order[1:]
	return nil
}

// postingEstimates are the optimizer's row estimates of each gram's
// postings, from one EXPLAIN of a UNION ALL (select i is gram i-1).
func (s *server) postingEstimates(ctx context.Context, grams []string) (map[string]int64, error) {
	parts := make([]string, len(grams))
	args := make([]any, len(grams))
	for i, g := range grams {
		parts[i] = "SELECT 1 FROM product_terms WHERE term = ?"
		args[i] = g
	}
	p, err := store.Explain(ctx, s.db, store.PlanQuery{Name: "posting estimates", SQL: strings.Join(parts, " UNION ALL "), Args: args})
	if err != nil {
		return nil, err
	}
	ids, counts := p.Column("id"), p.Column("rows")
	if ids == nil || counts == nil {
		return nil, fmt.Errorf("estimate postings: EXPLAIN has no id or rows column (%v)", p.Columns)
	}
	est := make(map[string]int64, len(grams))
	for i, v := range ids {
		id, err := strconv.Atoi(v)
		if err != nil || id < 1 || id > len(grams) {
			continue // the UNION RESULT row (id NULL)
		}
		n, _ := strconv.ParseInt(counts[i], 10, 64) // NULL counts as 0
		est[grams[id-1]] = n
	}
	return est, nil
}

func (s *server) listProducts(c *gin.Context) {
	l, err := s.parseListing(c)
	if err != nil {
		s.failErr(c, err)
		return
	}
	page, err := s.planAndRead(c, l, planLimits{tagWalk: tagWalkMin, priceSort: priceSortMax})
	if err != nil {
		s.failErr(c, fmt.Errorf("list products: %w", err))
		return
	}
	c.JSON(http.StatusOK, page)
}

// planLimits are the thresholds between plans: tagWalkMin and
// priceSortMax, or tests' values.
type planLimits struct{ tagWalk, priceSort int }

// planAndRead picks the listing's plan and reads its page.
func (s *server) planAndRead(c *gin.Context, l *listing, lim planLimits) (*ProductPage, error) {
	ctx := c.Request.Context()
	if err := s.pickDrive(ctx, l); err != nil {
		return nil, err
	}
	if err := s.planTag(ctx, l, lim.tagWalk); err != nil {
		return nil, err
	}
	if err := s.planPrice(ctx, l, lim.priceSort); err != nil {
		return nil, err
	}
	return s.readListing(c, l)
}

// readListing runs the listing's query and cuts the page, with the cursor
// of its last row when there are more.
func (s *server) readListing(c *gin.Context, l *listing) (*ProductPage, error) {
	q, args := l.sql()
	rows, err := s.db.QueryContext(c.Request.Context(), q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &ProductPage{Items: []*Product{}}
	var lastKey string
	for rows.Next() {
		var keyTime time.Time
		var keyInt int64
		var keyDest any = &keyInt
		if l.spec.isTime {
			keyDest = &keyTime
		}
		p, err := scanProduct(scanAppend{rows, []any{keyDest}})
		if err != nil {
			return nil, fmt.Errorf("scan product: %w", err)
		}
		if len(page.Items) == l.limit {
			page.NextCursor = cursor{Sort: l.sortName, Key: lastKey, ID: page.Items[l.limit-1].ID}.encode()
			break
		}
		page.Items = append(page.Items, p)
		if l.spec.isTime {
			lastKey = keyTime.UTC().Format(time.RFC3339Nano)
		} else {
			lastKey = strconv.FormatInt(keyInt, 10)
		}
	}
	return page, rows.Err()
}
