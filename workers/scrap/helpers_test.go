package scrap_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/fetch"
	"github.com/ddokso/ddokso/internal/storetest"
	"github.com/ddokso/ddokso/shopurl"
	"github.com/ddokso/ddokso/workers/scrap"
)

// variantState is one option of the test product.
type variantState struct {
	SKU, Color string
	Price      int64
	InStock    bool
}

// shop is an httptest product page whose price, stock and behaviour tests
// change between checks.
type shop struct {
	srv *httptest.Server

	mu       sync.Mutex
	price    int64 // product price (no variants) or shown price
	inStock  bool
	variants []variantState
	status   int           // answer with this status and a short body instead of the page
	file     string        // serve this file instead of the page
	delay    time.Duration // sleep before answering
	etag     bool          // send an ETag and honour If-None-Match
	title    string        // the product's name, when not "무선 이어폰 프로 2"
	hits     int
	notMod   int
}

func newShop(t testing.TB) *shop {
	s := &shop{price: 159000, inStock: true}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *shop) set(fn func(s *shop)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s)
}

// URL is the product page's address.
func (s *shop) URL() string { return s.srv.URL + "/products/42" }

func (s *shop) counts() (hits, notModified int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits, s.notMod
}

func (s *shop) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/robots.txt" {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.hits++
	status, file, delay, etag := s.status, s.file, s.delay, s.etag
	body := s.page()
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body>%d</body></html>", status)
		return
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		body = string(b)
	}
	if etag {
		tag := fmt.Sprintf(`"%x"`, len(body)*31+strings.Count(body, "0"))
		w.Header().Set("ETag", tag)
		if r.Header.Get("If-None-Match") == tag {
			s.mu.Lock()
			s.notMod++
			s.mu.Unlock()
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(body))
}

func won(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func schemaAvail(in bool) string {
	if in {
		return "https://schema.org/InStock"
	}
	return "https://schema.org/OutOfStock"
}

// page renders the product page; the caller holds s.mu.
func (s *shop) page() string {
	page := s.defaultPage()
	if s.title != "" {
		page = strings.ReplaceAll(page, "무선 이어폰 프로 2", s.title)
	}
	return page
}

func (s *shop) defaultPage() string {
	base := s.srv.URL
	var ld string
	if len(s.variants) == 0 {
		ld = fmt.Sprintf(`{"@context":"https://schema.org","@type":"Product","name":"무선 이어폰 프로 2","sku":"42","gtin13":"8801234567893",
"brand":{"@type":"Brand","name":"소리"},"image":"%s/img/42.jpg",
"offers":{"@type":"Offer","price":"%d","priceCurrency":"KRW","availability":"%s"}}`, base, s.price, schemaAvail(s.inStock))
	} else {
		var vs []string
		for _, v := range s.variants {
			vs = append(vs, fmt.Sprintf(`{"@type":"Product","sku":%q,"name":"무선 이어폰 프로 2 - %s","color":%q,
"offers":{"@type":"Offer","price":"%d","priceCurrency":"KRW","availability":"%s"}}`, v.SKU, v.Color, v.Color, v.Price, schemaAvail(v.InStock)))
		}
		ld = fmt.Sprintf(`{"@context":"https://schema.org","@type":"ProductGroup","name":"무선 이어폰 프로 2","productGroupID":"42","gtin13":"8801234567893",
"brand":{"@type":"Brand","name":"소리"},"image":"%s/img/42.jpg","variesBy":["https://schema.org/color"],"hasVariant":[%s]}`, base, strings.Join(vs, ",\n"))
	}
	stock := "재고 있음"
	if !s.inStock {
		stock = "품절"
	}
	return fmt.Sprintf(`<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8">
<title>무선 이어폰 프로 2 | 테스트샵</title>
<link rel="canonical" href="%s/products/42">
<meta property="og:title" content="무선 이어폰 프로 2">
<meta property="og:image" content="%s/img/42.jpg">
<script type="application/ld+json">%s</script>
</head><body>
<main><h1 class="product-title">무선 이어폰 프로 2</h1>
<div class="price-box"><strong class="price">%s원</strong> <span class="stock">%s</span></div>
<p class="desc">노이즈 캔슬링과 공간 음향을 지원하는 무선 이어폰입니다. 최대 30시간 재생, IPX4 방수, 무선 충전 케이스 포함.
정품 보증 1년, 전국 무료 배송. 오늘 주문하면 내일 도착합니다. 교환 및 반품은 수령 후 7일 이내에 가능합니다.</p>
</main></body></html>`, base, base, ld, won(s.price), stock)
}

// fixture is one test's database, shop and worker.
type fixture struct {
	ctx  context.Context
	db   *sql.DB
	shop *shop
	w    *scrap.Worker
}

type options struct {
	fetch fetch.Config
	cfg   scrap.Config
}

func setup(t testing.TB, opts ...func(*options)) *fixture {
	t.Helper()
	sh := newShop(t)
	port := sh.srv.Listener.Addr().(*net.TCPAddr).Port
	o := options{fetch: fetch.Config{AllowLoopback: true, Ports: []int{port}, Retries: -1, TotalTimeout: 5 * time.Second}}
	for _, fn := range opts {
		fn(&o)
	}
	f, err := fetch.New(o.fetch)
	require.NoError(t, err)
	t.Cleanup(f.Close)
	db := storetest.New(t)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := scrap.New(db, f, o.cfg, log)
	require.NoError(t, err)
	return &fixture{ctx: context.Background(), db: db, shop: sh, w: w}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// request inserts a pending scrape request for url and returns its event.
func (fx *fixture) request(t testing.TB, url string) events.Envelope {
	t.Helper()
	hash := "x" + events.MustNew(fx.ctx, events.ScrapeRequested{URL: url}).ID // unique placeholder
	if len(hash) > 64 {
		hash = hash[:64]
	}
	r, err := fx.db.ExecContext(fx.ctx, `INSERT INTO scrape_requests (url, canonical_url, url_hash, in_flight_hash, reason) VALUES (?, ?, ?, ?, 'user')`,
		url, url, hash, hash)
	require.NoError(t, err)
	id, err := r.LastInsertId()
	require.NoError(t, err)
	// As the API does: a request for a URL whose product exists names it.
	var productID int64
	if c, err := shopurl.Canonicalize(url); err == nil {
		_ = fx.db.QueryRowContext(fx.ctx, `SELECT id FROM products WHERE url_hash = ?`, c.Hash()).Scan(&productID)
	}
	return events.MustNew(fx.ctx, events.ScrapeRequested{ScrapeID: id, URL: url, ProductID: productID, Reason: "user"})
}

// scrape requests url and handles the event as a final delivery.
func (fx *fixture) scrape(t testing.TB, url string) events.Envelope {
	t.Helper()
	env := fx.request(t, url)
	require.NoError(t, fx.w.Handle(fx.ctx, env, &events.Message{ID: env.ID, ReceiveCount: 1}))
	return env
}

func (fx *fixture) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, fx.db.QueryRowContext(fx.ctx, query, args...).Scan(&n))
	return n
}

