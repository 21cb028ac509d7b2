package notify

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/internal/process"
)

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct{ process.Buffer }

// lines returns the JSON log records whose msg is msg.
func (b *lockedBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rec))
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// captureLogs sends the worker's logs to a buffer.
func (f *fixture) captureLogs() *lockedBuffer {
	b := &lockedBuffer{}
	f.w.log = slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return b
}

// recordingPusher is the push service seen from the worker: it records
// what it was asked to deliver.
type recordingPusher struct {
	mu   sync.Mutex
	sent [][]byte
}

func (p *recordingPusher) Push(_ context.Context, _ PushSubscription, payload []byte, _ string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, payload)
	return "push-1", nil
}

// setPrice sets the catalog's current price, as the scrap worker does.
func (f *fixture) setPrice(productID, price int64) {
	f.t.Helper()
	_, err := f.db.Exec(`UPDATE products SET price = ?, availability = 'in_stock' WHERE id = ?`, price, productID)
	require.NoError(f.t, err)
}

func (f *fixture) lastAlertAt(watchID int64) *time.Time {
	f.t.Helper()
	var at *time.Time
	require.NoError(f.t, f.db.QueryRow(`SELECT last_alert_at FROM watches WHERE id = ?`, watchID).Scan(&at))
	return at
}

var seoul, _ = time.LoadLocation("Asia/Seoul")

// quiet sets the worker's clock to 23:30 in Seoul (inside 23:00-08:00).
func (f *fixture) quiet() {
	f.w.now = func() time.Time { return time.Date(2026, 3, 10, 23, 30, 0, 0, seoul) }
}

// morning sets the clock past the quiet hours and runs the sweeper.
func (f *fixture) morning() {
	f.t.Helper()
	f.w.now = func() time.Time { return time.Date(2026, 3, 11, 8, 1, 0, 0, seoul) }
	require.NoError(f.t, f.w.SendDeferred(context.Background()))
}

func TestUndeliverableChannelsAreRecorded(t *testing.T) {
	t.Parallel()
	f := setup(t)
	logs := f.captureLogs()
	pid := f.product("nochannel")
	f.watch(pid, RuleAnyDrop, nil, false, true) // push only, Web Push off
	_, err := f.db.Exec(`UPDATE users SET email = NULL WHERE id = ?`, f.userID)
	require.NoError(t, err)
	f.watch(pid, RuleAnyDrop, nil, true, false) // email, but the account has no address

	f.handle(priceChanged(pid, "nochannel", 30000, 20000))
	require.Equal(t, []string{StatusSkipped}, f.statuses(ChannelPush))
	require.Equal(t, []string{reasonPushOff}, f.reasons(ChannelPush))
	require.Equal(t, []string{StatusSkipped}, f.statuses(ChannelEmail))
	require.Equal(t, []string{reasonNoAddress}, f.reasons(ChannelEmail))
	skipped := logs.lines(t, "alert skipped")
	require.Len(t, skipped, 2)
	require.ElementsMatch(t, []any{reasonPushOff, reasonNoAddress}, []any{skipped[0]["reason"], skipped[1]["reason"]})

	// Redelivery of the same event records nothing twice.
	f.handle(priceChanged(pid, "nochannel", 30000, 20000))
	require.Len(t, f.statuses(ChannelPush), 1)
}

func TestPushSubscriptionDeletedBeforeDelivery(t *testing.T) {
	t.Parallel()
	f := setup(t, func(c *Config) { c.QuietStart, c.QuietEnd = "23:00", "08:00" })
	pusher := &recordingPusher{}
	w, err := New(f.db, f.w.mail, pusher, f.cfg, nil)
	require.NoError(t, err)
	f.w = w
	logs := f.captureLogs()
	_, err = f.db.Exec(`INSERT INTO push_subscriptions (user_id, endpoint, endpoint_hash, p256dh, auth) VALUES (?, 'https://push.example/x', SHA2('x', 256), 'k', 'a')`, f.userID)
	require.NoError(t, err)
	pid := f.product("pushgone")
	f.setPrice(pid, 20000)
	f.watch(pid, RuleAnyDrop, nil, true, true)

	f.quiet()
	f.handle(priceChanged(pid, "pushgone", 30000, 20000))
	require.Equal(t, []string{StatusDeferred}, f.statuses(ChannelPush))
	// Overnight the user removes the browser and the address bounces.
	_, err = f.db.Exec(`DELETE FROM push_subscriptions WHERE user_id = ?`, f.userID)
	require.NoError(t, err)
	_, err = f.db.Exec(`INSERT INTO email_suppressions (email, reason) VALUES (?, 'bounce')`, f.email)
	require.NoError(t, err)

	f.morning()
	require.Empty(t, pusher.sent)
	require.Empty(t, f.sentTo(f.email))
	require.Equal(t, []string{StatusSkipped}, f.statuses(ChannelPush))
	require.Equal(t, []string{reasonNoPushSub}, f.reasons(ChannelPush))
	require.Equal(t, []string{StatusSkipped}, f.statuses(ChannelEmail))
	require.Equal(t, []string{reasonSuppressed}, f.reasons(ChannelEmail))
	var reasons []any
	for _, l := range logs.lines(t, "notification skipped") {
		reasons = append(reasons, l["reason"])
	}
	require.ElementsMatch(t, []any{reasonNoPushSub, reasonSuppressed}, reasons)
}

