package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// storedNotification is a notifications row with what rendering needs.
type storedNotification struct {
	ID           int64
	UserID       string
	WatchID      sql.NullInt64
	ProductID    sql.NullInt64
	VariantID    int64
	Rule         string
	Channel      string
	Title        sql.NullString
	VariantName  sql.NullString
	Image        sql.NullString
	OldPrice     sql.NullInt64
	NewPrice     sql.NullInt64
	AllTimeLow   sql.NullInt64
	Currency     sql.NullString
	OldAvail     sql.NullString
	NewAvail     sql.NullString
	LocalDay     time.Time
	Address      sql.NullString
	Locale       string
	Unsubscribed sql.NullTime
	// DeliverAfter is set on rows that waited for quiet hours to end.
	DeliverAfter sql.NullTime
}

// deliver sends one queued row. It never returns an error: the outcome is
// recorded on the row (sent, failed, skipped, or still queued with the
// error for the sweeper to retry). It claims the row before sending and
// marks it after; the package doc explains the crash window between the
// two and how SES Send events close it for email.
func (w *Worker) deliver(ctx context.Context, id int64) {
	if id == 0 {
		return
	}
	now := w.now().UTC()
	res, err := w.db.ExecContext(ctx, `
UPDATE notifications SET attempts = attempts + 1, claimed_at = ?
WHERE id = ? AND status = ? AND attempts < ? AND (claimed_at IS NULL OR claimed_at < ?)`,
		now, id, StatusQueued, w.cfg.MaxAttempts, now.Add(-w.cfg.RetryAfter))
	if err != nil {
		w.log.ErrorContext(ctx, "claim notification", "notification_id", id, "err", err)
		return
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return // sent, settled, or being sent by someone else
	}
	n, err := w.load(ctx, id)
	if err != nil {
		w.log.ErrorContext(ctx, "load notification", "notification_id", id, "err", err)
		return
	}
	// An alert that waited for quiet hours (not a digest).
	waited := n.DeliverAfter.Valid && n.WatchID.Valid && n.Rule != RuleDigest
	if waited {
		// It waited for quiet hours: send what is true now, or nothing.
		reason, err := w.recheck(ctx, &n)
		if err != nil {
			w.log.WarnContext(ctx, "recheck deferred notification, will retry", "notification_id", id, "err", err)
			w.settle(ctx, id, StatusQueued, err.Error())
			return
		}
		if reason != "" {
			w.settle(ctx, id, StatusSkipped, reason)
			return
		}
	}
	var providerID string
	switch n.Channel {
	case ChannelEmail:
		providerID, err = w.sendEmail(ctx, n)
	case ChannelPush:
		providerID, err = w.sendPush(ctx, n)
	default:
		err = fmt.Errorf("%w: unknown channel %q", ErrPermanent, n.Channel)
	}
	var skip *skipError
	switch {
	case err == nil:
		// Step 4: the only statement between a successful send and its record.
		_, err = w.db.ExecContext(context.WithoutCancel(ctx),
			`UPDATE notifications SET status = ?, provider_message_id = ?, sent_at = ?, error = NULL WHERE id = ?`,
			StatusSent, nullStr(providerID), w.now().UTC(), id)
		if err != nil {
			w.log.ErrorContext(ctx, "record sent notification (will be re-sent by the sweeper)", "notification_id", id, "err", err)
			return
		}
		w.log.InfoContext(ctx, "notification sent", "notification_id", id, "channel", n.Channel, "provider_message_id", providerID)
		if waited {
			// A deferred alert starts the watch's cooldown when it goes out.
			if _, err := w.db.ExecContext(context.WithoutCancel(ctx), `
UPDATE watches SET last_alert_at = ?, last_alert_price = ? WHERE id = ? AND (last_alert_at IS NULL OR last_alert_at < ?)`,
				now, n.NewPrice, n.WatchID.Int64, now); err != nil {
				w.log.ErrorContext(ctx, "record last alert of a deferred notification", "notification_id", id, "err", err)
			}
		}
	case errors.As(err, &skip):
		w.settle(ctx, id, StatusSkipped, skip.reason)
	case errors.Is(err, ErrPermanent):
		w.settle(ctx, id, StatusFailed, err.Error())
	default:
		w.log.WarnContext(ctx, "notification send failed, will retry", "notification_id", id, "err", err)
		w.settle(ctx, id, StatusQueued, err.Error())
	}
}

// skipError means the row cannot be sent on its channel for a cause that
// appeared after it was recorded (suppressed, unsubscribed, no address, push
// subscriptions deleted); the row is settled as skipped with the reason.
type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

