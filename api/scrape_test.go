package api

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
)

type submitted struct {
	ID      int64    `json:"id"`
	Status  string   `json:"status"`
	Product *Product `json:"product"`
}

func TestCreateScrape(t *testing.T) {
	t.Parallel()
	hs := setup(t)

	w := hs.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://shop.example.com/item/1?utm_source=x"},
		withToken(token(t, "alice")), withHeader("X-Request-ID", "req-abc-1"))
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	s := decode[submitted](t, w)
	require.Equal(t, "pending", s.Status)
	require.NotZero(t, s.ID)
	require.Equal(t, fmt.Sprintf("/api/v1/scrapes/%d", s.ID), w.Header().Get("Location"))
	require.Equal(t, fmt.Sprintf(`{"id":%d,"status":"pending"}`, s.ID), w.Body.String(), "what gin's c.JSON wrote")
	require.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
	require.Equal(t, "req-abc-1", w.Header().Get("X-Request-ID"))
	require.EqualValues(t, 1, hs.kicks.Load())

	// The outbox holds one scrape.requested with the canonical URL, the
	// user and the request id as correlation id.
	var body string
	require.NoError(t, hs.db.QueryRow(`SELECT body FROM outbox WHERE event_type = ?`, events.TypeScrapeRequested).Scan(&body))
	env, err := events.DecodeEnvelope([]byte(body))
	require.NoError(t, err)
	require.Equal(t, "req-abc-1", env.CorrelationID)
	var p events.ScrapeRequested
	require.NoError(t, env.Decode(&p))
	require.Equal(t, events.ScrapeRequested{ScrapeID: s.ID, URL: "https://shop.example.com/item/1", Reason: "user", UserID: "alice"}, p)

	// The same canonical URL while in flight joins the pending request.
	w = hs.do("POST", "/api/v1/scrapes", map[string]string{"url": "shop.example.com/item/1"})
	require.Equal(t, http.StatusAccepted, w.Code)
	require.Equal(t, s.ID, decode[submitted](t, w).ID)
	require.Equal(t, 1, hs.count(`SELECT COUNT(*) FROM outbox`))
	require.EqualValues(t, 1, hs.kicks.Load())

	// Once finished, a new submission gets a new request.
	_, err = hs.db.Exec(`UPDATE scrape_requests SET status = 'failed', in_flight_hash = NULL WHERE id = ?`, s.ID)
	require.NoError(t, err)
	w = hs.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://shop.example.com/item/1"})
	require.Equal(t, http.StatusAccepted, w.Code)
	require.NotEqual(t, s.ID, decode[submitted](t, w).ID)
	require.Equal(t, 2, hs.count(`SELECT COUNT(*) FROM outbox`))
}

func TestCreateScrapeConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	const n = 8
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			w := hs.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://shop.example.com/same"})
			if w.Code == http.StatusAccepted {
				var s submitted
				_ = json.Unmarshal(w.Body.Bytes(), &s)
				ids[i] = s.ID
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		require.Equal(t, ids[0], id)
	}
	require.NotZero(t, ids[0])
	require.Equal(t, 1, hs.count(`SELECT COUNT(*) FROM scrape_requests`))
	require.Equal(t, 1, hs.count(`SELECT COUNT(*) FROM outbox`))
}

func TestCreateScrapeRecentProduct(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	fresh := hs.insertProduct(product{url: "https://shop.example.com/fresh", title: "Fresh", price: 12900})
	hs.insertProduct(product{url: "https://shop.example.com/stale", title: "Stale", price: 1000, checked: time.Now().Add(-2 * time.Hour)})

	w := hs.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://shop.example.com/fresh"})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	s := decode[submitted](t, w)
	require.Equal(t, "done", s.Status)
	require.Equal(t, fresh, s.Product.ID)
	require.Equal(t, "12900", s.Product.Price.Decimal)
	require.Equal(t, 0, hs.count(`SELECT COUNT(*) FROM outbox`))

	w = hs.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://shop.example.com/stale"})
	require.Equal(t, http.StatusAccepted, w.Code)
	var p events.ScrapeRequested
	var body string
	require.NoError(t, hs.db.QueryRow(`SELECT body FROM outbox`).Scan(&body))
	env, err := events.DecodeEnvelope([]byte(body))
	require.NoError(t, err)
	require.NoError(t, env.Decode(&p))
	require.NotZero(t, p.ProductID, "re-scrape of a known product names it")
}

