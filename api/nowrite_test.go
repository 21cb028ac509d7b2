package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/workers/notify"
)

const unsubSecret = "unsubscribe-secret-0123456789"

// snapshot is every table's row count and checksum: a rejected request
// must leave it unchanged (no row added, removed or modified).
func (hs *harness) snapshot(t *testing.T) map[string]string {
	t.Helper()
	rows, err := hs.db.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'`)
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	require.NotEmpty(t, tables)
	out := map[string]string{}
	for _, tb := range tables {
		var n int
		require.NoError(t, hs.db.QueryRow("SELECT COUNT(*) FROM `"+tb+"`").Scan(&n))
		var name string
		var sum *int64
		require.NoError(t, hs.db.QueryRow("CHECKSUM TABLE `"+tb+"`").Scan(&name, &sum))
		s := "nil"
		if sum != nil {
			s = fmt.Sprint(*sum)
		}
		out[tb] = fmt.Sprintf("%d rows, checksum %s", n, s)
	}
	return out
}

// tokenWithoutEmail mints a token with no email claim.
func tokenWithoutEmail(t *testing.T, sub string) reqOpt {
	return withToken(sign(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"sub": sub, "exp": time.Now().Add(time.Hour).Unix()}))
}

// TestRejectedRequestsWriteNothing sends every write endpoint requests it
// must refuse and checks that each answer is a 4xx problem and that no
// table changed, for a known user and for one never seen before.
func TestRejectedRequestsWriteNothing(t *testing.T) {
	t.Parallel()
	hs := setup(t, func(d *Deps) {
		d.Unsubscribe = notify.UnsubscribeHandler(d.DB, unsubSecret)
		d.Config.UserBurst = 1000
	})
	alice, bob := withToken(token(t, "alice")), withToken(token(t, "bob"))
	newcomer := withToken(token(t, "newcomer"))
	nomail := tokenWithoutEmail(t, "nomail")
	usd := hs.insertProduct(product{url: "https://a.example/usd", title: "USD thing", currency: "USD", price: 1999})
	w := hs.do("POST", "/api/v1/me/watches", map[string]any{"product_id": usd, "rule": "any_drop"}, alice)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	aliceWatch := decode[Watch](t, w).ID
	aliceSub := hs.subscribePush(t, alice, "alice")
	aliceWatchPath := fmt.Sprintf("/api/v1/me/watches/%d", aliceWatch)

	type req struct {
		name         string
		method, path string
		body         any
		opts         []reqOpt
		status       int
	}
	newURL := "https://shop.example.com/p/new-42"
	cases := []req{
		{"scrape without url", "POST", "/api/v1/scrapes", map[string]any{}, nil, 400},
		{"scrape private url", "POST", "/api/v1/scrapes", map[string]any{"url": "http://10.0.0.1/x"}, nil, 400},
		{"scrape malformed", "POST", "/api/v1/scrapes", `{"url":`, nil, 400},
		{"watch new url, bad rule", "POST", "/api/v1/me/watches", map[string]any{"url": newURL, "rule": "nonsense"}, []reqOpt{newcomer}, 400},
		{"watch new url, drop_pct without value", "POST", "/api/v1/me/watches", map[string]any{"url": newURL, "rule": "drop_pct"}, []reqOpt{newcomer}, 400},
		{"watch new url, target in cents on KRW", "POST", "/api/v1/me/watches", map[string]any{"url": newURL, "rule": "target", "target_price": "10.5"}, []reqOpt{newcomer}, 400},
		{"watch new url, empty channels", "POST", "/api/v1/me/watches", map[string]any{"url": newURL, "rule": "any_drop", "channels": []string{}}, []reqOpt{newcomer}, 400},
		{"watch new url, push off", "POST", "/api/v1/me/watches", map[string]any{"url": newURL, "rule": "any_drop", "channels": []string{"push"}}, []reqOpt{newcomer}, 422},
		{"watch new url, no email", "POST", "/api/v1/me/watches", map[string]any{"url": newURL, "rule": "any_drop"}, []reqOpt{nomail}, 422},
		{"watch known product, target with too many decimals", "POST", "/api/v1/me/watches", map[string]any{"product_id": usd, "rule": "target", "target_price": "1.999"}, []reqOpt{alice}, 400},
		{"watch duplicate", "POST", "/api/v1/me/watches", map[string]any{"product_id": usd, "rule": "any_drop"}, []reqOpt{alice}, 409},
		{"watch missing product", "POST", "/api/v1/me/watches", map[string]any{"product_id": 987654, "rule": "rise"}, []reqOpt{newcomer}, 404},
		{"watch missing variant", "POST", "/api/v1/me/watches", map[string]any{"variant_id": 987654, "rule": "rise"}, []reqOpt{newcomer}, 404},
		{"watch no token", "POST", "/api/v1/me/watches", map[string]any{"product_id": usd, "rule": "rise"}, nil, 401},
		{"patch bad rule", "PATCH", aliceWatchPath, map[string]any{"rule": "drop_pct"}, []reqOpt{alice}, 400},
		{"patch empty channels", "PATCH", aliceWatchPath, map[string]any{"channels": []string{}}, []reqOpt{alice}, 400},
		{"patch push off", "PATCH", aliceWatchPath, map[string]any{"channels": []string{"push"}}, []reqOpt{alice}, 422},
		{"patch other's watch", "PATCH", aliceWatchPath, map[string]any{"active": false}, []reqOpt{bob}, 404},
		{"delete other's watch", "DELETE", aliceWatchPath, nil, []reqOpt{bob}, 404},
		{"push subscription bad key", "POST", "/api/v1/me/push-subscriptions", map[string]any{"endpoint": "https://push.example.net/x",
			"keys": map[string]string{"p256dh": "short", "auth": "x"}}, []reqOpt{newcomer}, 400},
		{"delete other's push subscription", "DELETE", fmt.Sprintf("/api/v1/me/push-subscriptions/%d", aliceSub), nil, []reqOpt{bob}, 404},
		{"me bad time zone", "PATCH", "/api/v1/me", map[string]any{"time_zone": "Mars/Olympus"}, []reqOpt{newcomer}, 400},
		{"me bad quiet hours", "PATCH", "/api/v1/me", map[string]any{"quiet_hours": map[string]string{"start": "25:00", "end": "08:00"}}, []reqOpt{newcomer}, 400},
		{"me bad cap after a good field", "PATCH", "/api/v1/me", map[string]any{"language": "en", "daily_cap": 0}, []reqOpt{newcomer}, 400},
		{"me email from token", "PATCH", "/api/v1/me", map[string]any{"email": "other@example.com"}, []reqOpt{alice}, 409},
		{"me bad email", "PATCH", "/api/v1/me", map[string]any{"email": "not an address"}, []reqOpt{nomail}, 400},
		{"admin rescrape missing", "POST", "/api/v1/admin/products/987654/rescrape", nil, []reqOpt{withHeader("X-Admin-Key", "admin-key")}, 404},
		{"admin rescrape wrong key", "POST", fmt.Sprintf("/api/v1/admin/products/%d/rescrape", usd), nil, []reqOpt{withHeader("X-Admin-Key", "nope")}, 401},
		{"admin redrive unknown queue", "POST", "/api/v1/admin/queues/nope/redrive", nil, []reqOpt{withHeader("X-Admin-Key", "admin-key")}, 0},
		{"unsubscribe forged", "POST", "/api/v1/unsubscribe?token=" + notify.SignUnsubscribe("wrong-secret-0123456789", aliceWatch, "alice"), nil, nil, 400},
		{"unsubscribe other user's watch", "POST", "/api/v1/unsubscribe?token=" + notify.SignUnsubscribe(unsubSecret, aliceWatch, "bob"), nil, nil, 0},
	}
	for _, tc := range cases {
		before := hs.snapshot(t)
		w := hs.do(tc.method, tc.path, tc.body, tc.opts...)
		if tc.status != 0 {
			require.Equal(t, tc.status, w.Code, "%s: %s", tc.name, w.Body.String())
		}
		if tc.status != 0 {
			require.Less(t, w.Code, 500, "%s: %s", tc.name, w.Body.String())
			require.Equal(t, ProblemContentType, w.Header().Get("Content-Type"), tc.name)
		}
		require.Equal(t, before, hs.snapshot(t), "%s (%d) changed the database", tc.name, w.Code)
	}
}
