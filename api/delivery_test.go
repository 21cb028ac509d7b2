package api

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/workers/notify"
)

func TestWatchChannelsMustDeliver(t *testing.T) {
	t.Parallel()
	pid := int64(0)
	body := func(ch ...string) map[string]any {
		return map[string]any{"product_id": pid, "rule": "any_drop", "channels": ch}
	}

	// Web Push off: push is refused even with a subscription.
	off := setup(t)
	alice := withToken(token(t, "alice"))
	pid = off.insertProduct(product{url: "https://a.example/p", title: "P", price: 1000})
	off.subscribePush(t, alice, "a")
	p := requireProblem(t, off.do("POST", "/api/v1/me/watches", body("email", "push"), alice), http.StatusUnprocessableEntity, "channel-unavailable")
	require.Contains(t, p.Detail, "Web Push is not available")

	hs := setup(t, withPush)
	pid = hs.insertProduct(product{url: "https://a.example/p", title: "P", price: 1000})
	// No subscription yet.
	p = requireProblem(t, hs.do("POST", "/api/v1/me/watches", body("push"), alice), http.StatusUnprocessableEntity, "channel-unavailable")
	require.Contains(t, p.Detail, "push-subscriptions")
	hs.subscribePush(t, alice, "a")
	w := hs.do("POST", "/api/v1/me/watches", body("push"), alice)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	require.Equal(t, map[string]ChannelState{"push": {State: stateOn}}, decode[Watch](t, w).ChannelStates)

	// A token without email: email is refused until an address is set.
	nomail := tokenWithoutEmail(t, "nomail")
	p = requireProblem(t, hs.do("POST", "/api/v1/me/watches", body("email"), nomail), http.StatusUnprocessableEntity, "channel-unavailable")
	require.Contains(t, p.Detail, "PATCH /api/v1/me")
	requireProblem(t, hs.do("POST", "/api/v1/me/watches", map[string]any{"product_id": pid, "rule": "rise"}, nomail), http.StatusUnprocessableEntity, "channel-unavailable")
	me := decode[Me](t, hs.do("GET", "/api/v1/me", nil, nomail))
	require.Equal(t, stateNoAddress, me.EmailState.State)
	w = hs.do("PATCH", "/api/v1/me", map[string]any{"email": "no.mail@example.org"}, nomail)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "user", decode[Me](t, w).EmailSource)
	w = hs.do("POST", "/api/v1/me/watches", body("email"), nomail)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	nomailWatch := decode[Watch](t, w)
	require.Equal(t, []string{"email"}, nomailWatch.Channels)

	// A suppressed (bounced) address: existing watches show it, new email
	// watches are refused.
	_, err := hs.db.Exec(`INSERT INTO email_suppressions (email, reason, detail) VALUES ('no.mail@example.org', 'bounce', 'mailbox does not exist')`)
	require.NoError(t, err)
	got := decode[Watch](t, hs.do("GET", fmt.Sprintf("/api/v1/me/watches/%d", nomailWatch.ID), nil, nomail))
	require.Empty(t, got.Channels)
	require.False(t, got.Active)
	require.Equal(t, stateSuppressed, got.ChannelStates["email"].State)
	require.Equal(t, "bounce", got.ChannelStates["email"].Reason)
	p = requireProblem(t, hs.do("POST", "/api/v1/me/watches", map[string]any{"product_id": pid, "rule": "rise"}, nomail), http.StatusUnprocessableEntity, "channel-unavailable")
	require.Contains(t, p.Detail, "bounce")
}

func TestWatchShowsUnsubscribe(t *testing.T) {
	t.Parallel()
	hs := setup(t, withPush, func(d *Deps) { d.Unsubscribe = notify.UnsubscribeHandler(d.DB, unsubSecret) })
	alice := withToken(token(t, "alice"))
	hs.subscribePush(t, alice, "a")
	pid := hs.insertProduct(product{url: "https://a.example/u", title: "U", price: 1000})
	w := hs.do("POST", "/api/v1/me/watches", map[string]any{"product_id": pid, "rule": "any_drop"}, alice)
	require.Equal(t, http.StatusCreated, w.Code)
	wa := decode[Watch](t, w)
	require.Equal(t, []string{"email"}, wa.Channels)
	require.True(t, wa.Active)

	// One-click unsubscribe from the mail.
	w = hs.do("POST", "/api/v1/unsubscribe?token="+notify.SignUnsubscribe(unsubSecret, wa.ID, "alice"), "List-Unsubscribe=One-Click",
		withHeader("Content-Type", "application/x-www-form-urlencoded"))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	path := fmt.Sprintf("/api/v1/me/watches/%d", wa.ID)
	got := decode[Watch](t, hs.do("GET", path, nil, alice))
	require.Empty(t, got.Channels)
	require.False(t, got.Active, "a watch that delivers nowhere is not active")
	require.Equal(t, stateUnsubscribed, got.ChannelStates["email"].State)
	require.NotNil(t, got.ChannelStates["email"].Since)
	type list struct{ Items []Watch }
	require.Equal(t, stateUnsubscribed, decode[list](t, hs.do("GET", "/api/v1/me/watches", nil, alice)).Items[0].ChannelStates["email"].State)

	// Adding push keeps email unsubscribed; naming email again re-subscribes.
	w = hs.do("PATCH", path, map[string]any{"channels": []string{"push"}}, alice)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	got = decode[Watch](t, w)
	require.Equal(t, []string{"push"}, got.Channels)
	require.True(t, got.Active)
	w = hs.do("PATCH", path, map[string]any{"channels": []string{"email", "push"}}, alice)
	got = decode[Watch](t, w)
	require.Equal(t, []string{"email", "push"}, got.Channels)
	require.Equal(t, 0, hs.count(`SELECT COUNT(*) FROM watches WHERE unsubscribed_at IS NOT NULL`))
}

