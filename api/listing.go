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
	sortName     string
	spec         sortSpec
	query        search.Query // set for a name search
	drive        string       // the query's rarest gram, whose postings are walked
	others       []string     // the query's other grams: each other word's rarest first (see pickDrive)
	wordRare     int          // how many of others lead as another word's rarest gram
	driveEst     int64        // the optimizer's estimate of the drive's postings
	examine      int          // a name search's walk stops after examining this many rows (readSearch); 0: no bound
	ids          []int64      // a name search reads only these products' postings (readSearch)
	searchWindow int          // planLimits.searchWindow
	tag          string       // the tag filter, if any
	category     string       // the exact-match filters, if any
	shop         string
	brand        string
	access       access   // a common tag's chosen way of reading (planAccess)
	tagAt        int      // the index of the tag's EXISTS in where
	tagArgAt     int      // and of its argument in args
	indexes      []string // products' indexes of the given filters (see tagPlan)
	walkSort     bool     // a common tag: walk an index of products, test the tag per row
	minPrice     *int64   // the price range's bounds, in minor units
	maxPrice     *int64
	price        pricePlan // how a price range under sort=biggest_drop is read
	after        *afterKey // the cursor's position, if any
	limit        int
	where        []string
	args         []any
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
			switch col {
			case "shop":
				l.shop = v
			case "category":
				l.category = v
			default:
				l.brand = v
			}
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
	if (l.price == priceWalkDrop || l.price == priceTopDrop) && l.tag != "" {
		// The walk joins product_tags instead (see sql, readTopDrop).
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
	q := b.String()
	if l.ids != nil {
		// The few co-occurring products are read by the primary key
		// (term, product_id) and sorted, not found by a walk.
		q = strings.Replace(q, "FORCE INDEX (idx_product_terms_rank)", "FORCE INDEX (PRIMARY)", 1)
		q += " AND t0.product_id IN (" + store.Placeholders(len(l.ids)) + ")"
		for _, id := range l.ids {
			args = append(args, id)
		}
	}
	if l.examine > 0 {
		order += fmt.Sprintf(" ROWS EXAMINED %d", l.examine)
	}
	return q + order, args
}

// hintIndexes are the sort's index and the filters' indexes, once each.
// None starts with the product id, so product_tags cannot drive the join.
func (l *listing) hintIndexes() []string {
	if l.access.index != "" {
		return []string{l.access.index}
	}
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
	priceWalkDrop                  // many, a page near the walk's start: walk (sort_drop, id, sort_price), index only, in order
	priceTopDrop                   // many, few near the start: read the range off (sort_price, sort_drop, id), keep the biggest drops
)

// dropProbe is how many entries of idx_products_drop_price, from where the
// page starts, planPrice reads (index only, well under a millisecond) to
// see whether the walk finds a page there: drop size follows price, so a
// cheap range (1,000-5,000 won at 500,000 products) has no product among
// the first 355,000 entries, and the walk read them all (55-250 ms).
const dropProbe = 4096

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
// rare tag (planTag) keeps its plan. A range with more walks the drop
// index when a probe of lim.dropProbe entries from the page's start finds
// a page in the range there (times 4 with a tag, tested after the price),
// and otherwise reads the range off (sort_price, sort_drop, id) and keeps
// the biggest drops (priceTopDrop).
func (s *server) planPrice(ctx context.Context, l *listing, lim planLimits) error {
	sortMax := lim.priceSort
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
	if n < sortMax {
		l.price = priceByRange
		return nil
	}
	if lim.price != priceDefault {
		l.price = lim.price
		return nil
	}
	l.price = priceWalkDrop
	inWindow, err := s.probeDropWalk(ctx, l, lim.dropProbe)
	if err != nil {
		return err
	}
	need := l.limit + 1
	if l.tag != "" {
		need *= 4
	}
	if inWindow < need {
		l.price = priceTopDrop
	}
	return nil
}