// requestRow is a scrape request's outcome.
type requestRow struct {
	Status, Reason string
	ProductID      int64
	Finished       bool
	InFlight       bool
}

func (fx *fixture) requestOf(t testing.TB, env events.Envelope) requestRow {
	t.Helper()
	var p events.ScrapeRequested
	require.NoError(t, env.Decode(&p))
	var (
		r      requestRow
		reason sql.NullString
		pid    sql.NullInt64
	)
	require.NoError(t, fx.db.QueryRowContext(fx.ctx, `SELECT status, status_reason, product_id, finished_at IS NOT NULL, in_flight_hash IS NOT NULL FROM scrape_requests WHERE id = ?`, p.ScrapeID).
		Scan(&r.Status, &reason, &pid, &r.Finished, &r.InFlight))
	r.Reason, r.ProductID = reason.String, pid.Int64
	return r
}

// productRow is the part of a product row tests look at.
type productRow struct {
	ID                            int64
	Title, Brand, Image, Shop     string
	Currency, Availability        string
	Price, ListPrice              sql.NullInt64
	AllTimeLow, AllTimeHigh, Drop sql.NullInt64
	GTIN, CheckStatus, CheckErr   string
	Failures                      int
	LastChecked, NextCheck        time.Time
	LastChanged                   sql.NullTime
	Sources                       string
}

func (fx *fixture) product(t testing.TB) (productRow, bool) {
	t.Helper()
	var (
		p                                             productRow
		title, brand, image, cur, gtin, cerr, sources sql.NullString
		checked, next                                 sql.NullTime
	)
	err := fx.db.QueryRowContext(fx.ctx, `SELECT id, title, brand, image, shop, currency, availability, price, list_price,
		all_time_low, all_time_high, last_drop, gtin, check_status, check_error, consecutive_failures,
		last_checked_at, next_check_at, last_changed_at, sources FROM products`).
		Scan(&p.ID, &title, &brand, &image, &p.Shop, &cur, &p.Availability, &p.Price, &p.ListPrice,
			&p.AllTimeLow, &p.AllTimeHigh, &p.Drop, &gtin, &p.CheckStatus, &cerr, &p.Failures,
			&checked, &next, &p.LastChanged, &sources)
	if err == sql.ErrNoRows {
		return p, false
	}
	require.NoError(t, err)
	p.Title, p.Brand, p.Image, p.Currency, p.GTIN, p.CheckErr, p.Sources = title.String, brand.String, image.String, cur.String, gtin.String, cerr.String, sources.String
	p.LastChecked, p.NextCheck = checked.Time, next.Time
	return p, true
}

// outbox returns the envelopes of one type in the outbox, oldest first.
func (fx *fixture) outbox(t testing.TB, typ string) []events.Envelope {
	t.Helper()
	return storetest.Outbox(t, fx.db, typ)
}

func (fx *fixture) priceChanges(t testing.TB) []events.PriceChanged {
	t.Helper()
	var out []events.PriceChanged
	for _, env := range fx.outbox(t, events.TypePriceChanged) {
		var p events.PriceChanged
		require.NoError(t, env.Decode(&p))
		out = append(out, p)
	}
	return out
}

func i64(n int64) *int64 { return &n }
