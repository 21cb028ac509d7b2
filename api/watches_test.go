package api

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/store"
)

func TestAuthFailures(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	exp := time.Now().Add(time.Hour).Unix()
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "mallory", "exp": exp}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	for name, opt := range map[string]reqOpt{
		"missing":      func(*http.Request) {},
		"not bearer":   withHeader("Authorization", "Basic dXNlcjpwdw=="),
		"garbage":      withToken("not.a.jwt"),
		"expired":      withToken(sign(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"sub": "a", "exp": time.Now().Add(-time.Hour).Unix()})),
		"no expiry":    withToken(sign(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"sub": "a"})),
		"wrong secret": withToken(sign(t, jwt.SigningMethodHS256, []byte("another-secret-0123456789"), jwt.MapClaims{"sub": "a", "exp": exp})),
		"HS512":        withToken(sign(t, jwt.SigningMethodHS512, []byte(testSecret), jwt.MapClaims{"sub": "a", "exp": exp})),
		"alg none":     withToken(none),
		"no sub":       withToken(sign(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"exp": exp})),
	} {
		w := hs.do("GET", "/api/v1/me/watches", nil, opt)
		requireProblem(t, w, http.StatusUnauthorized, "unauthorized")
		require.NotEmpty(t, w.Header().Get("WWW-Authenticate"), name)
	}
	// An invalid token on a public route is refused too; no token is fine.
	requireProblem(t, hs.do("GET", "/api/v1/search?url=https://a.example/x", nil, withToken("bad")), http.StatusUnauthorized, "unauthorized")
	require.Equal(t, 0, hs.count(`SELECT COUNT(*) FROM users`))

	// Reading writes nothing; the first write records the user and the
	// token's email.
	require.Equal(t, http.StatusOK, hs.do("GET", "/api/v1/me/watches", nil, withToken(token(t, "dave"))).Code)
	require.Equal(t, 0, hs.count(`SELECT COUNT(*) FROM users`))
	pid := hs.insertProduct(product{url: "https://a.example/dave", title: "Dave's", price: 1000})
	w := hs.do("POST", "/api/v1/me/watches", map[string]any{"product_id": pid, "rule": "any_drop"}, withToken(token(t, "dave")))
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	var email, source string
	require.NoError(t, hs.db.QueryRow(`SELECT email, email_source FROM users WHERE id = 'dave'`).Scan(&email, &source))
	require.Equal(t, []string{"dave@example.com", "token"}, []string{email, source})
}

