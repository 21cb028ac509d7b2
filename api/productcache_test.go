package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestGetProductVariantsInOrderAndNone(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	bare := hs.insertProduct(product{url: "https://a.example/bare", title: "No variants", price: 1000})
	id := hs.insertProduct(product{url: "https://a.example/many", title: "Three variants", price: 2000})
	for _, k := range []string{"b", "a", "c"} {
		_, err := hs.db.Exec(`INSERT INTO product_variants (product_id, variant_key, name, availability) VALUES (?, ?, ?, 'in_stock')`, id, k, "V"+k)
		require.NoError(t, err)
	}

	p := decode[Product](t, hs.do("GET", fmt.Sprintf("/api/v1/products/%d", bare), nil))
	require.Equal(t, "No variants", p.Title)
	require.Empty(t, p.Variants)
	require.Nil(t, p.Avg30d)

	w := hs.do("GET", fmt.Sprintf("/api/v1/products/%d", id), nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
	p = decode[Product](t, w)
	require.Equal(t, "Three variants", p.Title)
	require.Len(t, p.Variants, 3)
	require.Equal(t, []string{"b", "a", "c"}, []string{p.Variants[0].Key, p.Variants[1].Key, p.Variants[2].Key}, "variants in insertion (id) order")
}

func TestProductCacheServesUpToTTLOld(t *testing.T) {
	t.Parallel()
	const ttl = 300 * time.Millisecond
	hs := setup(t, func(d *Deps) { d.Config.ProductCacheTTL = ttl })
	id := hs.insertProduct(product{url: "https://a.example/cached", title: "Before", price: 1000})
	path := fmt.Sprintf("/api/v1/products/%d", id)

	require.Equal(t, "Before", decode[Product](t, hs.do("GET", path, nil)).Title)
	changed := time.Now()
	_, err := hs.db.Exec(`UPDATE products SET title = 'After' WHERE id = ?`, id)
	require.NoError(t, err)

	if got := decode[Product](t, hs.do("GET", path, nil)).Title; time.Since(changed) < ttl/2 {
		require.Equal(t, "Before", got, "a read within the TTL is served from the cache")
	}
	require.Eventually(t, func() bool {
		return decode[Product](t, hs.do("GET", path, nil)).Title == "After"
	}, 5*time.Second, 20*time.Millisecond, "the change shows once the TTL has passed")

	// Unknown ids are not cached: a product created after a 404 is served at once.
	requireProblem(t, hs.do("GET", "/api/v1/products/424242", nil), http.StatusNotFound, "not-found")
}

func TestProductCacheBounded(t *testing.T) {
	t.Parallel()
	c := newProductCache(time.Hour)
	loads := 0
	load := func(_ context.Context, id int64) (*Product, error) {
		loads++
		return &Product{ID: id}, nil
	}
	for id := range int64(productCacheMax + 50) {
		e, err := c.get(context.Background(), id, load)
		require.NoError(t, err)
		require.Equal(t, id, e.p.ID)
		require.JSONEq(t, fmt.Sprintf(`{"id":%d,"url":"","shop":"","price":null,"list_price":null,"discount_pct":null,"availability":"","all_time_low":null,"all_time_high":null,"last_drop":null,"check_status":"","last_checked_at":null,"watch_count":0}`, id), string(e.body))
	}
	require.LessOrEqual(t, len(c.m), productCacheMax)
	require.Equal(t, productCacheMax+50, loads)

	last := int64(productCacheMax + 49)
	_, err := c.get(context.Background(), last, load)
	require.NoError(t, err)
	require.Equal(t, productCacheMax+50, loads, "the latest entry is served from the cache")
}

func TestConfigRejectsNegativeProductCacheTTL(t *testing.T) {
	t.Parallel()
	c := Config{JWTSecret: testSecret, ProductCacheTTL: -time.Second}
	require.ErrorContains(t, c.Validate(), "product cache TTL")
}

// A pool smaller than the number of concurrent submissions must not
// deadlock while the statements are first prepared (preparing needs a
// second connection, which transactions must never wait for).
func TestConcurrentSubmitsOnSmallPool(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	hs.db.SetMaxOpenConns(2)
	const n = 16
	codes := make(chan int, n)
	for i := range n {
		go func() {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/scrapes", strings.NewReader(fmt.Sprintf(`{"url":"https://shop.example/small-pool/%d"}`, i)))
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			hs.h.ServeHTTP(w, req)
			codes <- w.Code
		}()
	}
	for range n {
		require.Equal(t, http.StatusAccepted, <-codes)
	}
	require.Equal(t, n, hs.count(`SELECT COUNT(*) FROM scrape_requests`))
	require.Equal(t, n, hs.count(`SELECT COUNT(*) FROM outbox`))
}
