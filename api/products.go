package api

import (
	"context"
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
	"recent": {expr: "p.last_checked_at", desc: true, isTime: true},
	// Virtual columns of migration 00111, each with an index:
	// COALESCE(price, max int64) (unknown prices last),
	// COALESCE(price, -1), the discount in basis points, COALESCE(last_drop, 0).
	"price":        {expr: "p.sort_price"},
	"price_desc":   {expr: "p.sort_price_desc", desc: true},
	"discount":     {expr: "p.sort_discount", desc: true},
	"biggest_drop": {expr: "p.sort_drop", desc: true},
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

// historyParams are the from, to and variant of a history request.
type historyParams struct {
	from, to time.Time
	variant  int64
}

// parseHistoryParams reads from (default 90 days ago), to (default now)
// and variant (default 0, the product).
func parseHistoryParams(c *gin.Context) (historyParams, error) {
	h := historyParams{to: time.Now().UTC()}
	h.from = h.to.AddDate(0, 0, -90)
	var err error
	if v := c.Query("from"); v != "" {
		if h.from, err = parseTimeParam(v); err != nil {
			return h, badParam("from: %v", err)
		}
	}
	if v := c.Query("to"); v != "" {
		if h.to, err = parseTimeParam(v); err != nil {
			return h, badParam("to: %v", err)
		}
	}
	if h.to.Before(h.from) {
		return h, badParam("to is before from")
	}
	if v := c.Query("variant"); v != "" {
		if h.variant, err = strconv.ParseInt(v, 10, 64); err != nil || h.variant < 0 {
			return h, badParam("variant must be a variant id (0 for the product)")
		}
	}
	return h, nil
}

// history reads a product's observations for variant in [from, to],
// answering the request itself when it fails.
func (s *server) history(c *gin.Context) (*Product, []Observation, bool) {
	id, ok := pathID(c, "id")
	if !ok {
		return nil, nil, false
	}
	h, err := parseHistoryParams(c)
	if err != nil {
		s.failErr(c, err)
		return nil, nil, false
	}
	ctx := c.Request.Context()
	p, err := s.loadProduct(ctx, id)
	switch {
	case errors.Is(err, errNotFound):
		err = clientErr(http.StatusNotFound, "not-found", "product %d does not exist", id)
	case err == nil && h.variant != 0 && !hasVariant(p, h.variant):
		err = clientErr(http.StatusNotFound, "not-found", "product %d has no variant %d", id, h.variant)
	}
	if err != nil {
		s.failErr(c, err)
		return nil, nil, false
	}
	obs, err := s.observations(ctx, p, h)
	if err != nil {
		s.failErr(c, fmt.Errorf("history of %d: %w", id, err))
		return nil, nil, false
	}
	return p, obs, true
}

// observations reads the price history of p in h, oldest first.
func (s *server) observations(ctx context.Context, p *Product, h historyParams) ([]Observation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT observed_at, price, list_price, COALESCE(currency, ''), availability
		FROM price_observations WHERE product_id = ? AND variant_id = ? AND observed_at BETWEEN ? AND ?
		ORDER BY observed_at, id LIMIT 5000`, p.ID, h.variant, h.from, h.to)
	if err != nil {
		return nil, err
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
			return nil, fmt.Errorf("scan observation: %w", err)
		}
		if cur == "" {
			cur = p.Currency
		}
		o.At, o.VariantID = o.At.UTC(), h.variant
		o.Price, o.ListPrice = money(pr, cur), money(lp, cur)
		obs = append(obs, o)
	}
	return obs, rows.Err()
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
