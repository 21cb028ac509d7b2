package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SendDigest sends userID's digest for the local day (YYYY-MM-DD; empty
// means today in the user's time zone): the alerts the daily cap held back
// that day, plus the day's biggest drops on the user's watches. Nothing is
// sent when there is nothing to list; a second call for the same day sends
// nothing again.
func (w *Worker) SendDigest(ctx context.Context, userID, day string) error {
	var tz string
	var addr sql.NullString
	err := w.db.QueryRowContext(ctx, `SELECT timezone, email FROM users WHERE id = ?`, userID).Scan(&tz, &addr)
	if errors.Is(err, sql.ErrNoRows) {
		w.log.WarnContext(ctx, "digest for unknown user", "user_id", userID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("load user %s: %w", userID, err)
	}
	loc := w.userLocation(tz)
	if day == "" {
		day = w.now().In(loc).Format(time.DateOnly)
	}
	d, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		return fmt.Errorf("digest day %q: %w", day, err)
	}
	if !addr.Valid || addr.String == "" {
		return nil
	}
	var id int64
	var send bool
	err = w.withTx(ctx, func(tx *sql.Tx) error {
		var held int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND local_day = ? AND status = ? AND digest_id IS NULL`,
			userID, day, StatusCapped).Scan(&held); err != nil {
			return fmt.Errorf("count capped alerts: %w", err)
		}
		drops, err := w.biggestDrops(ctx, tx, userID, d)
		if err != nil {
			return err
		}
		if held == 0 && len(drops) == 0 {
			return nil
		}
		key := hashKey(userID, RuleDigest, day)
		fresh := false
		id, fresh, err = insertNotification(ctx, tx, notificationRow{
			UserID: userID, Rule: RuleDigest, Channel: ChannelEmail, Status: StatusQueued,
			DedupeKey: key, AlertKey: key, LocalDay: day,
		})
		if err != nil {
			return err
		}
		send = id != 0
		if fresh {
			if _, err := tx.ExecContext(ctx, `UPDATE notifications SET digest_id = ? WHERE user_id = ? AND local_day = ? AND status = ? AND digest_id IS NULL`,
				id, userID, day, StatusCapped); err != nil {
				return fmt.Errorf("attach capped alerts to digest: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if send {
		w.deliver(ctx, id)
	}
	return nil
}

func (w *Worker) withTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

type queryer interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

// biggestDrops lists the user's watched products whose last change on the
// local day d was a drop, biggest first.
func (w *Worker) biggestDrops(ctx context.Context, q queryer, userID string, d time.Time) ([]dropRow, error) {
	rows, err := q.QueryContext(ctx, `
SELECT p.id, COALESCE(p.title, ''), p.last_drop, p.price, COALESCE(p.currency, '')
FROM products p
WHERE p.id IN (SELECT product_id FROM watches WHERE user_id = ? AND active = 1)
  AND p.last_drop > 0 AND p.price IS NOT NULL AND p.last_changed_at >= ? AND p.last_changed_at < ?
ORDER BY p.last_drop DESC, p.id LIMIT ?`, userID, d.UTC(), d.AddDate(0, 0, 1).UTC(), w.cfg.DigestTopDrops)
	if err != nil {
		return nil, fmt.Errorf("list biggest drops: %w", err)
	}
	defer rows.Close()
	var out []dropRow
	for rows.Next() {
		var r dropRow
		if err := rows.Scan(&r.ProductID, &r.Title, &r.Drop, &r.Price, &r.Currency); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

type dropRow struct {
	ProductID int64
	Title     string
	Drop      int64
	Price     int64
	Currency  string
}

// digestEmail renders the digest row n.
func (w *Worker) digestEmail(ctx context.Context, n storedNotification) (Email, error) {
	l := lang(n.Locale)
	rows, err := w.db.QueryContext(ctx, `SELECT MIN(id) FROM notifications WHERE digest_id = ? GROUP BY alert_key ORDER BY MIN(id)`, n.ID)
	if err != nil {
		return Email{}, fmt.Errorf("list digest alerts: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return Email{}, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	dv := digestView{Locale: l, Day: n.LocalDay.Format(time.DateOnly)}
	for _, id := range ids {
		h, err := w.load(ctx, id)
		if err != nil {
			return Email{}, err
		}
		dv.Held = append(dv.Held, w.view(h))
	}
	var tz string
	if err := w.db.QueryRowContext(ctx, `SELECT timezone FROM users WHERE id = ?`, n.UserID).Scan(&tz); err != nil {
		return Email{}, fmt.Errorf("load user timezone: %w", err)
	}
	loc := w.userLocation(tz)
	day, _ := time.ParseInLocation(time.DateOnly, dv.Day, loc)
	drops, err := w.biggestDrops(ctx, w.db, n.UserID, day)
	if err != nil {
		return Email{}, err
	}
	for _, d := range drops {
		dv.Drops = append(dv.Drops, dropView{Title: d.Title, ProductURL: w.productURL(d.ProductID),
			Drop: FormatPrice(d.Drop, d.Currency, l), Now: FormatPrice(d.Price, d.Currency, l)})
	}
	text, html, err := render(digestTextT, digestHTMLT, dv)
	if err != nil {
		return Email{}, fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	return Email{Subject: fmt.Sprintf(msgs[l]["digest"], dv.Day), Text: text, HTML: html}, nil
}