func (w *Worker) settle(ctx context.Context, id int64, status, msg string) {
	if status == StatusQueued {
		// Out of attempts: give up.
		_, err := w.db.ExecContext(context.WithoutCancel(ctx), `
UPDATE notifications SET error = ?, status = IF(attempts >= ?, ?, status) WHERE id = ? AND status = ?`,
			truncate(msg, 1000), w.cfg.MaxAttempts, StatusFailed, id, StatusQueued)
		if err != nil {
			w.log.ErrorContext(ctx, "record send error", "notification_id", id, "err", err)
		}
		return
	}
	if status == StatusSkipped {
		w.log.WarnContext(ctx, "notification skipped", "notification_id", id, "reason", msg)
	}
	// Never over a sent row: an SES receipt may have recorded it meanwhile.
	if _, err := w.db.ExecContext(context.WithoutCancel(ctx), `UPDATE notifications SET status = ?, error = ? WHERE id = ? AND status <> ?`,
		status, truncate(msg, 1000), id, StatusSent); err != nil {
		w.log.ErrorContext(ctx, "record notification outcome", "notification_id", id, "status", status, "err", err)
	}
}

func (w *Worker) load(ctx context.Context, id int64) (storedNotification, error) {
	var n storedNotification
	err := w.db.QueryRowContext(ctx, `
SELECT n.id, n.user_id, n.watch_id, n.product_id, n.variant_id, n.rule, n.channel, n.title, n.variant_name, n.image,
       n.old_price, n.new_price, n.all_time_low, n.currency, n.old_availability, n.new_availability, n.local_day,
       u.email, u.locale, w.unsubscribed_at, n.deliver_after
FROM notifications n JOIN users u ON u.id = n.user_id LEFT JOIN watches w ON w.id = n.watch_id
WHERE n.id = ?`, id).Scan(&n.ID, &n.UserID, &n.WatchID, &n.ProductID, &n.VariantID, &n.Rule, &n.Channel, &n.Title, &n.VariantName, &n.Image,
		&n.OldPrice, &n.NewPrice, &n.AllTimeLow, &n.Currency, &n.OldAvail, &n.NewAvail, &n.LocalDay,
		&n.Address, &n.Locale, &n.Unsubscribed, &n.DeliverAfter)
	if err != nil {
		return n, fmt.Errorf("load notification %d: %w", id, err)
	}
	return n, nil
}

func (w *Worker) productURL(productID int64) string {
	return w.cfg.BaseURL + "/products/" + strconv.FormatInt(productID, 10)
}

func (w *Worker) unsubscribeURL(watchID int64, userID string) string {
	return w.cfg.APIBaseURL + "/api/v1/unsubscribe?token=" + url.QueryEscape(SignUnsubscribe(w.cfg.UnsubscribeSecret, watchID, userID))
}

func (w *Worker) view(n storedNotification) alertView {
	l := lang(n.Locale)
	cur := n.Currency.String
	v := alertView{
		Locale: l, Rule: n.Rule, Title: n.Title.String, VariantName: n.VariantName.String, Image: n.Image.String,
		ProductURL:  w.productURL(n.ProductID.Int64),
		BackInStock: n.Rule == RuleBackInStock,
	}
	if n.WatchID.Valid {
		v.UnsubscribeURL = w.unsubscribeURL(n.WatchID.Int64, n.UserID)
	}
	if v.Title == "" {
		v.Title = "#" + strconv.FormatInt(n.ProductID.Int64, 10)
	}
	if n.NewPrice.Valid {
		v.New = FormatPrice(n.NewPrice.Int64, cur, l)
	}
	if n.OldPrice.Valid && !v.BackInStock {
		v.Old = FormatPrice(n.OldPrice.Int64, cur, l)
	}
	if n.OldPrice.Valid && n.NewPrice.Valid {
		v.Discount = discountPct(&n.OldPrice.Int64, &n.NewPrice.Int64)
	}
	if n.AllTimeLow.Valid {
		v.AllTimeLow = FormatPrice(n.AllTimeLow.Int64, cur, l)
		v.IsAllTimeLow = n.NewPrice.Valid && n.NewPrice.Int64 < n.AllTimeLow.Int64
	}
	return v
}

func (w *Worker) sendEmail(ctx context.Context, n storedNotification) (string, error) {
	if !n.Address.Valid || n.Address.String == "" {
		return "", &skipError{reason: reasonNoAddress}
	}
	if sup, err := suppressed(ctx, w.db, n.Address.String); err != nil {
		return "", err
	} else if sup {
		return "", &skipError{reason: reasonSuppressed}
	}
	if n.Unsubscribed.Valid {
		return "", &skipError{reason: reasonUnsubscribed}
	}
	var e Email
	if n.Rule == RuleDigest {
		var err error
		if e, err = w.digestEmail(ctx, n); err != nil {
			return "", err
		}
	} else {
		v := w.view(n)
		text, html, err := render(alertTextT, alertHTMLT, v)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		e = Email{Subject: v.subject(), Text: text, HTML: html, Headers: map[string]string{
			"List-Unsubscribe":      "<" + v.UnsubscribeURL + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		}}
	}
	e.From, e.To = w.cfg.Sender, n.Address.String
	e.Tags = map[string]string{TagNotification: strconv.FormatInt(n.ID, 10)}
	return w.mail.Send(ctx, e)
}

