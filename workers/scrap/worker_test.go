package scrap_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/search"
	"github.com/ddokso/ddokso/store"
	"github.com/ddokso/ddokso/workers/scrap"
)

func TestFirstScrape(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	fx.shop.set(func(s *shop) {
		s.variants = []variantState{{"42-BLK", "블랙", 159000, true}, {"42-WHT", "화이트", 169000, false}}
	})
	before := time.Now().UTC()
	env := fx.scrape(t, fx.shop.URL())

	p, ok := fx.product(t)
	require.True(t, ok)
	require.Equal(t, "무선 이어폰 프로 2", p.Title)
	require.Equal(t, "소리", p.Brand)
	require.Equal(t, fx.shop.srv.URL+"/img/42.jpg", p.Image)
	require.Equal(t, "127.0.0.1", p.Shop)
	require.Equal(t, "KRW", p.Currency)
	require.Equal(t, int64(159000), p.Price.Int64)
	require.Equal(t, "in_stock", p.Availability)
	require.Equal(t, "8801234567893", p.GTIN)
	require.Equal(t, "ok", p.CheckStatus)
	require.Equal(t, int64(159000), p.AllTimeLow.Int64)
	require.Equal(t, int64(159000), p.AllTimeHigh.Int64)
	require.False(t, p.Drop.Valid, "no drop on first sight")
	require.True(t, p.LastChanged.Valid)
	require.Contains(t, p.Sources, `"price":"jsonld"`)
	require.WithinDuration(t, before.Add(store.ColdInterval), p.NextCheck, time.Minute)
	// The title and brand are indexed for name search in the same write.
	require.Equal(t, 1, fx.count(t, `SELECT COUNT(*) FROM product_terms WHERE term = '이어' AND product_id = ?`, p.ID))
	require.Equal(t, 1, fx.count(t, `SELECT COUNT(*) FROM product_terms WHERE term = '=소리' AND product_id = ?`, p.ID))

	require.Equal(t, 2, fx.count(t, `SELECT COUNT(*) FROM product_variants WHERE product_id = ?`, p.ID))
	var wht struct {
		price int64
		avail string
		name  string
	}
	require.NoError(t, fx.db.QueryRow(`SELECT price, availability, name FROM product_variants WHERE variant_key = '42-WHT'`).Scan(&wht.price, &wht.avail, &wht.name))
	require.Equal(t, int64(169000), wht.price)
	require.Equal(t, "out_of_stock", wht.avail)
	require.Equal(t, "화이트", wht.name)

	// One product-level and one per-variant observation, all "changed".
	require.Equal(t, 3, fx.count(t, `SELECT COUNT(*) FROM price_observations WHERE product_id = ? AND changed = 1`, p.ID))
	require.Equal(t, 1, fx.count(t, `SELECT COUNT(*) FROM price_observations WHERE variant_id = 0 AND price = 159000 AND currency = 'KRW'`))

	r := fx.requestOf(t, env)
	require.Equal(t, requestRow{Status: "done", ProductID: p.ID, Finished: true}, r)
	require.Empty(t, fx.priceChanges(t), "first sight is not a change")
	require.Zero(t, fx.count(t, `SELECT COUNT(*) FROM outbox`), "first sight announces nothing")
}

