package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/workers/notify"
)

func TestMeSettings(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	alice, bob := withToken(token(t, "alice")), withToken(token(t, "bob"))

	me := decode[Me](t, hs.do("GET", "/api/v1/me", nil, alice))
	require.Equal(t, Me{ID: "alice", Email: "alice@example.com", EmailSource: "token", EmailState: ChannelState{State: stateOn},
		PushState: ChannelState{State: statePushOff}, TimeZone: "Asia/Seoul", Language: "ko"}, me)

	w := hs.do("PATCH", "/api/v1/me", map[string]any{"time_zone": "America/New_York", "quiet_hours": map[string]string{"start": "22:30", "end": "07:00"},
		"daily_cap": 3, "language": "en"}, alice)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	me = decode[Me](t, w)
	require.Equal(t, "America/New_York", me.TimeZone)
	require.Equal(t, &QuietHours{Start: "22:30", End: "07:00"}, me.QuietHours)
	require.Equal(t, 3, *me.DailyCap)
	require.Equal(t, "en", me.Language)
	// Stored where the notify worker reads them.
	var tz, locale, qs, qe string
	var dailyCap int
	require.NoError(t, hs.db.QueryRow(`SELECT timezone, locale, quiet_start, quiet_end, daily_cap FROM users WHERE id = 'alice'`).
		Scan(&tz, &locale, &qs, &qe, &dailyCap))
	require.Equal(t, []any{"America/New_York", "en", "22:30:00", "07:00:00", 3}, []any{tz, locale, qs, qe, dailyCap})

	// null resets to the service defaults; absent fields stay.
	me = decode[Me](t, hs.do("PATCH", "/api/v1/me", map[string]any{"quiet_hours": nil, "daily_cap": nil}, alice))
	require.Nil(t, me.QuietHours)
	require.Nil(t, me.DailyCap)
	require.Equal(t, "America/New_York", me.TimeZone)

	// Bob sees his own defaults, not alice's settings.
	require.Equal(t, "Asia/Seoul", decode[Me](t, hs.do("GET", "/api/v1/me", nil, bob)).TimeZone)

	for _, bad := range []map[string]any{
		{"time_zone": "KST"}, {"time_zone": "Local"}, {"time_zone": ""}, {"time_zone": 9},
		{"quiet_hours": map[string]string{"start": "7:00", "end": "08:00"}}, {"quiet_hours": map[string]string{"start": "07:00"}},
		{"quiet_hours": "22-07"}, {"daily_cap": 0}, {"daily_cap": 101}, {"daily_cap": 2.5}, {"language": "fr"}, {"nickname": "x"},
	} {
		requireProblem(t, hs.do("PATCH", "/api/v1/me", bad, alice), http.StatusBadRequest, "")
	}
	requireProblem(t, hs.do("PATCH", "/api/v1/me", map[string]any{"email": "x@example.com"}, alice), http.StatusConflict, "email-from-sign-in")
	requireProblem(t, hs.do("GET", "/api/v1/me", nil), http.StatusUnauthorized, "unauthorized")

	// A token without email: set, then clear, an address.
	nomail := tokenWithoutEmail(t, "carol")
	me = decode[Me](t, hs.do("PATCH", "/api/v1/me", map[string]any{"email": "carol@example.org"}, nomail))
	require.Equal(t, "carol@example.org", me.Email)
	require.Equal(t, stateOn, me.EmailState.State)
	me = decode[Me](t, hs.do("PATCH", "/api/v1/me", map[string]any{"email": nil}, nomail))
	require.Empty(t, me.Email)
	require.Equal(t, stateNoAddress, me.EmailState.State)
}

