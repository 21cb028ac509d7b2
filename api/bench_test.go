package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// benchHarness is setup for a benchmark (rate limits out of the way).
func benchHarness(b *testing.B, ttl time.Duration) *harness {
	b.Helper()
	hs := setup(b, func(d *Deps) {
		d.Config.IPRate, d.Config.IPBurst = 1e9, 1e9
		d.Config.UserRate, d.Config.UserBurst = 1e9, 1e9
		d.Config.ProductCacheTTL = ttl
	})
	return hs
}

// BenchmarkGetProduct measures GET /products/{id} over 100 products, with
// the cache off (every request reads MySQL) and at the default TTL.
func BenchmarkGetProduct(b *testing.B) {
	for _, ttl := range []time.Duration{0, time.Second} {
		b.Run("ttl="+ttl.String(), func(b *testing.B) {
			hs := benchHarness(b, ttl)
			var ids []int64
			for i := range 100 {
				id := hs.insertProduct(product{url: fmt.Sprintf("https://a.example/p%d", i), title: "P", price: 1000, listPrice: 2000})
				_, err := hs.db.Exec(`INSERT INTO product_variants (product_id, variant_key, name, availability) VALUES (?, 'v1', 'V', 'in_stock')`, id)
				if err != nil {
					b.Fatal(err)
				}
				hs.observe(id, 0, 1000, time.Now().Add(-time.Hour))
				ids = append(ids, id)
			}
			var n atomic.Int64
			b.ResetTimer()
			stats := readDBStats(b, hs.db)
			defer func() { stats.report(b, hs.db, b.N) }()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := ids[n.Add(1)%int64(len(ids))]
					w := httptest.NewRecorder()
					hs.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/products/%d", id), nil))
					if w.Code != http.StatusOK {
						b.Errorf("status %d: %s", w.Code, w.Body)
						return
					}
				}
			})
		})
	}
}

// BenchmarkCreateScrape measures POST /scrapes of new URLs (a scrape
// request and an outbox row per request) from 32 concurrent clients, with
// each request committed on its own (group=1) and with group commit.
func BenchmarkCreateScrape(b *testing.B) {
	for _, group := range []int{1, 64} {
		b.Run(fmt.Sprintf("group=%d", group), func(b *testing.B) {
			hs := setup(b, func(d *Deps) {
				d.Config.IPRate, d.Config.IPBurst = 1e9, 1e9
				d.Config.UserRate, d.Config.UserBurst = 1e9, 1e9
				d.Config.GroupCommitMax = group
			})
			var n atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			stats := readDBStats(b, hs.db)
			defer func() { stats.report(b, hs.db, b.N) }()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					body := fmt.Sprintf(`{"url":"https://shop.example/products/%d"}`, n.Add(1))
					req := httptest.NewRequest(http.MethodPost, "/api/v1/scrapes", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					w := httptest.NewRecorder()
					hs.h.ServeHTTP(w, req)
					if w.Code != http.StatusAccepted {
						b.Errorf("status %d: %s", w.Code, w.Body)
						return
					}
				}
			})
		})
	}
}
