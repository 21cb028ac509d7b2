package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// BareGin returns the baseline server: gin.New() with two handlers doing
// what a minimal endpoint must (bind a JSON body / write a JSON object), no
// middleware, no database.
func BareGin() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.POST("/api/v1/scrapes", func(c *gin.Context) {
		var in struct {
			URL string `json:"url"`
		}
		if err := c.ShouldBindJSON(&in); err != nil || in.URL == "" {
			c.JSON(http.StatusBadRequest, gin.H{"error": "url"})
			return
		}
		c.JSON(http.StatusAccepted, gin.H{"id": 1, "status": "pending", "url": in.URL})
	})
	e.GET("/api/v1/products/:id", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "title": "Trail Runner 2", "price": gin.H{"amount": "129000", "currency": "KRW"},
			"list_price": gin.H{"amount": "159000", "currency": "KRW"}, "availability": "in_stock", "variants": []any{}})
	})
	e.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	return e
}

// APIConfig sizes the API stage.
type APIConfig struct {
	// Duration of each closed-loop and open-loop run.
	Duration time.Duration
	// Conns is the closed-loop concurrency.
	Conns int
	// Rate is the open-loop request rate (req/s).
	Rate float64
	// Products seeded for GET /products/{id}.
	Products int
	// BenchBin is this program (run as `BenchBin baregin ADDR`).
	BenchBin string
}

// seedProducts inserts n checked products with a variant and 30 daily
// observations each, with MariaDB's sequence engine.
func seedProducts(ctx context.Context, s *System, n int) error {
	stmts := []string{
		fmt.Sprintf(`INSERT INTO products (url_hash, canonical_url, shop, shop_product_id, title, brand, currency, price, list_price,
  availability, all_time_low, all_time_high, check_status, last_checked_at, next_check_at, created_at)
SELECT SHA2(CONCAT('https://www.shop-example.com/products/', seq), 256), CONCAT('https://www.shop-example.com/products/', seq),
  'shop-example.com', seq, CONCAT('벤치 상품 ', seq), 'ddokso', 'KRW', 10000 + seq, 15000 + seq, 'in_stock', 9000 + seq, 16000 + seq,
  'ok', NOW(6), NOW(6) + INTERVAL 1 DAY, NOW(6) - INTERVAL 40 DAY FROM seq_1_to_%d`, n),
		`INSERT INTO product_variants (product_id, variant_key, name, options, price, list_price, availability, all_time_low)
SELECT id, 'v1', '블랙 / 270', '{"색상":"블랙","사이즈":"270"}', price, list_price, 'in_stock', all_time_low FROM products`,
		`INSERT INTO price_observations (product_id, variant_id, price, list_price, currency, availability, changed, observed_at)
SELECT p.id, 0, p.price + d.seq * 10, p.list_price, 'KRW', 'in_stock', 1, NOW(6) - INTERVAL d.seq DAY FROM products p JOIN seq_0_to_29 d`,
	}
	for _, q := range stmts {
		if _, err := s.DB.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("seed products: %w", err)
		}
	}
	return nil
}

