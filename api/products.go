package api

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// sortSpec is one product ordering: a non-null key expression and direction,
// with the id as tie-breaker in the same direction.
type sortSpec struct {
	expr   string
	desc   bool
	isTime bool
}

var productSorts = map[string]sortSpec{
	"recent":       {expr: "p.last_checked_at", desc: true, isTime: true},
	"price":        {expr: "COALESCE(p.price, 9223372036854775807)"},
	"price_desc":   {expr: "COALESCE(p.price, -1)", desc: true},
	"discount":     {expr: "(CASE WHEN p.list_price > 0 AND p.price IS NOT NULL AND p.list_price > p.price THEN (p.list_price - p.price) * 10000 DIV p.list_price ELSE 0 END)", desc: true},
	"biggest_drop": {expr: "COALESCE(p.last_drop, 0)", desc: true},
}

// cursor is the opaque keyset position after the last row of a page.
type cursor struct {
	Sort string `json:"s"`
	Key  string `json:"k"`
	ID   int64  `json:"i"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, fmt.Errorf("cursor is not base64url: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("cursor is malformed: %w", err)
	}
	return c, nil
}

// scanAppend scans a row into scanProduct's destinations plus extra ones.
type scanAppend struct {
	r     rowScanner
	extra []any
}

func (s scanAppend) Scan(dest ...any) error { return s.r.Scan(append(dest, s.extra...)...) }

func (s *server) getProduct(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	e, err := s.products.get(c.Request.Context(), id, s.loadProduct)
	if errors.Is(err, errNotFound) {
		fail(c, http.StatusNotFound, "not-found", fmt.Sprintf("product %d does not exist", id))
		return
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", e.body)
}

// Observation is one point of a price history.
type Observation struct {
	At           time.Time `json:"at"`
	VariantID    int64     `json:"variant_id"`
	Price        *Money    `json:"price"`
	ListPrice    *Money    `json:"list_price"`
	Availability string    `json:"availability"`
}

// parseTimeParam accepts RFC 3339 or YYYY-MM-DD (UTC midnight).
func parseTimeParam(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not RFC 3339 or YYYY-MM-DD", v)
	}
	return t, nil
}

// history reads a product's observations for variant in [from, to].
func (s *server) history(c *gin.Context) (*Product, []Observation, bool) {
	id, ok := pathID(c, "id")
	if !ok {
		return nil, nil, false
	}
	ctx := c.Request.Context()
	to := time.Now().UTC()
	from := to.AddDate(0, 0, -90)
	var err error
	if v := c.Query("from"); v != "" {
		if from, err = parseTimeParam(v); err != nil {
			fail(c, http.StatusBadRequest, "invalid-parameter", "from: "+err.Error())
			return nil, nil, false
		}
	}
	if v := c.Query("to"); v != "" {
		if to, err = parseTimeParam(v); err != nil {
			fail(c, http.StatusBadRequest, "invalid-parameter", "to: "+err.Error())
			return nil, nil, false
		}
	}
	if to.Before(from) {
		fail(c, http.StatusBadRequest, "invalid-parameter", "to is before from")
		return nil, nil, false
	}
	var variant int64
	if v := c.Query("variant"); v != "" {
		if variant, err = strconv.ParseInt(v, 10, 64); err != nil || variant < 0 {
			fail(c, http.StatusBadRequest, "invalid-parameter", "variant must be a variant id (0 for the product)")
			return nil, nil, false
		}
	}
	p, err := s.loadProduct(ctx, id)
	if errors.Is(err, errNotFound) {
		fail(c, http.StatusNotFound, "not-found", fmt.Sprintf("product %d does not exist", id))
		return nil, nil, false
	}
	if err != nil {
		s.failErr(c, err)
		return nil, nil, false
	}
	if variant != 0 && !hasVariant(p, variant) {
		fail(c, http.StatusNotFound, "not-found", fmt.Sprintf("product %d has no variant %d", id, variant))
		return nil, nil, false
	}
	rows, err := s.db.QueryContext(ctx, `SELECT observed_at, price, list_price, COALESCE(currency, ''), availability
		FROM price_observations WHERE product_id = ? AND variant_id = ? AND observed_at BETWEEN ? AND ?
		ORDER BY observed_at, id LIMIT 5000`, id, variant, from, to)
	if err != nil {
		s.failErr(c, fmt.Errorf("history of %d: %w", id, err))
		return nil, nil, false
	}
	defer rows.Close()
	obs := []Observation{}
	for rows.Next() {
		var (
			o      Observation
			pr, lp sql.NullInt64
			cur    string
		)
		if err := rows.Scan(&o.At, &pr, &lp, &cur, &o.Availability); err != nil {
			s.failErr(c, fmt.Errorf("scan observation: %w", err))
			return nil, nil, false
		}
		if cur == "" {
			cur = p.Currency
		}
		o.At, o.VariantID = o.At.UTC(), variant
		o.Price, o.ListPrice = money(pr, cur), money(lp, cur)
		obs = append(obs, o)
	}
	if err := rows.Err(); err != nil {
		s.failErr(c, fmt.Errorf("history of %d: %w", id, err))
		return nil, nil, false
	}
	return p, obs, true
}

func hasVariant(p *Product, id int64) bool {
	for _, v := range p.Variants {
		if v.ID == id {
			return true
		}
	}
	return false
}

func (s *server) productPrices(c *gin.Context) {
	p, obs, ok := s.history(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, gin.H{"product_id": p.ID, "currency": p.Currency, "observations": obs})
}
