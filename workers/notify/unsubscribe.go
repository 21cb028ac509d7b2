package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// SignUnsubscribe returns the one-click unsubscribe token of a watch:
// base64url("watchID:userID") "." base64url(HMAC-SHA256(secret, same)).
func SignUnsubscribe(secret string, watchID int64, userID string) string {
	msg := strconv.FormatInt(watchID, 10) + ":" + userID
	return base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." + base64.RawURLEncoding.EncodeToString(unsubMAC(secret, msg))
}

func unsubMAC(secret, msg string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// VerifyUnsubscribe checks a token made by SignUnsubscribe and returns its watch and user.
func VerifyUnsubscribe(secret, token string) (int64, string, error) {
	p, s, ok := strings.Cut(token, ".")
	if !ok {
		return 0, "", errors.New("unsubscribe token: malformed")
	}
	msg, err1 := base64.RawURLEncoding.DecodeString(p)
	sig, err2 := base64.RawURLEncoding.DecodeString(s)
	if err1 != nil || err2 != nil {
		return 0, "", errors.New("unsubscribe token: bad encoding")
	}
	if !hmac.Equal(sig, unsubMAC(secret, string(msg))) {
		return 0, "", errors.New("unsubscribe token: bad signature")
	}
	ws, user, ok := strings.Cut(string(msg), ":")
	id, err := strconv.ParseInt(ws, 10, 64)
	if !ok || err != nil || id <= 0 || user == "" {
		return 0, "", errors.New("unsubscribe token: bad payload")
	}
	return id, user, nil
}

var confirmPage = template.Must(template.New("unsubscribe").Parse(`<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>알림 그만 받기 · Unsubscribe</title></head>
<body style="font-family:sans-serif;max-width:480px;margin:2em auto">
{{if .Done}}<h1>알림을 더 이상 보내지 않을게요.</h1><p>You will no longer receive these alerts.</p>
{{else}}<h1>이 상품의 가격 알림 메일을 그만 받을까요?</h1><p>Stop email alerts for this product?</p>
<form method="post" action="?token={{.Token}}"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">그만 받기 · Unsubscribe</button></form>{{end}}
</body></html>
`))

var invalidPage = template.Must(template.New("invalid").Parse(`<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>잘못된 링크 · Invalid link</title></head>
<body style="font-family:sans-serif;max-width:480px;margin:2em auto">
<h1>이 수신 거부 링크는 올바르지 않아요.</h1><p>This unsubscribe link is invalid or damaged. Open the link from the
latest alert email again, or change your alerts in the ddokso app.</p>
</body></html>
`))

// wantsHTML reports whether the client (a browser) prefers HTML: its Accept
// names text/html, and no JSON type before it.
func wantsHTML(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt := strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		switch {
		case mt == "text/html" || mt == "application/xhtml+xml":
			return true
		case strings.HasSuffix(mt, "json"):
			return false
		}
	}
	return false
}

// UnsubscribeHandler serves one-click unsubscribe (RFC 8058) at
// GET and POST /api/v1/unsubscribe?token=...; no login is needed, the
// signed token is the authority. GET shows a confirmation page whose
// button POSTs (mail scanners prefetch GETs, so GET changes nothing); POST
// (e.g. the mail client's "List-Unsubscribe=One-Click" body) stops email
// for the watch and answers 200. A forged or garbled token is a 400: an
// HTML page for a browser (Accept: text/html), else application/problem+json.
func UnsubscribeHandler(db *sql.DB, secret string) gin.HandlerFunc {
	return func(c *gin.Context) {
		token := c.Query("token")
		if token == "" && c.Request.Method == http.MethodPost {
			token = c.PostForm("token")
		}
		watchID, userID, err := VerifyUnsubscribe(secret, token)
		if err != nil {
			if wantsHTML(c.Request) {
				c.Header("Content-Type", "text/html; charset=utf-8")
				c.Header("Cache-Control", "no-store")
				c.Status(http.StatusBadRequest)
				_ = invalidPage.Execute(c.Writer, nil)
				c.Abort()
				return
			}
			c.Header("Content-Type", "application/problem+json")
			c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{
				"type": "https://ddokso.dev/problems/invalid-unsubscribe-token", "title": "Invalid unsubscribe link",
				"status": http.StatusBadRequest, "detail": err.Error(), "instance": c.Request.URL.Path,
			})
			return
		}
		done := false
		if c.Request.Method == http.MethodPost {
			if _, err := db.ExecContext(c.Request.Context(),
				`UPDATE watches SET unsubscribed_at = COALESCE(unsubscribed_at, UTC_TIMESTAMP(6)) WHERE id = ? AND user_id = ?`, watchID, userID); err != nil {
				c.Header("Content-Type", "application/problem+json")
				c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{
					"type": "about:blank", "title": "Unsubscribe failed", "status": http.StatusInternalServerError,
					"detail": fmt.Sprintf("watch %d: try again later", watchID),
				})
				return
			}
			done = true
		}
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Header("Cache-Control", "no-store")
		c.Status(http.StatusOK)
		_ = confirmPage.Execute(c.Writer, struct {
			Done  bool
			Token string
		}{done, token})
	}
}
