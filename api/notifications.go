package api

import (
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ddokso/ddokso/watch"
)

// Notification is one alert on one channel and what became of it.
type Notification struct {
	ID      int64  `json:"id"`
	WatchID int64  `json:"watch_id,omitempty"`
	Rule    string `json:"rule"`
	Channel string `json:"channel"`
	// Status is queued, deferred, sent, failed, skipped or capped
	// (package watch).
	Status string `json:"status"`
	// Reason says why a notification was not (yet) sent: the provider's
	// error, "quiet_hours" for a deferred one, "daily_cap" for a capped one.
	Reason       string           `json:"reason,omitempty"`
	DeliverAfter *time.Time       `json:"deliver_after,omitempty"`
	SentAt       *time.Time       `json:"sent_at,omitempty"`
	CreatedAt    time.Time        `json:"created_at"`
	Price        *Money           `json:"price,omitempty"`
	OldPrice     *Money           `json:"old_price,omitempty"`
	Product      *NotifiedProduct `json:"product,omitempty"`
}

// NotifiedProduct is the product of a notification as the alert showed it.
type NotifiedProduct struct {
	ID    int64  `json:"id"`
	Title string `json:"title,omitempty"`
	Image string `json:"image,omitempty"`
}

// NotificationPage is one page of GET /me/notifications, newest first.
type NotificationPage struct {
	Items      []*Notification `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

const notificationCursor = "notifications"

// notificationQuery is GET /me/notifications's parameters as SQL.
func (s *server) notificationQuery(c *gin.Context, userID string) (string, []any, int, error) {
	where, args := "user_id = ?", []any{userID}
	limit := s.cfg.PageSize
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > s.cfg.MaxPageSize {
			return "", nil, 0, clientErr(http.StatusBadRequest, "invalid-parameter", "limit must be 1..%d", s.cfg.MaxPageSize)
		}
		limit = n
	}
	if v := c.Query("status"); v != "" {
		if !watch.ValidStatus(v) {
			return "", nil, 0, clientErr(http.StatusBadRequest, "invalid-parameter", "status %q is not %s", v, watch.StatusList())
		}
		where += " AND status = ?"
		args = append(args, v)
	}
	if v := c.Query("channel"); v != "" {
		if v != channelEmail && v != channelPush {
			return "", nil, 0, clientErr(http.StatusBadRequest, "invalid-parameter", "channel %q is not email or push", v)
		}
		where += " AND channel = ?"
		args = append(args, v)
	}
	if v := c.Query("cursor"); v != "" {
		cur, err := decodeCursor(v)
		if err != nil || cur.Sort != notificationCursor || cur.ID <= 0 {
			return "", nil, 0, clientErr(http.StatusBadRequest, "invalid-cursor", "cursor does not belong to this listing; start again without it")
		}
		where += " AND id < ?"
		args = append(args, cur.ID)
	}
	q := `SELECT id, COALESCE(watch_id, 0), COALESCE(product_id, 0), rule, channel, status, COALESCE(error, ''),
		deliver_after, sent_at, created_at, new_price, old_price, COALESCE(currency, ''), COALESCE(title, ''), COALESCE(image, '')
		FROM notifications WHERE ` + where + ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit+1)
	return q, args, limit, nil
}

func (s *server) listNotifications(c *gin.Context) {
	for k := range c.Request.URL.Query() {
		if k != "limit" && k != "status" && k != "channel" && k != "cursor" {
			fail(c, http.StatusBadRequest, "invalid-parameter", fmt.Sprintf("unknown query parameter %q", k))
			return
		}
	}
	q, args, limit, err := s.notificationQuery(c, userFrom(c).ID)
	if err != nil {
		s.failErr(c, err)
		return
	}
	rows, err := s.db.QueryContext(c.Request.Context(), q, args...)
	if err != nil {
		s.failErr(c, fmt.Errorf("list notifications: %w", err))
		return
	}
	defer rows.Close()
	page := NotificationPage{Items: []*Notification{}}
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			s.failErr(c, fmt.Errorf("scan notification: %w", err))
			return
		}
		if len(page.Items) == limit {
			page.NextCursor = cursor{Sort: notificationCursor, ID: page.Items[limit-1].ID}.encode()
			break
		}
		page.Items = append(page.Items, n)
	}
	if err := rows.Err(); err != nil {
		s.failErr(c, fmt.Errorf("list notifications: %w", err))
		return
	}
	c.JSON(http.StatusOK, page)
}

func scanNotification(r rowScanner) (*Notification, error) {
	var (
		n                    Notification
		productID            int64
		deliverAfter, sentAt sql.NullTime
		price, old           sql.NullInt64
		currency             string
		p                    NotifiedProduct
	)
	if err := r.Scan(&n.ID, &n.WatchID, &productID, &n.Rule, &n.Channel, &n.Status, &n.Reason,
		&deliverAfter, &sentAt, &n.CreatedAt, &price, &old, &currency, &p.Title, &p.Image); err != nil {
		return nil, err
	}
	n.CreatedAt = n.CreatedAt.UTC()
	if deliverAfter.Valid {
		t := deliverAfter.Time.UTC()
		n.DeliverAfter = &t
	}
	if sentAt.Valid {
		t := sentAt.Time.UTC()
		n.SentAt = &t
	}
	if n.Reason == "" {
		switch n.Status {
		case "deferred":
			n.Reason = "quiet_hours"
		case "capped":
			n.Reason = "daily_cap"
		}
	}
	n.Price, n.OldPrice = money(price, currency), money(old, currency)
	if productID != 0 {
		p.ID = productID
		n.Product = &p
	}
	return &n, nil
}