func TestWatchInputDetails(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	alice, bob := withToken(token(t, "alice")), withToken(token(t, "bob"))
	usd := hs.insertProduct(product{url: "https://a.example/usd", title: "USD", currency: "USD", price: 1999})
	krw := hs.insertProduct(product{url: "https://a.example/krw", title: "KRW", price: 129000})

	// target_price as a JSON number or a string.
	w := hs.do("POST", "/api/v1/me/watches", `{"product_id": `+strconv.FormatInt(usd, 10)+`, "rule": "target", "target_price": 15.5}`, alice)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	require.Equal(t, Money{Minor: 1550, Decimal: "15.50", Currency: "USD"}, *decode[Watch](t, w).TargetPrice)
	w = hs.do("POST", "/api/v1/me/watches", `{"product_id": `+strconv.FormatInt(krw, 10)+`, "rule": "target", "target_price": 119000}`, alice)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	first := decode[Watch](t, w)
	require.Equal(t, int64(119000), first.TargetPrice.Minor)
	requireProblem(t, hs.do("POST", "/api/v1/me/watches", `{"product_id": 1, "rule": "target", "target_price": true}`, alice), http.StatusBadRequest, "malformed-json")

	// The identical watch again (string form this time) is a 409 naming the first.
	w = hs.do("POST", "/api/v1/me/watches", map[string]any{"product_id": krw, "rule": "target", "target_price": "119000"}, alice)
	p := requireProblem(t, w, http.StatusConflict, "duplicate-watch")
	require.Equal(t, first.ID, p.ExistingID)
	require.Equal(t, fmt.Sprintf("/api/v1/me/watches/%d", first.ID), w.Header().Get("Location"))
	// Another target, or another user, is not a duplicate.
	require.Equal(t, http.StatusCreated, hs.do("POST", "/api/v1/me/watches", map[string]any{"product_id": krw, "rule": "target", "target_price": 99000}, alice).Code)
	require.Equal(t, http.StatusCreated, hs.do("POST", "/api/v1/me/watches", map[string]any{"product_id": krw, "rule": "target", "target_price": 119000}, bob).Code)
	// A PATCH that would make two identical watches is refused too.
	second := decode[Watch](t, hs.do("POST", "/api/v1/me/watches", map[string]any{"product_id": krw, "rule": "drop_pct", "drop_pct": 10}, alice))
	p = requireProblem(t, hs.do("PATCH", fmt.Sprintf("/api/v1/me/watches/%d", second.ID), map[string]any{"rule": "target", "target_price": 119000}, alice),
		http.StatusConflict, "duplicate-watch")
	require.Equal(t, first.ID, p.ExistingID)

	// channels: [] is refused, absent means email.
	p = requireProblem(t, hs.do("POST", "/api/v1/me/watches", map[string]any{"product_id": krw, "rule": "rise", "channels": []string{}}, alice), http.StatusBadRequest, "invalid-watch")
	require.Contains(t, p.Detail, "at least one")
	w = hs.do("POST", "/api/v1/me/watches", map[string]any{"product_id": krw, "rule": "rise"}, alice)
	require.Equal(t, []string{"email"}, decode[Watch](t, w).Channels)
}

func TestRateLimitRetryAfter(t *testing.T) {
	t.Parallel()
	hs := setup(t, func(d *Deps) { d.Config.IPBurst, d.Config.IPRate = 1, 0.25 })
	require.NotEqual(t, http.StatusTooManyRequests, hs.do("POST", "/api/v1/scrapes", map[string]any{"url": "https://a.example/1"}).Code)
	w := hs.do("POST", "/api/v1/scrapes", map[string]any{"url": "https://a.example/2"})
	p := requireProblem(t, w, http.StatusTooManyRequests, "rate-limited")
	secs, err := strconv.Atoi(w.Header().Get("Retry-After"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, secs, 1)
	require.Equal(t, secs, p.RetryAfter)
	require.Contains(t, p.Detail, fmt.Sprintf("retry after %ds", secs))

	for _, c := range []struct {
		wait string
		want int
	}{{"1ns", 1}, {"400ms", 1}, {"1s", 1}, {"1.2s", 2}, {"4s", 4}} {
		d, err := parseWait(c.wait, 1<<62)
		require.NoError(t, err)
		require.Equal(t, c.want, retryAfterSeconds(d), c.wait)
	}
}

func TestUnsubscribeBadTokenAnswersBrowsersInHTML(t *testing.T) {
	t.Parallel()
	hs := setup(t, func(d *Deps) { d.Unsubscribe = notify.UnsubscribeHandler(d.DB, unsubSecret) })
	bad := "/api/v1/unsubscribe?token=" + notify.SignUnsubscribe("another-secret-0123456789", 1, "alice")
	browser := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	for _, method := range []string{"GET", "POST"} {
		w := hs.do(method, bad, nil, withHeader("Accept", browser))
		require.Equal(t, http.StatusBadRequest, w.Code)
		require.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
		require.Contains(t, w.Body.String(), "<h1>")
		require.Contains(t, w.Body.String(), "invalid")

		w = hs.do(method, bad, nil, withHeader("Accept", "application/json"))
		require.Equal(t, http.StatusBadRequest, w.Code)
		require.Equal(t, ProblemContentType, w.Header().Get("Content-Type"))
		require.Equal(t, "https://ddokso.dev/problems/invalid-unsubscribe-token", decode[Problem](t, w).Type)
		require.Equal(t, ProblemContentType, hs.do(method, "/api/v1/unsubscribe?token=x", nil).Header().Get("Content-Type"))
	}
}