// probeDropWalk counts the products in the price range among the first
// window entries of idx_products_drop_price from the page's start.
func (s *server) probeDropWalk(ctx context.Context, l *listing, window int) (int, error) {
	where, args := []string{"TRUE"}, []any{}
	if a := l.after; a != nil {
		where, args = append(where, "(d.sort_drop < ? OR (d.sort_drop = ? AND d.id < ?))"), append(args, a.key, a.key, a.id)
	}
	bounds, bargs := l.priceBounds("x.sort_price")
	q := fmt.Sprintf("SELECT COUNT(*) FROM (SELECT d.sort_price FROM products d FORCE INDEX (idx_products_drop_price) WHERE %s"+
		" ORDER BY d.sort_drop DESC, d.id DESC LIMIT ?) x WHERE %s", strings.Join(where, " AND "), bounds)
	var n int
	if err := s.db.QueryRowContext(ctx, q, append(append(args, window), bargs...)...).Scan(&n); err != nil {
		return 0, fmt.Errorf("probe the drop walk: %w", err)
	}
	return n, nil
}

// topDropSQL reads the k candidates of priceTopDrop after the position
// after (if any): the biggest drops of the price range, index only.
func (l *listing) topDropSQL(after *afterKey, k int) (string, []any) {
	bounds, args := l.priceBounds("c.sort_price")
	if after != nil {
		bounds += " AND (c.sort_drop < ? OR (c.sort_drop = ? AND c.id < ?))"
		args = append(args, after.key, after.key, after.id)
	}
	return "SELECT c.id, c.sort_drop FROM products c FORCE INDEX (idx_products_price_drop) WHERE " +
		bounds + " ORDER BY c.sort_drop DESC, c.id DESC LIMIT ?", append(args, k)
}

// priceBounds are the price range as conditions on col (sort_price: a
// known price; an unknown one is the largest int64).
func (l *listing) priceBounds(col string) (string, []any) {
	conds, args := []string{col + " < 9223372036854775807"}, []any{}
	if l.minPrice != nil {
		conds, args = append(conds, col+" >= ?"), append(args, *l.minPrice)
	}
	if l.maxPrice != nil {
		conds, args = append(conds, col+" <= ?"), append(args, *l.maxPrice)
	}
	return strings.Join(conds, " AND "), args
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
	l.drive, l.driveEst = order[0], est[order[0]]
	// The grams of one word occur together, so a probe of the drive's own
	// word almost always matches and filters nothing: the rarest gram of
	// every other word is probed first (노트북 운동화 walked 노트 and probed
	// 트북 before 운동: twice the probes).
	first := map[string]bool{}
	for _, w := range l.query.Words {
		ws := search.ParseQuery(strings.TrimPrefix(w, "=")).Grams
		if len(ws) == 0 || slices.Contains(ws, l.drive) {
			continue
		}
		first[slices.MinFunc(ws, func(a, b string) int { return cmp.Compare(est[a], est[b]) })] = true
	}
	l.others = nil
	for _, g := range order[1:] {
		if first[g] {
			l.others = append(l.others, g)
		}
	}
	l.wordRare = len(l.others)
	for _, g := range order[1:] {
		if !first[g] {
			l.others = append(l.others, g)
		}
	}
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
	page, err := s.planAndRead(c, l, planLimits{tagWalk: tagWalkMin, priceSort: priceSortMax, dropProbe: dropProbe, searchWindow: searchWindow})
	if err != nil {
		s.failErr(c, fmt.Errorf("list products: %w", err))
		return
	}
	c.JSON(http.StatusOK, page)
}

// planLimits are the thresholds between plans: tagWalkMin and
// priceSortMax, or tests' values.
type planLimits struct {
	tagWalk, priceSort int
	dropProbe          int       // the window of planPrice's probe of the drop walk
	price              pricePlan // forces a many-product range's plan (priceWalkDrop or priceTopDrop)
	access             string    // forces a common tag's access (planAccess), when it is one of the listing's
	searchWindow       int       // rows a name search's walk examines before it intersects posting lists (readSearch); 0: never
}