func TestMeNotifications(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	alice, bob := withToken(token(t, "alice")), withToken(token(t, "bob"))
	pid := hs.insertProduct(product{url: "https://a.example/n", title: "알림 상품", price: 9000})
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	add := func(user, channel, status string, i int, deliverAfter, sentAt any, errText any) {
		_, err := hs.db.Exec(`INSERT INTO notifications (user_id, watch_id, product_id, rule, channel, status, dedupe_key, alert_key, local_day,
			title, old_price, new_price, currency, error, deliver_after, sent_at, created_at)
			VALUES (?, 7, ?, 'target', ?, ?, ?, ?, '2026-03-01', '알림 상품', 10000, 9000, 'KRW', ?, ?, ?, ?)`,
			user, pid, channel, status, fmt.Sprintf("%s-%d", user, i), fmt.Sprintf("a-%s-%d", user, i), errText, deliverAfter, sentAt, base.Add(time.Duration(i)*time.Minute))
		require.NoError(t, err)
	}
	add("alice", "email", "sent", 0, nil, base, nil)
	add("alice", "email", "deferred", 1, base.Add(8*time.Hour), nil, nil)
	add("alice", "push", "failed", 2, nil, nil, "push service: 410 Gone")
	add("alice", "email", "capped", 3, nil, nil, nil)
	add("bob", "email", "sent", 0, nil, base, nil)
	add("carol", "push", notify.StatusSkipped, 0, nil, nil, "no push subscription")

	page := decode[NotificationPage](t, hs.do("GET", "/api/v1/me/notifications?limit=3", nil, alice))
	require.Len(t, page.Items, 3)
	require.NotEmpty(t, page.NextCursor)
	var statuses []string
	for _, n := range page.Items {
		statuses = append(statuses, n.Status)
	}
	require.Equal(t, []string{"capped", "failed", "deferred"}, statuses, "newest first")
	require.Equal(t, "daily_cap", page.Items[0].Reason)
	require.Equal(t, "push service: 410 Gone", page.Items[1].Reason)
	require.Equal(t, "quiet_hours", page.Items[2].Reason)
	require.Equal(t, base.Add(8*time.Hour), *page.Items[2].DeliverAfter)
	require.Equal(t, &NotifiedProduct{ID: pid, Title: "알림 상품"}, page.Items[0].Product)
	require.Equal(t, int64(9000), page.Items[0].Price.Minor)
	require.Equal(t, int64(7), page.Items[0].WatchID)

	next := decode[NotificationPage](t, hs.do("GET", "/api/v1/me/notifications?limit=3&cursor="+page.NextCursor, nil, alice))
	require.Len(t, next.Items, 1)
	require.Equal(t, "sent", next.Items[0].Status)
	require.Equal(t, base, *next.Items[0].SentAt)
	require.Empty(t, next.NextCursor)

	only := decode[NotificationPage](t, hs.do("GET", "/api/v1/me/notifications?channel=push", nil, alice))
	require.Len(t, only.Items, 1)
	require.Len(t, decode[NotificationPage](t, hs.do("GET", "/api/v1/me/notifications?status=sent", nil, alice)).Items, 1)
	require.Len(t, decode[NotificationPage](t, hs.do("GET", "/api/v1/me/notifications", nil, bob)).Items, 1, "bob sees only his own")
	require.Empty(t, decode[NotificationPage](t, hs.do("GET", "/api/v1/me/notifications", nil, withToken(token(t, "eve")))).Items)

	// Every status the notify worker writes is one a user can filter by.
	carol := withToken(token(t, "carol"))
	skipped := decode[NotificationPage](t, hs.do("GET", "/api/v1/me/notifications?status=skipped", nil, carol))
	require.Len(t, skipped.Items, 1)
	require.Equal(t, "no push subscription", skipped.Items[0].Reason)

	for _, q := range []string{"status=lost", "status=suppressed", "channel=sms", "limit=0", "cursor=garbage", "user_id=bob"} {
		requireProblem(t, hs.do("GET", "/api/v1/me/notifications?"+q, nil, alice), http.StatusBadRequest, "")
	}
}