// API measures POST /scrapes and GET /products/{id} of a `ddokso api`
// process (rate limits raised) against a bare gin process, closed loop
// (max throughput) and open loop at cfg.Rate, then shows the 429 behaviour
// of a second `ddokso api` with the default limits. It also returns the
// bare gin RSS (idle, under load) for the memory row.
func API(ctx context.Context, e *Env, cfg APIConfig) (Row, [2]int64) {
	row := Row{Stage: "4 API", Metric: "req/s (closed loop) and p99 at fixed rate",
		Goal:    fmt.Sprintf("≥ 0.5× bare gin throughput; p99 < 20 ms at %.0f req/s", cfg.Rate),
		Command: fmt.Sprintf("go run ./cmd/ddokso-bench -only 4 -api-duration %s -api-conns %d -api-rate %.0f", cfg.Duration, cfg.Conns, cfg.Rate)}
	var bareMem [2]int64
	s, err := e.NewSystem(ctx)
	if err != nil {
		row.Err = err
		return row, bareMem
	}
	defer s.Close()
	if err := seedProducts(ctx, s, cfg.Products); err != nil {
		row.Err = err
		return row, bareMem
	}
	apiAddr, _ := FreeAddr()
	api, err := s.Start("api", []string{"DDOKSO_HTTP_ADDR=" + apiAddr, "DDOKSO_API_USER_RATE=1000000", "DDOKSO_API_IP_RATE=1000000",
		"DDOKSO_API_USER_BURST=1000000", "DDOKSO_API_IP_BURST=1000000", "DDOKSO_LOG_LEVEL=error"}, "api")
	if err != nil {
		row.Err = err
		return row, bareMem
	}
	bareAddr, _ := FreeAddr()
	bare, err := Start("bare-gin", cfg.BenchBin, nil, "baregin", bareAddr)
	if err != nil {
		row.Err = err
		return row, bareMem
	}
	defer bare.Stop()
	if err := api.WaitHTTP(ctx, "http://"+apiAddr+"/readyz", 60*time.Second); err != nil {
		row.Err = err
		return row, bareMem
	}
	if err := bare.WaitHTTP(ctx, "http://"+bareAddr+"/healthz", 20*time.Second); err != nil {
		row.Err = err
		return row, bareMem
	}
	bareMem[0], _, _ = bare.RSS()

	run := prefixRun() // unique URLs: every POST creates a scrape request and an outbox row
	post := func(base string) RequestFunc {
		return func(i int64) (*http.Request, error) {
			body := fmt.Sprintf(`{"url":"http://127.0.0.1:9/products/%s-%d?utm_source=bench"}`, run, i)
			req, err := http.NewRequest(http.MethodPost, base+"/api/v1/scrapes", strings.NewReader(body))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
			}
			return req, err
		}
	}
	get := func(base string) RequestFunc {
		return func(i int64) (*http.Request, error) {
			return http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/products/%d", base, 1+i%int64(cfg.Products)), nil)
		}
	}
	client := NewClient(cfg.Conns)
	type pair struct{ ours, base LoadResult }
	results := map[string]*pair{}
	ok := true
	var summary []string
	row.Details = append(row.Details, fmt.Sprintf("`ddokso api` process (rate limits raised to 1e6/s) vs a bare gin process (`ddokso-bench baregin`), loopback, Go load generator in the bench process; %d connections closed loop for %s, then an open loop at %.0f req/s for %s (latency from the scheduled send time). %d products seeded with a variant and 30 observations each.",
		cfg.Conns, cfg.Duration, cfg.Rate, cfg.Duration, cfg.Products), "",
		"| endpoint | mode | ddokso | bare gin | throughput ratio |", "|---|---|---|---|---|")
	for _, ep := range []struct {
		name string
		mk   func(string) RequestFunc
	}{{"POST /scrapes", post}, {"GET /products/{id}", get}} {
		p := &pair{}
		results[ep.name] = p
		// Warm up both.
		_, _ = Closed(ctx, client, cfg.Conns, time.Second, ep.mk("http://"+bareAddr))
		_, _ = Closed(ctx, client, cfg.Conns, time.Second, ep.mk("http://"+apiAddr))
		if p.base, err = Closed(ctx, client, cfg.Conns, cfg.Duration, ep.mk("http://"+bareAddr)); err == nil {
			_, bareMem[1], _ = bare.RSS()
			p.ours, err = Closed(ctx, client, cfg.Conns, cfg.Duration, ep.mk("http://"+apiAddr))
		}
		if err != nil {
			row.Err = err
			return row, bareMem
		}
		openOurs, err := Open(ctx, client, cfg.Rate, cfg.Duration, ep.mk("http://"+apiAddr))
		if err != nil {
			row.Err = err
			return row, bareMem
		}
		openBase, err := Open(ctx, client, cfg.Rate, cfg.Duration, ep.mk("http://"+bareAddr))
		if err != nil {
			row.Err = err
			return row, bareMem
		}
		r := p.ours.RPS() / p.base.RPS()
		errs := p.ours.Errors() + openOurs.Errors() + p.base.Errors() + openBase.Errors()
		epOK := r >= 0.5 && openOurs.Lat.Quantile(0.99) < 20*time.Millisecond && errs == 0
		ok = ok && epOK
		row.Details = append(row.Details,
			fmt.Sprintf("| %s | closed, %d conns | %s | %s | %s |", ep.name, cfg.Conns, p.ours, p.base, ratio(p.ours.RPS(), p.base.RPS())),
			fmt.Sprintf("| %s | open, %.0f req/s | %s | %s | |", ep.name, cfg.Rate, openOurs, openBase))
		if errs > 0 {
			row.Details = append(row.Details, fmt.Sprintf("| %s | errors | %d (first: %s %s) | | |", ep.name, errs, p.ours.FirstErr, openOurs.FirstErr))
		}
		summary = append(summary, fmt.Sprintf("%s %.0f req/s p50 %s p99 %s; p99 %s at %.0f/s", ep.name, p.ours.RPS(),
			ms(p.ours.Lat.Quantile(0.5)), ms(p.ours.Lat.Quantile(0.99)), ms(openOurs.Lat.Quantile(0.99)), cfg.Rate))
		if row.Baseline != "" {
			row.Baseline += "; "
			row.Ratio += " / "
		}
		row.Baseline += fmt.Sprintf("%.0f req/s p50 %s p99 %s", p.base.RPS(), ms(p.base.Lat.Quantile(0.5)), ms(p.base.Lat.Quantile(0.99)))
		row.Ratio += ratio(p.ours.RPS(), p.base.RPS())
	}
	row.Ours = strings.Join(summary, "; ")
	row.Holds = holds(ok)

	// 429 behaviour with the default limits.
	limAddr, _ := FreeAddr()
	lim, err := s.Start("api-default-limits", []string{"DDOKSO_HTTP_ADDR=" + limAddr, "DDOKSO_LOG_LEVEL=error"}, "api")
	if err == nil {
		err = lim.WaitHTTP(ctx, "http://"+limAddr+"/readyz", 60*time.Second)
	}
	if err != nil {
		row.Details = append(row.Details, "", "429 run failed: "+err.Error())
		return row, bareMem
	}
	codes := map[int]int{}
	retryAfter := ""
	for i := range 100 {
		req, _ := post("http://" + limAddr)(int64(1_000_000 + i))
		resp, err := client.Do(req)
		if err != nil {
			codes[0]++
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		codes[resp.StatusCode]++
		if resp.StatusCode == http.StatusTooManyRequests && retryAfter == "" {
			retryAfter = resp.Header.Get("Retry-After")
		}
	}
	row.Details = append(row.Details, "", fmt.Sprintf("Rate limit (separate `ddokso api` with the default DDOKSO_API_IP_RATE=2/s, IP_BURST=40): 100 back-to-back anonymous POST /scrapes from one IP → status counts %v, first 429 had `Retry-After: %s`. The throughput runs above had no 429s and no errors other than listed.", codes, retryAfter))
	return row, bareMem
}

func prefixRun() string { return "b" + randomHex(3) }