func TestCreateScrapeBadURLs(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	for _, tc := range []struct{ url, kind, detail string }{
		{"ftp://shop.example.com/x", "url-scheme", "http or https"},
		{"https://" + strings.Repeat("a", 2100) + ".com/", "url-too-long", "longer than"},
		{"https://", "invalid-url", "invalid"},
		{"https://user:pw@shop.example.com/x", "url-userinfo", "user name or password"},
		{"http://localhost:8080/x", "private-address", "private"},
		{"http://127.0.0.1/x", "private-address", "private"},
		{"http://10.1.2.3/x", "private-address", "private"},
		{"http://192.168.0.1/x", "private-address", "private"},
		{"http://169.254.169.254/latest/meta-data", "private-address", "private"},
		{"http://[::1]/x", "private-address", "private"},
		{"http://[fe80::1]/x", "private-address", "private"},
		{"http://0.0.0.0/x", "private-address", "private"},
		{"", "invalid-url", "required"},
	} {
		w := hs.do("POST", "/api/v1/scrapes", map[string]string{"url": tc.url})
		p := requireProblem(t, w, http.StatusBadRequest, tc.kind)
		require.Contains(t, p.Detail, tc.detail, tc.url)
	}
	requireProblem(t, hs.do("POST", "/api/v1/scrapes", `{"url":`), http.StatusBadRequest, "malformed-json")
	requireProblem(t, hs.do("POST", "/api/v1/scrapes", `{"link":"https://a.example/"}`), http.StatusBadRequest, "malformed-json")
	require.Equal(t, 0, hs.count(`SELECT COUNT(*) FROM scrape_requests`))
}

func TestGetScrapeLongPoll(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	w := hs.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://shop.example.com/lp"})
	require.Equal(t, http.StatusAccepted, w.Code)
	id := decode[submitted](t, w).ID

	// Without wait: the current state at once.
	w = hs.do("GET", fmt.Sprintf("/api/v1/scrapes/%d", id), nil)
	require.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, "pending", decode[Scrape](t, w).Status)

	// Simulate the scrap worker finishing while the client waits.
	go func() {
		time.Sleep(300 * time.Millisecond)
		pid := hs.insertProduct(product{url: "https://shop.example.com/lp", title: "Long Poll Lamp", price: 45000, listPrice: 50000})
		_, err := hs.db.Exec(`UPDATE scrape_requests SET status = 'done', in_flight_hash = NULL, product_id = ?, finished_at = NOW(6) WHERE id = ?`, pid, id)
		if err != nil {
			panic(err)
		}
	}()
	w = hs.do("GET", fmt.Sprintf("/api/v1/scrapes/%d?wait=10s", id), nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	sc := decode[Scrape](t, w)
	require.Equal(t, "done", sc.Status)
	require.NotNil(t, sc.Product)
	require.Equal(t, "Long Poll Lamp", sc.Product.Title)
	require.Equal(t, int64(45000), sc.Product.Price.Minor)
	require.InDelta(t, 10.0, *sc.Product.DiscountPct, 0.001)
	require.NotNil(t, sc.Finished)

	// A failure outcome carries its reason.
	w = hs.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://shop.example.com/blocked"})
	id2 := decode[submitted](t, w).ID
	_, err := hs.db.Exec(`UPDATE scrape_requests SET status = 'blocked', status_reason = 'captcha', in_flight_hash = NULL WHERE id = ?`, id2)
	require.NoError(t, err)
	sc = decode[Scrape](t, hs.do("GET", fmt.Sprintf("/api/v1/scrapes/%d?wait=5", id2), nil))
	require.Equal(t, Scrape{ID: id2, URL: "https://shop.example.com/blocked", Status: "blocked", Reason: "captcha", CreatedAt: sc.CreatedAt}, sc)

	// A pending request past its wait answers pending with Retry-After.
	w = hs.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://shop.example.com/slow"})
	id3 := decode[submitted](t, w).ID
	w = hs.do("GET", fmt.Sprintf("/api/v1/scrapes/%d?wait=150ms", id3), nil)
	require.Equal(t, "pending", decode[Scrape](t, w).Status)
	require.Equal(t, "1", w.Header().Get("Retry-After"))

	requireProblem(t, hs.do("GET", "/api/v1/scrapes/999999", nil), http.StatusNotFound, "not-found")
	requireProblem(t, hs.do("GET", "/api/v1/scrapes/abc", nil), http.StatusNotFound, "not-found")
	requireProblem(t, hs.do("GET", fmt.Sprintf("/api/v1/scrapes/%d?wait=soon", id), nil), http.StatusBadRequest, "invalid-parameter")
}