func TestDeferralDoesNotStartCooldown(t *testing.T) {
	t.Parallel()
	f := setup(t, func(c *Config) { c.QuietStart, c.QuietEnd, c.Cooldown = "23:00", "08:00", 6*time.Hour })
	pid := f.product("nightdrop")
	wid := f.watch(pid, RuleAnyDrop, nil, true, false)

	f.quiet()
	f.setPrice(pid, 20000)
	f.handle(priceChanged(pid, "nightdrop", 30000, 20000))
	require.Nil(t, f.lastAlertAt(wid), "a deferred alert does not start the cooldown")
	// A bigger drop later that night is not held back by a cooldown; it
	// replaces the first, so the morning brings one mail with the news.
	f.setPrice(pid, 15000)
	f.handle(priceChanged(pid, "nightdrop", 20000, 15000))
	require.Equal(t, []string{StatusSkipped, StatusDeferred}, f.statuses(ChannelEmail))
	require.Contains(t, f.reasons(ChannelEmail)[0], "superseded by a later alert")

	f.morning()
	sent := f.sentTo(f.email)
	require.Len(t, sent, 1)
	m := parseRaw(t, sent[0].Raw)
	require.Equal(t, "[똑소] nightdrop 가격이 15,000원으로 내렸어요", m.Subj)
	require.Equal(t, []string{StatusSkipped, StatusSent}, f.statuses(ChannelEmail))
	at := f.lastAlertAt(wid)
	require.NotNil(t, at, "the cooldown starts when the deferred alert is sent")
	require.WithinDuration(t, f.w.now(), *at, time.Second)
}

func TestDailyCapDoesNotStartCooldown(t *testing.T) {
	t.Parallel()
	f := setup(t, func(c *Config) { c.DailyCap, c.Cooldown = 1, 6*time.Hour })
	first, second := f.product("cap-a"), f.product("cap-b")
	wa := f.watch(first, RuleAnyDrop, nil, true, false)
	wb := f.watch(second, RuleAnyDrop, nil, true, false)
	f.handle(priceChanged(first, "cap-a", 30000, 20000))
	f.handle(priceChanged(second, "cap-b", 30000, 20000))
	require.Equal(t, []string{StatusSent, StatusCapped}, f.statuses(ChannelEmail))
	require.NotNil(t, f.lastAlertAt(wa))
	require.Nil(t, f.lastAlertAt(wb), "a capped alert does not start the cooldown")
}

func TestDeferredAlertRecheckedAtDelivery(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		rule    string
		target  *int64
		night   [2]int64 // the move that fired during quiet hours
		morning int64    // the catalog's price when quiet hours end
		subject string   // "" = no mail
		reason  string
	}{
		{name: "target still met, quotes the current price", rule: RuleTarget, target: ptr(20000),
			night: [2]int64{25000, 19000}, morning: 18000, subject: "[똑소] recheck 가격이 18,000원으로 내렸어요"},
		{name: "back above the target", rule: RuleTarget, target: ptr(20000),
			night: [2]int64{25000, 19000}, morning: 24000, reason: "no longer true at delivery: the price is 24000 KRW now, above the target 20000"},
		{name: "drop undone", rule: RuleAnyDrop,
			night: [2]int64{25000, 19000}, morning: 25000, reason: "no longer true at delivery: the price is 25000 KRW now"},
		{name: "drop smaller but still a drop", rule: RuleAnyDrop,
			night: [2]int64{25000, 19000}, morning: 22000, subject: "[똑소] recheck 가격이 22,000원으로 내렸어요"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, func(c *Config) { c.QuietStart, c.QuietEnd = "23:00", "08:00" })
			logs := f.captureLogs()
			pid := f.product("recheck")
			f.watch(pid, tc.rule, tc.target, true, false)
			f.quiet()
			f.setPrice(pid, tc.night[1])
			f.handle(priceChanged(pid, "recheck", tc.night[0], tc.night[1]))
			require.Equal(t, []string{StatusDeferred}, f.statuses(ChannelEmail))

			f.setPrice(pid, tc.morning)
			f.morning()
			sent := f.sentTo(f.email)
			if tc.subject == "" {
				require.Empty(t, sent)
				require.Equal(t, []string{StatusSkipped}, f.statuses(ChannelEmail))
				require.Equal(t, []string{tc.reason}, f.reasons(ChannelEmail))
				require.Len(t, logs.lines(t, "notification skipped"), 1)
				return
			}
			require.Len(t, sent, 1)
			require.Equal(t, tc.subject, parseRaw(t, sent[0].Raw).Subj)
			require.Equal(t, []string{StatusSent}, f.statuses(ChannelEmail))
			var stored int64
			require.NoError(t, f.db.QueryRow(`SELECT new_price FROM notifications WHERE user_id = ?`, f.userID).Scan(&stored))
			require.Equal(t, tc.morning, stored, "the row records the price the mail quoted")
		})
	}
}
