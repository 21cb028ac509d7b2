package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ddokso/ddokso/price"
	"github.com/ddokso/ddokso/search"
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

// parseExact reads the exact-match filters.
func (l *listing) parseExact(c *gin.Context) error {
	for _, col := range []string{"shop", "category", "brand"} {
		if v := c.Query(col); v != "" {
			l.add("p."+col+" = ?", v)
		}
	}
	if v := c.Query("tag"); v != "" {
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
	}
	return nil
}

// keyExpr is the listing's order key (for a name search the weight of the
// driving gram in the product: title and brand 3, title 2, brand 1).
func (l *listing) keyExpr() string {
	if l.query.Empty() {
		return l.spec.expr
	}
	return "t0.weight"
}

// idExpr is the tie-breaker, on the driving table's index for a name search.
func (l *listing) idExpr() string {
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
	op := ">"
	if l.desc() {
		op = "<"
	}
	l.add(fmt.Sprintf("(%[1]s %[2]s ? OR (%[1]s = ? AND %[3]s %[2]s ?))", l.keyExpr(), op, l.idExpr()), key, key, cur.ID)
	return nil
}

// sql is the listing's query. A name search walks the postings of the
// query's rarest gram in rank order (index idx_product_terms_rank, joined
// first) and keeps the products that have every other gram (primary key
// lookups), so it stops after one page however common the words are.
func (l *listing) sql() (string, []any) {
	dir := "ASC"
	if l.desc() {
		dir = "DESC"
	}
	where := strings.Join(l.where, " AND ")
	order := fmt.Sprintf(" ORDER BY %s %s, %s %s LIMIT %d", l.keyExpr(), dir, l.idExpr(), dir, l.limit+1)
	if l.query.Empty() {
		return fmt.Sprintf("SELECT %s, %s FROM products p WHERE %s", productCols, l.spec.expr, where) + order, l.args
	}
	var b strings.Builder
	args := []any{}
	b.WriteString("SELECT STRAIGHT_JOIN " + productCols + ", t0.weight FROM product_terms t0 FORCE INDEX (idx_product_terms_rank)")
	n := 0
	for _, g := range l.query.Grams {
		if g == l.drive {
			continue
		}
		n++
		fmt.Fprintf(&b, " JOIN product_terms t%[1]d ON t%[1]d.term = ? AND t%[1]d.product_id = t0.product_id", n)
		args = append(args, g)
	}
	b.WriteString(" JOIN products p ON p.id = t0.product_id WHERE t0.term = ? AND " + where)
	args = append(args, l.drive)
	args = append(args, l.args...)
	return b.String() + order, args
}

// maxPostingCount caps the posting counts compared to pick the rarest gram.
const maxPostingCount = 5000

// pickDrive sets the listing's driving gram: the one with the fewest
// postings (counted up to maxPostingCount, in one round trip).
func (s *server) pickDrive(ctx context.Context, l *listing) error {
	if l.query.Empty() {
		return nil
	}
	l.drive = l.query.Grams[0]
	if len(l.query.Grams) == 1 {
		return nil
	}
	parts := make([]string, len(l.query.Grams))
	args := make([]any, 0, 2*len(l.query.Grams))
	for i, g := range l.query.Grams {
		parts[i] = fmt.Sprintf("SELECT ? AS term, (SELECT COUNT(*) FROM (SELECT 1 FROM product_terms WHERE term = ? LIMIT %d) x) AS n", maxPostingCount)
		args = append(args, g, g)
	}
	rows, err := s.db.QueryContext(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return fmt.Errorf("count postings: %w", err)
	}
	defer rows.Close()
	best := -1
	for rows.Next() {
		var term string
		var n int
		if err := rows.Scan(&term, &n); err != nil {
			return fmt.Errorf("count postings: %w", err)
		}
		if best < 0 || n < best {
			best, l.drive = n, term
		}
	}
	return rows.Err()
}

func (s *server) listProducts(c *gin.Context) {
	l, err := s.parseListing(c)
	if err != nil {
		s.failErr(c, err)
		return
	}
	if err := s.pickDrive(c.Request.Context(), l); err != nil {
		s.failErr(c, fmt.Errorf("list products: %w", err))
		return
	}
	page, err := s.readListing(c, l)
	if err != nil {
		s.failErr(c, fmt.Errorf("list products: %w", err))
		return
	}
	c.JSON(http.StatusOK, page)
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