// pushPayload is the JSON a service worker receives.
type pushPayload struct {
	Title          string `json:"title"`
	Body           string `json:"body"`
	URL            string `json:"url"`
	Icon           string `json:"icon,omitempty"`
	Tag            string `json:"tag"`
	NotificationID int64  `json:"notification_id"`
}

func (w *Worker) sendPush(ctx context.Context, n storedNotification) (string, error) {
	if w.push == nil {
		return "", &skipError{reason: reasonPushOff}
	}
	v := w.view(n)
	body := v.New
	if v.Old != "" {
		body = v.Old + " → " + v.New
	}
	if v.Discount > 0 {
		body += fmt.Sprintf(" (-%d%%)", v.Discount)
	}
	payload, err := json.Marshal(pushPayload{
		Title: v.subject(), Body: body, URL: v.ProductURL, Icon: v.Image,
		Tag: "watch-" + strconv.FormatInt(n.WatchID.Int64, 10), NotificationID: n.ID,
	})
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	urgency := "normal"
	if n.Rule == RuleTarget || n.Rule == RuleBackInStock || n.Rule == RuleAllTimeLow {
		urgency = "high"
	}
	subs, err := w.subscriptions(ctx, n.UserID)
	if err != nil {
		return "", err
	}
	var firstID string
	var lastErr error
	ok, gone := 0, 0
	for _, s := range subs {
		id, err := w.push.Push(ctx, s, payload, urgency)
		switch {
		case err == nil:
			if ok == 0 {
				firstID = id
			}
			ok++
		case errors.Is(err, ErrSubscriptionGone):
			if _, derr := w.db.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE id = ?`, s.ID); derr != nil {
				w.log.ErrorContext(ctx, "delete gone push subscription", "subscription_id", s.ID, "err", derr)
			} else {
				w.log.InfoContext(ctx, "push subscription gone, deleted", "subscription_id", s.ID)
			}
			gone++
			lastErr = err
		default:
			lastErr = err
		}
	}
	if ok > 0 {
		if firstID == "" {
			firstID = "push:" + strconv.Itoa(ok)
		}
		return firstID, nil
	}
	if lastErr == nil {
		return "", &skipError{reason: reasonNoPushSub}
	}
	if errors.Is(lastErr, ErrSubscriptionGone) && gone == len(subs) {
		return "", &skipError{reason: reasonPushGone}
	}
	return "", lastErr
}

func (w *Worker) subscriptions(ctx context.Context, userID string) ([]PushSubscription, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list push subscriptions of %s: %w", userID, err)
	}
	defer rows.Close()
	var subs []PushSubscription
	for rows.Next() {
		var s PushSubscription
		if err := rows.Scan(&s.ID, &s.Endpoint, &s.P256dh, &s.Auth); err != nil {
			return nil, err
		}
		subs = append(subs, s)
	}
	return subs, rows.Err()
}

// SendDeferred is the sweeper the binary runs periodically: it releases
// deferred rows whose quiet hours are over and retries queued rows whose
// send was never attempted or whose last attempt is older than RetryAfter
// (a failed send, or a worker that died inside the crash window described
// at deliver). Rows out of attempts are marked failed.
func (w *Worker) SendDeferred(ctx context.Context) error {
	now := w.now().UTC()
	if _, err := w.db.ExecContext(ctx, `
UPDATE notifications SET status = ?, error = 'out of attempts'
WHERE status = ? AND attempts >= ?`, StatusFailed, StatusQueued, w.cfg.MaxAttempts); err != nil {
		return fmt.Errorf("fail exhausted notifications: %w", err)
	}
	if _, err := w.db.ExecContext(ctx, `
UPDATE notifications SET status = ?, claimed_at = NULL WHERE status = ? AND deliver_after <= ?`,
		StatusQueued, StatusDeferred, now); err != nil {
		return fmt.Errorf("release deferred notifications: %w", err)
	}
	stale := now.Add(-w.cfg.RetryAfter)
	rows, err := w.db.QueryContext(ctx, `
SELECT id FROM notifications
WHERE status = ? AND ((claimed_at IS NULL AND (deliver_after IS NOT NULL OR created_at < ?)) OR claimed_at < ?)
ORDER BY id LIMIT 500`, StatusQueued, stale, stale)
	if err != nil {
		return fmt.Errorf("list pending notifications: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		w.deliver(ctx, id)
	}
	return nil
}