// TestRenameRewritesTerms follows the name search terms through first
// sight (written with the product's INSERT), an unchanged re-check (left
// alone) and a rename (old terms gone, new ones written, marker updated).
func TestRenameRewritesTerms(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	fx.scrape(t, fx.shop.URL())
	p, _ := fx.product(t)
	termsOf := func() string {
		var of string
		require.NoError(t, fx.db.QueryRow(`SELECT search_terms_of FROM products WHERE id = ?`, p.ID).Scan(&of))
		return of
	}
	require.Equal(t, search.TermsOf("무선 이어폰 프로 2", "소리"), termsOf())
	n := fx.count(t, `SELECT COUNT(*) FROM product_terms WHERE product_id = ?`, p.ID)
	require.Equal(t, len(search.Terms("무선 이어폰 프로 2", "소리")), n)

	fx.scrape(t, fx.shop.URL())
	require.Equal(t, search.TermsOf("무선 이어폰 프로 2", "소리"), termsOf())
	require.Equal(t, n, fx.count(t, `SELECT COUNT(*) FROM product_terms WHERE product_id = ?`, p.ID))

	fx.shop.set(func(s *shop) { s.title = "블루투스 스피커" })
	fx.scrape(t, fx.shop.URL())
	p2, _ := fx.product(t)
	require.Equal(t, "블루투스 스피커", p2.Title)
	require.Equal(t, search.TermsOf("블루투스 스피커", "소리"), termsOf())
	require.Zero(t, fx.count(t, `SELECT COUNT(*) FROM product_terms WHERE term = '이어' AND product_id = ?`, p.ID))
	require.Equal(t, 1, fx.count(t, `SELECT COUNT(*) FROM product_terms WHERE term = '스피' AND product_id = ?`, p.ID))
	require.Equal(t, len(search.Terms("블루투스 스피커", "소리")),
		fx.count(t, `SELECT COUNT(*) FROM product_terms WHERE product_id = ?`, p.ID))
}

func TestPriceChange(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	fx.scrape(t, fx.shop.URL())
	p0, _ := fx.product(t)

	// Unchanged check: no new "changed" observation, no event.
	fx.scrape(t, fx.shop.URL())
	require.Equal(t, 1, fx.count(t, `SELECT COUNT(*) FROM price_observations WHERE changed = 1`))
	require.Empty(t, fx.priceChanges(t))

	fx.shop.set(func(s *shop) { s.price = 139000 })
	fx.scrape(t, fx.shop.URL())

	p, _ := fx.product(t)
	require.Equal(t, p0.ID, p.ID)
	require.Equal(t, int64(139000), p.Price.Int64)
	require.Equal(t, int64(139000), p.AllTimeLow.Int64)
	require.Equal(t, int64(159000), p.AllTimeHigh.Int64)
	require.Equal(t, int64(20000), p.Drop.Int64)
	require.Equal(t, 2, fx.count(t, `SELECT COUNT(*) FROM price_observations WHERE changed = 1`), "exactly one new observation")

	pcs := fx.priceChanges(t)
	require.Len(t, pcs, 1)
	pc := pcs[0]
	var obsID int64
	require.NoError(t, fx.db.QueryRow(`SELECT id FROM price_observations WHERE price = 139000`).Scan(&obsID))
	require.Equal(t, p.ID, pc.ProductID)
	require.Equal(t, obsID, pc.ObservationID)
	require.Equal(t, "무선 이어폰 프로 2", pc.Title)
	require.Equal(t, fx.shop.URL(), pc.URL)
	require.Equal(t, "KRW", pc.Currency)
	require.Equal(t, []events.PriceChange{{
		OldPrice: i64(159000), NewPrice: i64(139000),
		OldAvailability: "in_stock", NewAvailability: "in_stock",
		AllTimeLow: i64(159000),
	}}, pc.Changes)
	require.Equal(t, 1, fx.count(t, `SELECT COUNT(*) FROM outbox`), "the drop is the only event")
}