// planAndRead picks the listing's plan and reads its page.
func (s *server) planAndRead(c *gin.Context, l *listing, lim planLimits) (*ProductPage, error) {
	ctx := c.Request.Context()
	if err := s.pickDrive(ctx, l); err != nil {
		return nil, err
	}
	if err := s.planTag(ctx, l, lim.tagWalk); err != nil {
		return nil, err
	}
	if err := s.planPrice(ctx, l, lim); err != nil {
		return nil, err
	}
	if err := s.planAccess(ctx, l, lim.access); err != nil {
		return nil, err
	}
	l.searchWindow = lim.searchWindow
	return s.readListing(c, l)
}

// readListing runs the listing's query and cuts the page, with the cursor
// of its last row when there are more.
func (s *server) readListing(c *gin.Context, l *listing) (*ProductPage, error) {
	var items []keyedProduct
	var err error
	if l.price == priceTopDrop {
		items, err = s.readTopDrop(c.Request.Context(), l)
	} else if l.searchWindow > 0 && l.wordRare > 0 && l.driveEst > int64(l.searchWindow) {
		items, err = s.readSearch(c.Request.Context(), l)
	} else {
		q, args := l.sql()
		items, err = s.queryKeyed(c.Request.Context(), l, q, args, l.limit+1)
	}
	if err != nil {
		return nil, err
	}
	page := &ProductPage{Items: []*Product{}}
	for i, it := range items {
		if i == l.limit {
			prev := items[i-1]
			page.NextCursor = cursor{Sort: l.sortName, Key: prev.key, ID: prev.p.ID}.encode()
			break
		}
		page.Items = append(page.Items, it.p)
	}
	return page, nil
}

// keyedProduct is a listed product with its order key as the cursor
// spells it.
type keyedProduct struct {
	p   *Product
	key string
}

// queryKeyed runs a listing query (product columns, then the order key)
// and reads up to max rows.
func (s *server) queryKeyed(ctx context.Context, l *listing, q string, args []any, max int) ([]keyedProduct, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []keyedProduct
	for len(out) < max && rows.Next() {
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
		key := strconv.FormatInt(keyInt, 10)
		if l.spec.isTime {
			key = keyTime.UTC().Format(time.RFC3339Nano)
		}
		out = append(out, keyedProduct{p, key})
	}
	return out, rows.Err()
}

// topDropFirst is the first batch of candidates priceTopDrop reads per
// row of the page; each further batch is topDropGrowth times larger.
const (
	topDropFirst  = 4
	topDropGrowth = 8
)

// readTopDrop reads a biggest_drop page of a price range with many
// products (priceTopDrop): the range off idx_products_price_drop, index
// only, keeping the candidates with the biggest drops (a bounded sort of
// (sort_drop, id) pairs, no row read), then those candidates' rows with
// every filter. When too few pass, the next batch continues after the
// last candidate, so the page is the walk's page in the same order.
func (s *server) readTopDrop(ctx context.Context, l *listing) ([]keyedProduct, error) {
	need := l.limit + 1
	var out []keyedProduct
	after := l.after
	for k := need * topDropFirst; ; k *= topDropGrowth {
		q, args := l.topDropSQL(after, k)
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("read the price range's biggest drops: %w", err)
		}
		var ids []any
		var last afterKey
		for rows.Next() {
			var drop int64
			if err := rows.Scan(&last.id, &drop); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan a candidate: %w", err)
			}
			last.key = drop
			ids = append(ids, last.id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read the price range's biggest drops: %w", err)
		}
		if len(ids) > 0 {
			where, wargs := l.whereArgs()
			tagJoin, targs := "", []any{}
			if l.tag != "" {
				tagJoin, targs = " JOIN product_tags t ON t.product_id = p.id AND t.tag = ?", []any{l.tag}
			}
			q := fmt.Sprintf("SELECT STRAIGHT_JOIN %s, p.sort_drop FROM products p%s WHERE p.id IN (%s) AND %s ORDER BY p.sort_drop DESC, p.id DESC LIMIT %d",
				productCols, tagJoin, store.Placeholders(len(ids)), where, need-len(out))
			got, err := s.queryKeyed(ctx, l, q, append(append(targs, ids...), wargs...), need-len(out))
			if err != nil {
				return nil, err
			}
			out = append(out, got...)
		}
		if len(out) >= need || len(ids) < k {
			return out, nil
		}
		after = &last
	}
}
