package api

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
)

// searchProducts is GET /search: ?url= answers the URL's product when it
// is tracked and checked (a GET never starts a scrape: POST /scrapes
// does), ?q= is the name search of GET /products.
func (s *server) searchProducts(c *gin.Context) {
	raw, hasURL := c.GetQuery("url")
	if !hasURL {
		if _, ok := c.GetQuery("q"); !ok {
			fail(c, http.StatusBadRequest, "invalid-parameter", "give url (a product page) or q (words of a product's name)")
			return
		}
		s.listProducts(c)
		return
	}
	if len(c.Request.URL.Query()) != 1 {
		fail(c, http.StatusBadRequest, "invalid-parameter", "url takes no other parameters")
		return
	}
	canon, kind, err := canonicalURL(raw, s.cfg.localShops())
	if err != nil {
		fail(c, http.StatusBadRequest, kind, err.Error())
		return
	}
	notTracked := func() {
		fail(c, http.StatusNotFound, "not-tracked", fmt.Sprintf("%s is not tracked yet; submit it with POST /api/v1/scrapes", canon.URL))
	}
	ctx := c.Request.Context()
	var id int64
	err = s.db.QueryRowContext(ctx, `SELECT id FROM products WHERE url_hash = ? AND last_checked_at IS NOT NULL
		AND check_status NOT IN ('new', 'not_a_product')`, canon.Hash()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		notTracked()
		return
	}
	if err != nil {
		s.failErr(c, fmt.Errorf("search %s: %w", canon.URL, err))
		return
	}
	e, err := s.products.get(ctx, id, s.loadProduct)
	if err != nil {
		if errors.Is(err, errNotFound) {
			notTracked()
			return
		}
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "done", "product": e.p})
}