func TestVariantChange(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	fx.shop.set(func(s *shop) {
		s.variants = []variantState{{"42-BLK", "블랙", 159000, true}, {"42-WHT", "화이트", 169000, false}}
	})
	fx.scrape(t, fx.shop.URL())
	fx.shop.set(func(s *shop) { s.variants[1].InStock = true; s.variants[1].Price = 165000 })
	fx.scrape(t, fx.shop.URL())

	pcs := fx.priceChanges(t)
	require.Len(t, pcs, 1)
	var whtID int64
	require.NoError(t, fx.db.QueryRow(`SELECT id FROM product_variants WHERE variant_key = '42-WHT'`).Scan(&whtID))
	require.Equal(t, []events.PriceChange{{
		VariantID: whtID, VariantName: "화이트",
		OldPrice: i64(169000), NewPrice: i64(165000),
		OldAvailability: "out_of_stock", NewAvailability: "in_stock",
		AllTimeLow: i64(169000),
	}}, pcs[0].Changes)
	require.Equal(t, 1, fx.count(t, `SELECT COUNT(*) FROM price_observations WHERE variant_id = ? AND price = 165000 AND availability = 'in_stock'`, whtID))
	require.Equal(t, 0, fx.count(t, `SELECT COUNT(*) FROM price_observations o JOIN product_variants v ON v.id = o.variant_id WHERE v.variant_key = '42-BLK' AND o.observed_at > (SELECT MIN(observed_at) FROM price_observations)`), "unchanged variant gets no new row")
}

func TestRedelivery(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	fx.scrape(t, fx.shop.URL())
	fx.shop.set(func(s *shop) { s.price = 149000 })
	env := fx.request(t, fx.shop.URL())

	// The same message delivered several times, twice at once.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fx.w.Handle(fx.ctx, env, &events.Message{ID: env.ID, ReceiveCount: i + 1})
		}()
	}
	wg.Wait()
	require.NoError(t, fx.w.Handle(fx.ctx, env, &events.Message{ID: env.ID, ReceiveCount: 4}))
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 2, fx.count(t, `SELECT COUNT(*) FROM price_observations WHERE changed = 1`))
	require.Len(t, fx.priceChanges(t), 1)
	require.Equal(t, 1, fx.count(t, `SELECT COUNT(*) FROM outbox`), "one event for the one applied change")
	require.Equal(t, 1, fx.count(t, `SELECT COUNT(*) FROM products`))
}

func TestConcurrentChecksOfOneProduct(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	// Different messages for one new product at once: one product row,
	// first-sight once, consistent all-time figures.
	var wg sync.WaitGroup
	envs := make([]events.Envelope, 4)
	for i := range envs {
		envs[i] = fx.request(t, fx.shop.URL())
	}
	errs := make([]error, len(envs))
	for i, env := range envs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fx.w.Handle(fx.ctx, env, nil)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	p, _ := fx.product(t)
	require.Equal(t, 1, fx.count(t, `SELECT COUNT(*) FROM products`))
	require.Equal(t, int64(159000), p.AllTimeLow.Int64)
	require.Equal(t, 1, fx.count(t, `SELECT COUNT(*) FROM price_observations WHERE changed = 1`))
	require.Empty(t, fx.priceChanges(t))
	require.Zero(t, fx.count(t, `SELECT COUNT(*) FROM outbox`))
}

func TestBlockedThenRecovered(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	fx.scrape(t, fx.shop.URL())

	fx.shop.set(func(s *shop) { s.status = http.StatusTooManyRequests; s.price = 139000 })
	env := fx.scrape(t, fx.shop.URL())
	r := fx.requestOf(t, env)
	require.Equal(t, "blocked", r.Status)
	require.Equal(t, "http 429", r.Reason)
	p, _ := fx.product(t)
	require.Equal(t, int64(159000), p.Price.Int64, "price untouched")
	require.Equal(t, "in_stock", p.Availability, "availability untouched")
	require.Equal(t, "blocked", p.CheckStatus)
	require.Equal(t, "http 429", p.CheckErr)
	require.Equal(t, 1, p.Failures)
	require.WithinDuration(t, time.Now().Add(2*store.ColdInterval), p.NextCheck, time.Minute, "backed off")
	require.Empty(t, fx.priceChanges(t))

	fx.shop.set(func(s *shop) { s.status = 0 })
	env = fx.scrape(t, fx.shop.URL())
	require.Equal(t, "done", fx.requestOf(t, env).Status)
	p, _ = fx.product(t)
	require.Equal(t, int64(139000), p.Price.Int64)
	require.Equal(t, "ok", p.CheckStatus)
	require.Equal(t, 0, p.Failures)
	pcs := fx.priceChanges(t)
	require.Len(t, pcs, 1)
	require.Equal(t, i64(159000), pcs[0].Changes[0].OldPrice)
	require.Equal(t, i64(139000), pcs[0].Changes[0].NewPrice)
}