func TestWatchesCRUD(t *testing.T) {
	t.Parallel()
	hs := setup(t, withPush)
	alice, bob := withToken(token(t, "alice")), withToken(token(t, "bob"))
	hs.subscribePush(t, alice, "alice")
	pid := hs.insertProduct(product{url: "https://a.example/w", title: "Watched", currency: "USD", price: 1999})
	res, err := hs.db.Exec(`INSERT INTO product_variants (product_id, variant_key, price) VALUES (?, 'xl', 2099)`, pid)
	require.NoError(t, err)
	vid, _ := res.LastInsertId()

	w := hs.do("POST", "/api/v1/me/watches", map[string]any{"product_id": pid, "rule": "target", "target_price": "15.50", "channels": []string{"email", "push"}}, alice)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	wa := decode[Watch](t, w)
	require.Equal(t, pid, wa.ProductID)
	require.Equal(t, Money{Minor: 1550, Decimal: "15.50", Currency: "USD"}, *wa.TargetPrice)
	require.Equal(t, []string{"email", "push"}, wa.Channels)
	require.True(t, wa.Active)

	w = hs.do("POST", "/api/v1/me/watches", map[string]any{"variant_id": vid, "rule": "drop_pct", "drop_pct": 10}, alice)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	wv := decode[Watch](t, w)
	require.Equal(t, vid, wv.VariantID)
	require.Equal(t, pid, wv.ProductID)
	require.Equal(t, []string{"email"}, wv.Channels, "email is the default channel")
	require.Equal(t, 2, hs.count(`SELECT watch_count FROM products WHERE id = ?`, pid))

	type list struct{ Items []Watch }
	require.Len(t, decode[list](t, hs.do("GET", "/api/v1/me/watches", nil, alice)).Items, 2)
	require.Empty(t, decode[list](t, hs.do("GET", "/api/v1/me/watches", nil, bob)).Items)

	got := decode[Watch](t, hs.do("GET", fmt.Sprintf("/api/v1/me/watches/%d", wa.ID), nil, alice))
	require.Equal(t, "Watched", got.Product.Title)

	w = hs.do("PATCH", fmt.Sprintf("/api/v1/me/watches/%d", wa.ID), map[string]any{"target_price": "12", "active": false, "channels": []string{"push"}}, alice)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	up := decode[Watch](t, w)
	require.Equal(t, int64(1200), up.TargetPrice.Minor)
	require.False(t, up.Active)
	require.Equal(t, []string{"push"}, up.Channels)
	w = hs.do("PATCH", fmt.Sprintf("/api/v1/me/watches/%d", wa.ID), map[string]any{"rule": "any_drop"}, alice)
	require.Equal(t, "any_drop", decode[Watch](t, w).Rule)

	// Another user's watch does not exist for them.
	path := fmt.Sprintf("/api/v1/me/watches/%d", wa.ID)
	requireProblem(t, hs.do("GET", path, nil, bob), http.StatusNotFound, "not-found")
	requireProblem(t, hs.do("PATCH", path, map[string]any{"active": true}, bob), http.StatusNotFound, "not-found")
	requireProblem(t, hs.do("DELETE", path, nil, bob), http.StatusNotFound, "not-found")
	require.Equal(t, 2, hs.count(`SELECT COUNT(*) FROM watches WHERE user_id = 'alice'`))

	require.Equal(t, http.StatusNoContent, hs.do("DELETE", path, nil, alice).Code)
	requireProblem(t, hs.do("GET", path, nil, alice), http.StatusNotFound, "not-found")
	require.Equal(t, 1, hs.count(`SELECT watch_count FROM products WHERE id = ?`, pid))

	for _, body := range []map[string]any{
		{"rule": "target", "target_price": "10"},                             // no target
		{"product_id": pid, "variant_id": vid, "rule": "any_drop"},           // two targets
		{"product_id": pid, "rule": "sometimes"},                             // unknown rule
		{"product_id": pid},                                                  // no rule
		{"product_id": pid, "rule": "target"},                                // no target price
		{"product_id": pid, "rule": "target", "target_price": "-3"},          // negative
		{"product_id": pid, "rule": "drop_pct", "drop_pct": 120},             // out of range
		{"product_id": pid, "rule": "any_drop", "channels": []string{"sms"}}, // channel
		{"product_id": pid, "rule": "any_drop", "active": false},             // PATCH only
		{"url": "http://192.168.1.1/item", "rule": "any_drop"},               // private
	} {
		w := hs.do("POST", "/api/v1/me/watches", body, alice)
		requireProblem(t, w, http.StatusBadRequest, "")
	}
	requireProblem(t, hs.do("POST", "/api/v1/me/watches", map[string]any{"product_id": 999999, "rule": "rise"}, alice), http.StatusNotFound, "not-found")
	requireProblem(t, hs.do("POST", "/api/v1/me/watches", map[string]any{"variant_id": 999999, "rule": "rise"}, alice), http.StatusNotFound, "not-found")
	requireProblem(t, hs.do("PATCH", fmt.Sprintf("/api/v1/me/watches/%d", wv.ID), map[string]any{"rule": "drop_pct", "drop_pct": 0}, alice), http.StatusBadRequest, "invalid-watch")
	requireProblem(t, hs.do("PATCH", fmt.Sprintf("/api/v1/me/watches/%d", wv.ID), map[string]any{"product_id": 1}, alice), http.StatusBadRequest, "invalid-watch")
	require.Equal(t, 1, hs.count(`SELECT COUNT(*) FROM watches`))
}

func TestWatchUnknownURLStartsScrape(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	alice := withToken(token(t, "alice"))
	w := hs.do("POST", "/api/v1/me/watches", map[string]any{"url": "https://shop.example.com/p/9?utm_medium=x", "rule": "back_in_stock"}, alice)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	wa := decode[Watch](t, w)
	require.NotZero(t, wa.ScrapeID)

	var url, status string
	var watchCount int
	require.NoError(t, hs.db.QueryRow(`SELECT canonical_url, check_status, watch_count FROM products WHERE id = ?`, wa.ProductID).Scan(&url, &status, &watchCount))
	require.Equal(t, []any{"https://shop.example.com/p/9", "new", 1}, []any{url, status, watchCount})
	var body string
	require.NoError(t, hs.db.QueryRow(`SELECT body FROM outbox`).Scan(&body))
	env, err := events.DecodeEnvelope([]byte(body))
	require.NoError(t, err)
	var p events.ScrapeRequested
	require.NoError(t, env.Decode(&p))
	require.Equal(t, events.ScrapeRequested{ScrapeID: wa.ScrapeID, URL: url, ProductID: wa.ProductID, Reason: "watch"}, p)
	require.EqualValues(t, 1, hs.kicks.Load())

	// The unchecked product stays out of listings until the scrape lands.
	require.Empty(t, listIDs(t, hs, ""))

	// A second watch on the same URL reuses the product and the in-flight scrape.
	w = hs.do("POST", "/api/v1/me/watches", map[string]any{"url": "https://shop.example.com/p/9", "rule": "any_drop"}, withToken(token(t, "bob")))
	require.Equal(t, http.StatusCreated, w.Code)
	wb := decode[Watch](t, w)
	require.Equal(t, wa.ProductID, wb.ProductID)
	require.Equal(t, wa.ScrapeID, wb.ScrapeID)
	require.Equal(t, 1, hs.count(`SELECT COUNT(*) FROM outbox`))
	require.Equal(t, 1, hs.count(`SELECT COUNT(*) FROM products`))

	// A known, checked product by URL: no scrape.
	known := hs.insertProduct(product{url: "https://shop.example.com/known", price: 100})
	w = hs.do("POST", "/api/v1/me/watches", map[string]any{"url": "https://shop.example.com/known", "rule": "all_time_low"}, alice)
	require.Equal(t, http.StatusCreated, w.Code)
	wk := decode[Watch](t, w)
	require.Equal(t, known, wk.ProductID)
	require.Zero(t, wk.ScrapeID)
}