func TestSearch(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	pid := hs.insertProduct(product{url: "https://www.coupang.com/vp/products/123", shop: "coupang", title: "Known", price: 9900})

	w := hs.do("GET", "/api/v1/search?url="+"https%3A%2F%2Fwww.coupang.com%2Fvp%2Fproducts%2F123%3Futm_source%3Dx", nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, pid, decode[submitted](t, w).Product.ID)

	// A GET never starts a scrape: an unknown URL is a 404 pointing at POST /scrapes.
	p := requireProblem(t, hs.do("GET", "/api/v1/search?url=https://shop.example.com/new", nil), http.StatusNotFound, "not-tracked")
	require.Contains(t, p.Detail, "POST /api/v1/scrapes")
	require.Equal(t, 0, hs.count(`SELECT COUNT(*) FROM scrape_requests`))
	require.Equal(t, 0, hs.count(`SELECT COUNT(*) FROM outbox`))
	require.Equal(t, 1, hs.count(`SELECT COUNT(*) FROM products`))

	requireProblem(t, hs.do("GET", "/api/v1/search", nil), http.StatusBadRequest, "invalid-parameter")
	requireProblem(t, hs.do("GET", "/api/v1/search?url=javascript:alert(1)", nil), http.StatusBadRequest, "")
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	hs := setup(t, func(d *Deps) { d.Config.IPBurst, d.Config.IPRate = 2, 0.01 })
	for i := range 2 {
		w := hs.do("POST", "/api/v1/scrapes", map[string]string{"url": fmt.Sprintf("https://shop.example.com/r%d", i)})
		require.Equal(t, http.StatusAccepted, w.Code)
	}
	w := hs.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://shop.example.com/r3"})
	requireProblem(t, w, http.StatusTooManyRequests, "rate-limited")
	require.NotEmpty(t, w.Header().Get("Retry-After"))
	require.Equal(t, 2, hs.count(`SELECT COUNT(*) FROM scrape_requests`))
	// X-Forwarded-For from an untrusted peer does not buy a fresh bucket.
	requireProblem(t, hs.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://shop.example.com/r4"},
		withHeader("X-Forwarded-For", "198.51.100.7")), http.StatusTooManyRequests, "rate-limited")
	// Reads are not limited.
	require.Equal(t, http.StatusOK, hs.do("GET", "/api/v1/products", nil).Code)

	// Per user: a user's bucket is shared across IPs.
	hu := setup(t, func(d *Deps) { d.Config.UserBurst, d.Config.UserRate = 1, 0.01 })
	tok := token(t, "bob")
	ip := func(a string) reqOpt { return func(r *http.Request) { r.RemoteAddr = a + ":1234" } }
	require.Equal(t, http.StatusAccepted, hu.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://a.example/1"}, withToken(tok), ip("203.0.113.1")).Code)
	requireProblem(t, hu.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://a.example/2"}, withToken(tok), ip("203.0.113.2")), http.StatusTooManyRequests, "rate-limited")
	require.Equal(t, http.StatusAccepted, hu.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://a.example/3"}, withToken(token(t, "carol")), ip("203.0.113.3")).Code)
}

// TestCreateScrapeDatabaseDown: with the database unreachable, a
// submission is answered 503 with Retry-After and a problem body, not a
// bare 500, so the frontend retries.
func TestCreateScrapeDatabaseDown(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	down, err := sql.Open("mysql", "root@tcp("+addr+")/ddokso?timeout=2s&parseTime=true")
	require.NoError(t, err)
	t.Cleanup(func() { down.Close() })

	hs := setup(t, func(d *Deps) { d.DB = down })
	w := hs.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://shop.example.com/item/1"}, withToken(token(t, "alice")))
	require.Equal(t, http.StatusServiceUnavailable, w.Code, w.Body.String())
	require.Equal(t, "2", w.Header().Get("Retry-After"))
	require.Equal(t, ProblemContentType, w.Header().Get("Content-Type"))
	p := decode[Problem](t, w)
	require.Equal(t, problemTypeBase+"database-unavailable", p.Type)
}