func TestBlockedUnknownProduct(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	fx.shop.set(func(s *shop) { s.file = "../../extract/testdata/captcha.html" })
	env := fx.scrape(t, fx.shop.URL())
	r := fx.requestOf(t, env)
	require.Equal(t, "blocked", r.Status)
	require.Contains(t, r.Reason, "captcha")
	require.False(t, r.InFlight)
	require.Zero(t, r.ProductID)
	_, ok := fx.product(t)
	require.False(t, ok, "a captcha page creates no product")
	require.Zero(t, fx.count(t, `SELECT COUNT(*) FROM price_observations`))
}

// TestLateDeliveryKeepsTheFirstOutcome: a request blocked by a captcha,
// then a second message for it (a batch re-queue whose original turned up
// after all) finds a clean page. The check is recorded (the product now
// exists) but the request keeps its outcome. The chaos harness found a
// second check announcing "done" for a request whose outcome is "blocked".
func TestLateDeliveryKeepsTheFirstOutcome(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	fx.shop.set(func(s *shop) { s.file = "../../extract/testdata/captcha.html" })
	env := fx.scrape(t, fx.shop.URL())
	require.Equal(t, "blocked", fx.requestOf(t, env).Status)

	fx.shop.set(func(s *shop) { s.file = "" })
	var req events.ScrapeRequested
	require.NoError(t, env.Decode(&req))
	requeued := events.MustNew(fx.ctx, req, events.WithDedupKey(fmt.Sprintf("scrape-request:%d:requeue:1", req.ScrapeID)))
	require.NoError(t, fx.w.Handle(fx.ctx, requeued, &events.Message{ID: requeued.ID, ReceiveCount: 1}))

	r := fx.requestOf(t, env)
	require.Equal(t, "blocked", r.Status, "the first outcome is final")
	require.Zero(t, r.ProductID)
	_, ok := fx.product(t)
	require.True(t, ok, "the late check is recorded")
}

func TestNotModified(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	fx.shop.set(func(s *shop) { s.etag = true })
	fx.scrape(t, fx.shop.URL())
	p0, _ := fx.product(t)

	env := fx.scrape(t, fx.shop.URL())
	_, notMod := fx.shop.counts()
	require.Equal(t, 1, notMod, "second fetch is conditional and answered 304")
	require.Equal(t, "done", fx.requestOf(t, env).Status)
	p, _ := fx.product(t)
	require.Equal(t, p0.Price, p.Price)
	require.True(t, p.LastChecked.After(p0.LastChecked))
	require.Equal(t, p0.LastChanged, p.LastChanged)
	require.Equal(t, 1, fx.count(t, `SELECT COUNT(*) FROM price_observations`))
	require.Empty(t, fx.priceChanges(t))
}

func TestNotAProduct(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	fx.shop.set(func(s *shop) { s.file = "../../extract/testdata/article.html" })
	env := fx.scrape(t, fx.shop.URL())
	r := fx.requestOf(t, env)
	require.Equal(t, "not_a_product", r.Status)
	require.True(t, r.Finished)
	_, ok := fx.product(t)
	require.False(t, ok)
}

func TestInvalidURL(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	env := fx.scrape(t, "ftp://shop.example/products/1")
	r := fx.requestOf(t, env)
	require.Equal(t, "failed", r.Status)
	require.Contains(t, r.Reason, "invalid url")
	hits, _ := fx.shop.counts()
	require.Zero(t, hits)
}

