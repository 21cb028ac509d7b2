package api

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"
	_ "time/tzdata" // time zones validated and used on hosts without /usr/share/zoneinfo

	"github.com/gin-gonic/gin"

	"github.com/ddokso/ddokso/store"
)

// Languages alerts can be written in (users.locale).
var languages = []string{"ko", "en"}

// Me is the caller's own settings, GET and PATCH /me.
type Me struct {
	ID string `json:"id"`
	// Email is where email alerts go; EmailSource says whether it is the
	// sign-in token's (which wins) or set here.
	Email       string       `json:"email,omitempty"`
	EmailSource string       `json:"email_source,omitempty"`
	EmailState  ChannelState `json:"email_state"`
	PushState   ChannelState `json:"push_state"`
	// PushSubscriptions counts the browsers subscribed for push.
	PushSubscriptions int `json:"push_subscriptions"`
	// TimeZone is an IANA zone: quiet hours and the daily cap count in it.
	TimeZone string `json:"time_zone"`
	// QuietHours nil is the service default.
	QuietHours *QuietHours `json:"quiet_hours"`
	// DailyCap nil is the service default.
	DailyCap *int   `json:"daily_cap"`
	Language string `json:"language"`
}

// QuietHours are local times [start, end), wrapping midnight when end is
// earlier; start equal to end means none.
type QuietHours struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Range of a user's daily cap.
const maxDailyCap = 100

func (s *server) getMe(c *gin.Context) {
	me, err := s.loadMe(c.Request.Context(), userFrom(c))
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, me)
}

// loadMe reads the caller's settings; a user with no row yet has the defaults.
func (s *server) loadMe(ctx context.Context, u *User) (*Me, error) {
	me := &Me{ID: u.ID, TimeZone: "Asia/Seoul", Language: "ko"}
	var (
		email, source, qs, qe sql.NullString
		dailyCap              sql.NullInt64
	)
	err := s.db.QueryRowContext(ctx, `SELECT email, email_source, timezone, locale, quiet_start, quiet_end, daily_cap
		FROM users WHERE id = ?`, u.ID).Scan(&email, &source, &me.TimeZone, &me.Language, &qs, &qe, &dailyCap)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("load user %q: %w", u.ID, err)
	}
	me.Email, me.EmailSource = email.String, source.String
	if u.Email != "" {
		me.Email, me.EmailSource = u.Email, emailFromToken
	}
	if qs.Valid && qe.Valid {
		me.QuietHours = &QuietHours{Start: clock(qs.String), End: clock(qe.String)}
	}
	if dailyCap.Valid {
		n := int(dailyCap.Int64)
		me.DailyCap = &n
	}
	uc, err := s.loadUserChannels(ctx, s.db, u)
	if err != nil {
		return nil, err
	}
	me.EmailState, me.PushState, me.PushSubscriptions = uc.emailState(), uc.pushState(), uc.pushSubs
	return me, nil
}

// clock turns MySQL TIME text ("23:00:00") into "23:00".
func clock(v string) string {
	if len(v) >= 5 {
		return v[:5]
	}
	return v
}

// mePatch is a validated PATCH /me: each set field is a column to write.
type mePatch struct {
	set  []string
	args []any
}

func (p *mePatch) add(col string, v any) {
	p.set = append(p.set, col+" = ?")
	p.args = append(p.args, v)
}

func invalidSettings(format string, args ...any) *reqError {
	return clientErr(http.StatusBadRequest, "invalid-settings", format, args...)
}

// parseMePatch validates a PATCH /me body: fields absent stay, null
// resets email, quiet_hours and daily_cap.
func parseMePatch(body []byte, u *User) (mePatch, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return mePatch{}, clientErr(http.StatusBadRequest, "malformed-json", "request body must be a JSON object")
	}
	var p mePatch
	for k, v := range raw {
		var err error
		switch k {
		case "email":
			err = p.email(v, u)
		case "time_zone":
			err = p.timeZone(v)
		case "quiet_hours":
			err = p.quietHours(v)
		case "daily_cap":
			err = p.dailyCap(v)
		case "language":
			err = p.language(v)
		default:
			err = invalidSettings("unknown field %q (email, time_zone, quiet_hours, daily_cap, language)", k)
		}
		if err != nil {
			return mePatch{}, err
		}
	}
	return p, nil
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

func (p *mePatch) email(v json.RawMessage, u *User) error {
	if u.Email != "" {
		return clientErr(http.StatusConflict, "email-from-sign-in",
			"your email address comes from your sign-in (%s); change it there", u.Email)
	}
	if isNull(v) {
		p.add("email", nil)
		p.add("email_source", nil)
		return nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return invalidSettings("email must be a string or null")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != strings.TrimSpace(s) || len(a.Address) > 320 || !strings.Contains(a.Address, "@") {
		return invalidSettings("email %q is not a plain email address", s)
	}
	p.add("email", a.Address)
	p.add("email_source", emailFromUser)
	return nil
}

func (p *mePatch) timeZone(v json.RawMessage) error {
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return invalidSettings("time_zone must be an IANA time zone name such as Asia/Seoul")
	}
	if _, err := time.LoadLocation(s); err != nil || s == "" || s == "Local" || len(s) > 64 {
		return invalidSettings("time_zone %q is not an IANA time zone name such as Asia/Seoul", s)
	}
	p.add("timezone", s)
	return nil
}

func (p *mePatch) quietHours(v json.RawMessage) error {
	if isNull(v) {
		p.add("quiet_start", nil)
		p.add("quiet_end", nil)
		return nil
	}
	var q QuietHours
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return invalidSettings("quiet_hours must be {\"start\": \"HH:MM\", \"end\": \"HH:MM\"} or null")
	}
	for _, t := range []string{q.Start, q.End} {
		if _, err := time.Parse("15:04", t); err != nil || len(t) != 5 {
			return invalidSettings("quiet_hours times must be HH:MM (00:00-23:59), got %q", t)
		}
	}
	p.add("quiet_start", q.Start+":00")
	p.add("quiet_end", q.End+":00")
	return nil
}

func (p *mePatch) dailyCap(v json.RawMessage) error {
	if isNull(v) {
		p.add("daily_cap", nil)
		return nil
	}
	var n int
	if err := json.Unmarshal(v, &n); err != nil || n < 1 || n > maxDailyCap {
		return invalidSettings("daily_cap must be a whole number 1..%d or null (the service default)", maxDailyCap)
	}
	p.add("daily_cap", n)
	return nil
}

func (p *mePatch) language(v json.RawMessage) error {
	var s string
	if err := json.Unmarshal(v, &s); err != nil || (s != "ko" && s != "en") {
		return invalidSettings("language must be one of %v", languages)
	}
	p.add("locale", s)
	return nil
}

func (s *server) patchMe(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		return
	}
	u := userFrom(c)
	p, err := parseMePatch(body, u)
	if err != nil {
		s.failErr(c, err)
		return
	}
	ctx := c.Request.Context()
	err = store.InTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := ensureUser(ctx, tx, u); err != nil {
			return err
		}
		if len(p.set) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE users SET `+strings.Join(p.set, ", ")+` WHERE id = ?`, append(p.args, u.ID)...)
		if err != nil {
			return fmt.Errorf("update user %q: %w", u.ID, err)
		}
		return nil
	})
	if err != nil {
		s.failErr(c, err)
		return
	}
	s.getMe(c)
}

// readBody reads the (size-limited) request body, answering 413 itself.
func readBody(c *gin.Context) ([]byte, error) {
	var raw json.RawMessage
	if !bindJSON(c, &raw) {
		return nil, errors.New("body refused")
	}
	return raw, nil
}
