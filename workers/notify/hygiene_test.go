package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
)

func TestComplaintSuppresses(t *testing.T) {
	t.Parallel()
	f := setup(t)
	pid := f.product("suppressed")
	f.watch(pid, RuleAnyDrop, nil, true, false)

	body := `{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"` + strings.ToUpper(f.email) + `"}],
	 "timestamp":"2026-01-02T03:04:05.000Z","feedbackId":"fb-1","complaintFeedbackType":"abuse"},
	 "mail":{"timestamp":"2026-01-02T03:00:00.000Z","source":"alerts@ddokso.test","messageId":"msg-1","destination":["` + f.email + `"]}}`
	env, err := DecodeSESEvent([]byte(body))
	require.NoError(t, err)
	require.Equal(t, TypeSESNotification, env.Type)
	again, err := DecodeSESEvent([]byte(body))
	require.NoError(t, err)
	require.Equal(t, env.ID, again.ID, "stable id per notification")
	require.NoError(t, f.w.HandleSESEvent(context.Background(), env, &events.Message{}))
	require.NoError(t, f.w.HandleSESEvent(context.Background(), again, &events.Message{}))

	f.handle(priceChanged(pid, "suppressed", 20000, 15000))
	require.Equal(t, []string{StatusSkipped}, f.statuses(ChannelEmail))
	require.Equal(t, []string{reasonSuppressed}, f.reasons(ChannelEmail))
	require.Empty(t, f.sentTo(f.email))
}

func TestDailyCapAndDigest(t *testing.T) {
	t.Parallel()
	f := setup(t, func(c *Config) { c.DailyCap = 3 })
	for i := range 10 {
		title := "capped-" + string(rune('a'+i))
		pid := f.product(title)
		f.watch(pid, RuleAnyDrop, nil, true, false)
		f.handle(priceChanged(pid, title, 50000, int64(40000+i*100)))
	}
	st := f.statuses(ChannelEmail)
	require.Equal(t, []string{StatusSent, StatusSent, StatusSent}, st[:3])
	require.Len(t, st, 10)
	for _, s := range st[3:] {
		require.Equal(t, StatusCapped, s)
	}
	require.Len(t, f.sentTo(f.email), 3)

	digest := events.MustNew(context.Background(), events.NotifyRequested{Kind: "digest", UserID: f.userID})
	f.handle(digest)
	f.handle(digest) // redelivered: still one digest
	sent := f.sentTo(f.email)
	require.Len(t, sent, 4)
	m := parseRaw(t, sent[3].Raw)
	require.Contains(t, m.Subj, "오늘의 가격 알림 모음")
	for i := 3; i < 10; i++ {
		require.Contains(t, m.Text, "capped-"+string(rune('a'+i))+": 50,000원 →")
	}
	for i := range 3 {
		require.NotContains(t, m.Text, "capped-"+string(rune('a'+i))+":", "alerts already sent are not in the digest")
	}
}

func TestOneClickUnsubscribe(t *testing.T) {
	t.Parallel()
	f := setup(t)
	pid := f.product("unsub")
	wid := f.watch(pid, RuleAnyDrop, nil, true, false)
	f.handle(priceChanged(pid, "unsub", 30000, 25000))
	require.Len(t, f.sentTo(f.email), 1)

	gin.SetMode(gin.TestMode)
	r := gin.New()
	h := UnsubscribeHandler(f.db, "test-secret")
	r.GET("/api/v1/unsubscribe", h)
	r.POST("/api/v1/unsubscribe", h)
	do := func(method, token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "/api/v1/unsubscribe?token="+url.QueryEscape(token), strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec
	}

	forged := SignUnsubscribe("wrong-secret", wid, f.userID)
	rec := do(http.MethodPost, forged)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	require.Equal(t, http.StatusBadRequest, do(http.MethodPost, "garbage").Code)

	token := SignUnsubscribe("test-secret", wid, f.userID)
	get := do(http.MethodGet, token)
	require.Equal(t, http.StatusOK, get.Code)
	require.Contains(t, get.Body.String(), `<form method="post"`)
	f.handle(priceChanged(pid, "unsub", 25000, 22000)) // GET alone changes nothing
	require.Len(t, f.sentTo(f.email), 2)

	require.Equal(t, http.StatusOK, do(http.MethodPost, token).Code)
	f.handle(priceChanged(pid, "unsub", 22000, 18000))
	require.Len(t, f.sentTo(f.email), 2, "no mail after unsubscribe")
}