func TestFetchFailures(t *testing.T) {
	t.Parallel()
	for name, breakIt := range map[string]func(fx *fixture) string{
		"timeout": func(fx *fixture) string {
			fx.shop.set(func(s *shop) { s.delay = 3 * time.Second })
			return "timeout"
		},
		"connection refused": func(fx *fixture) string {
			fx.shop.srv.Close()
			return "refused"
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fx := setup(t, func(o *options) {
				o.fetch.TotalTimeout = 300 * time.Millisecond
				o.cfg.MaxAttempts = 2
			})
			fx.scrape(t, fx.shop.URL())
			want := breakIt(fx)

			env := fx.request(t, fx.shop.URL())
			err := fx.w.Handle(fx.ctx, env, &events.Message{ID: env.ID, ReceiveCount: 1})
			require.Error(t, err, "an early attempt is left to a redelivery")
			require.False(t, events.IsPermanent(err))
			require.Equal(t, "pending", fx.requestOf(t, env).Status)

			require.NoError(t, fx.w.Handle(fx.ctx, env, &events.Message{ID: env.ID, ReceiveCount: 2}))
			r := fx.requestOf(t, env)
			require.Equal(t, "failed", r.Status)
			require.Contains(t, r.Reason, want)
			p, _ := fx.product(t)
			require.Equal(t, int64(159000), p.Price.Int64, "never a price of 0")
			require.Equal(t, "in_stock", p.Availability, "never out of stock")
			require.Equal(t, "failed", p.CheckStatus)
			require.Equal(t, 1, p.Failures)
			require.Empty(t, fx.priceChanges(t))
		})
	}
}

func TestForbiddenAddressFailsAtOnce(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	env := fx.request(t, "http://10.0.0.1/products/1")
	require.NoError(t, fx.w.Handle(fx.ctx, env, &events.Message{ID: env.ID, ReceiveCount: 1}))
	r := fx.requestOf(t, env)
	require.Equal(t, "failed", r.Status)
	require.Contains(t, r.Reason, "forbidden")
}

func TestOutOfStock(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	fx.scrape(t, fx.shop.URL())
	fx.shop.set(func(s *shop) { s.inStock = false })
	fx.scrape(t, fx.shop.URL())

	p, _ := fx.product(t)
	require.Equal(t, "out_of_stock", p.Availability)
	require.Equal(t, int64(159000), p.Price.Int64)
	pcs := fx.priceChanges(t)
	require.Len(t, pcs, 1)
	require.Equal(t, "in_stock", pcs[0].Changes[0].OldAvailability)
	require.Equal(t, "out_of_stock", pcs[0].Changes[0].NewAvailability)
	require.Equal(t, 1, fx.count(t, `SELECT COUNT(*) FROM price_observations WHERE availability = 'out_of_stock' AND changed = 1`))
}

func TestRescrapeWithoutRequestRow(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	fx.scrape(t, fx.shop.URL())
	p0, _ := fx.product(t)
	_, err := fx.db.Exec(`UPDATE products SET lease_until = ? WHERE id = ?`, time.Now().Add(time.Hour), p0.ID)
	require.NoError(t, err)
	fx.shop.set(func(s *shop) { s.price = 149000 })

	env := events.MustNew(fx.ctx, events.ScrapeRequested{URL: fx.shop.URL(), ProductID: p0.ID, Reason: "schedule"})
	require.NoError(t, fx.w.Handle(fx.ctx, env, nil))
	p, _ := fx.product(t)
	require.Equal(t, int64(149000), p.Price.Int64)
	require.Zero(t, fx.count(t, `SELECT COUNT(*) FROM products WHERE lease_until IS NOT NULL`))
	require.Len(t, fx.priceChanges(t), 1)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	var c scrap.Config
	require.NoError(t, c.Validate())
	require.Equal(t, scrap.Config{ConsumerName: "scrap", MaxAttempts: 3, FetchTimeout: 2 * time.Minute, Concurrency: 32}, c)
	c = scrap.Config{MaxAttempts: -1, FetchTimeout: time.Millisecond, Concurrency: -1}
	err := c.Validate()
	require.ErrorContains(t, err, "max attempts")
	require.ErrorContains(t, err, "fetch timeout")
	require.ErrorContains(t, err, "concurrency")
}