func TestPushSubscriptions(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	alice, bob := withToken(token(t, "alice")), withToken(token(t, "bob"))
	p256 := base64.RawURLEncoding.EncodeToString(append([]byte{4}, make([]byte, 64)...))
	auth := base64.RawURLEncoding.EncodeToString(make([]byte, 16))
	sub := func(endpoint, p, a string) map[string]any {
		return map[string]any{"endpoint": endpoint, "keys": map[string]string{"p256dh": p, "auth": a}}
	}
	w := hs.do("POST", "/api/v1/me/push-subscriptions", sub("https://push.example.net/send/abc", p256, auth), alice)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	id := decode[struct{ ID int64 }](t, w).ID
	require.Equal(t, 1, hs.count(`SELECT COUNT(*) FROM push_subscriptions WHERE user_id = 'alice'`))

	// The same endpoint again updates the row.
	w = hs.do("POST", "/api/v1/me/push-subscriptions", sub("https://push.example.net/send/abc", p256, auth), alice)
	require.Equal(t, id, decode[struct{ ID int64 }](t, w).ID)
	require.Equal(t, 1, hs.count(`SELECT COUNT(*) FROM push_subscriptions`))

	for _, b := range []map[string]any{
		sub("http://push.example.net/x", p256, auth),
		sub("https://127.0.0.1/x", p256, auth),
		sub("not a url", p256, auth),
		sub("https://push.example.net/x", "short", auth),
		sub("https://push.example.net/x", p256, "!!"),
		sub("https://push.example.net/x", p256, base64.RawURLEncoding.EncodeToString(make([]byte, 8))),
	} {
		requireProblem(t, hs.do("POST", "/api/v1/me/push-subscriptions", b, alice), http.StatusBadRequest, "invalid-subscription")
	}
	requireProblem(t, hs.do("POST", "/api/v1/me/push-subscriptions", sub("https://push.example.net/x", p256, auth)), http.StatusUnauthorized, "unauthorized")

	path := fmt.Sprintf("/api/v1/me/push-subscriptions/%d", id)
	requireProblem(t, hs.do("DELETE", path, nil, bob), http.StatusNotFound, "not-found")
	require.Equal(t, http.StatusNoContent, hs.do("DELETE", path, nil, alice).Code)
	requireProblem(t, hs.do("DELETE", path, nil, alice), http.StatusNotFound, "not-found")
	require.Equal(t, 0, hs.count(`SELECT COUNT(*) FROM push_subscriptions`))
}

// TestListWatchesReadsOneRangeOfTheUser: GET /me/watches returns the
// caller's watches newest first, interleaved with other users' rows in id
// order, and reads them as one range of the primary key (user_id, id)
// with no sort (migration 00113), not a secondary index and a lookup per
// watch.
func TestListWatchesReadsOneRangeOfTheUser(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	var mine []int64
	for i := range 6 {
		pid := hs.insertProduct(product{url: fmt.Sprintf("https://a.example/l/%d", i), title: "p", price: 1000})
		for _, u := range []string{"carol", "dave"} {
			res, err := hs.db.Exec(`INSERT INTO watches (user_id, product_id, rule) VALUES (?, ?, 'any_drop')`, u, pid)
			require.NoError(t, err)
			if u == "carol" {
				id, err := res.LastInsertId()
				require.NoError(t, err)
				mine = append([]int64{id}, mine...)
			}
		}
	}
	type list struct{ Items []Watch }
	items := decode[list](t, hs.do("GET", "/api/v1/me/watches", nil, withToken(token(t, "carol")))).Items
	var got []int64
	for _, w := range items {
		got = append(got, w.ID)
	}
	require.Equal(t, mine, got)

	p, err := store.Explain(context.Background(), hs.db, store.PlanQuery{Name: "list watches", SQL: listWatchesSQL, Args: []any{"carol"}})
	require.NoError(t, err)
	t.Logf("%v %v", p.Columns, p.Rows)
	require.Equal(t, "PRIMARY", p.Keys()[0], "watches read through the clustered key: %v", p.Rows)
	for _, r := range p.Rows {
		require.NotContains(t, strings.Join(r, " "), "filesort", "%v", p.Rows)
	}
}
