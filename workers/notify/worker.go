package notify

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/store"
	"github.com/ddokso/ddokso/watch"
)

// Notification statuses (notifications.status), named by package watch.
const (
	StatusQueued   = watch.Queued
	StatusSent     = watch.Sent
	StatusFailed   = watch.Failed
	StatusCapped   = watch.Capped
	StatusDeferred = watch.Deferred
	// StatusSkipped is an alert that could not be delivered on its channel
	// (no push subscription, push off, no address, address suppressed,
	// watch unsubscribed, or no longer true when its quiet hours ended);
	// the row's error column holds the reason the user is shown.
	StatusSkipped = watch.Skipped
)

// Channels (notifications.channel).
const (
	ChannelEmail = "email"
	ChannelPush  = "push"
)

// Worker evaluates watch rules and delivers notifications.
type Worker struct {
	db   *sql.DB
	mail Mailer
	push Pusher
	cfg  Config
	log  *slog.Logger
	loc  *time.Location
	// now is the clock; tests replace it.
	now func() time.Time
}

// New returns a worker. push may be nil (Web Push off), in which case push
// alerts are recorded as skipped with the reason.
func New(db *sql.DB, mail Mailer, push Pusher, cfg Config, log *slog.Logger) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if db == nil || mail == nil {
		return nil, errors.New("notify: db and mailer are required")
	}
	if log == nil {
		log = slog.Default()
	}
	loc, _ := time.LoadLocation(cfg.DefaultTimezone) // Validate checked it
	return &Worker{db: db, mail: mail, push: push, cfg: cfg, log: log.With("worker", "notify"), loc: loc, now: time.Now}, nil
}

// Handle consumes price.changed (rule evaluation and alerts) and
// notify.requested with kind "digest" (the user's daily digest).
func (w *Worker) Handle(ctx context.Context, env events.Envelope, msg *events.Message) error {
	switch env.Type {
	case events.TypePriceChanged:
		var p events.PriceChanged
		if err := env.Decode(&p); err != nil {
			return err
		}
		return w.handlePriceChanged(ctx, p)
	case events.TypeNotifyRequested:
		var p events.NotifyRequested
		if err := env.Decode(&p); err != nil {
			return err
		}
		if p.Kind != "digest" {
			return events.Permanent(fmt.Errorf("notify.requested %s: unsupported kind %q", env.ID, p.Kind))
		}
		return w.SendDigest(ctx, p.UserID, p.Day)
	default:
		return events.Permanent(fmt.Errorf("notify: unexpected event type %q", env.Type))
	}
}

func (w *Worker) handlePriceChanged(ctx context.Context, p events.PriceChanged) error {
	now := w.now().UTC()
	var queued []int64
	for _, ch := range p.Changes {
		ids, err := w.watchIDs(ctx, p.ProductID, ch.VariantID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			q, err := w.applyChange(ctx, id, p, ch, now)
			if err != nil {
				return fmt.Errorf("watch %d on product %d: %w", id, p.ProductID, err)
			}
			queued = append(queued, q...)
		}
	}
	// Rows are committed as queued; send them now. A failure here is left
	// to the row's retry (SendDeferred), not to redelivery of the event.
	for _, id := range queued {
		w.deliver(ctx, id)
	}
	return nil
}

func (w *Worker) watchIDs(ctx context.Context, productID, variantID int64) ([]int64, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT id FROM watches WHERE product_id = ? AND variant_id = ? AND active = 1 ORDER BY id`, productID, variantID)
	if err != nil {
		return nil, fmt.Errorf("list watches of product %d variant %d: %w", productID, variantID, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// watchState is a watch joined with its user, read FOR UPDATE.
type watchState struct {
	UserID       string
	Rule         string
	Target       sql.NullInt64
	DropPct      sql.NullFloat64
	Email        bool
	Push         bool
	Armed        bool
	LastAlertAt  sql.NullTime
	Unsubscribed sql.NullTime
	Address      sql.NullString
	Locale       string
	Timezone     string
	QuietStart   sql.NullString
	QuietEnd     sql.NullString
	DailyCap     sql.NullInt64
}

// applyChange evaluates one watch against one change and records the
// alert, all in one transaction that holds the watch's and its user's row
// locks (so the cap count and cooldown cannot race). It returns the ids of
// rows to send now.
func (w *Worker) applyChange(ctx context.Context, watchID int64, p events.PriceChanged, ch events.PriceChange, now time.Time) ([]int64, error) {
	var send []int64
	err := store.InTx(ctx, w.db, func(tx *sql.Tx) error {
		send = nil
		s, ok, err := lockWatch(ctx, tx, watchID)
		if err != nil || !ok {
			return err
		}
		v := w.cfg.evaluate(s.rule(), ch, p.Currency)
		if v.Armed != s.Armed {
			if _, err := tx.ExecContext(ctx, `UPDATE watches SET armed = ? WHERE id = ?`, v.Armed, watchID); err != nil {
				return fmt.Errorf("set armed: %w", err)
			}
		}
		if !v.Alert {
			return nil
		}
		if w.cfg.Cooldown > 0 && s.LastAlertAt.Valid && now.Sub(s.LastAlertAt.Time) < w.cfg.Cooldown {
			w.log.InfoContext(ctx, "alert held by cooldown", "watch_id", watchID, "last_alert_at", s.LastAlertAt.Time)
			return nil
		}
		plan, err := w.plan(ctx, tx, watchID, s, now)
		if err != nil || len(plan.channels) == 0 {
			return err
		}
		var cooldown bool
		send, cooldown, err = w.record(ctx, tx, watchID, s, p, ch, plan, now)
		if err != nil || !cooldown {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE watches SET last_alert_at = ?, last_alert_price = ? WHERE id = ?`, now, ch.NewPrice, watchID); err != nil {
			return fmt.Errorf("record last alert: %w", err)
		}
		return nil
	})
	return send, err
}

// lockWatch reads an active watch with its user, FOR UPDATE; ok is false
// when it was deleted, deactivated or has no user row.
func lockWatch(ctx context.Context, tx *sql.Tx, watchID int64) (s watchState, ok bool, err error) {
	err = tx.QueryRowContext(ctx, `
SELECT w.user_id, w.rule, w.target_price, w.drop_pct, w.channel_email, w.channel_push, w.armed,
       w.last_alert_at, w.unsubscribed_at, u.email, u.locale, u.timezone, u.quiet_start, u.quiet_end, u.daily_cap
FROM watches w JOIN users u ON u.id = w.user_id
WHERE w.id = ? AND w.active = 1 FOR UPDATE`, watchID).Scan(
		&s.UserID, &s.Rule, &s.Target, &s.DropPct, &s.Email, &s.Push, &s.Armed,
		&s.LastAlertAt, &s.Unsubscribed, &s.Address, &s.Locale, &s.Timezone, &s.QuietStart, &s.QuietEnd, &s.DailyCap)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("lock watch: %w", err)
	}
	return s, true, nil
}

// rule is the part of the watch the rules evaluate.
func (s watchState) rule() watchRule {
	r := watchRule{Rule: s.Rule, Armed: s.Armed}
	if s.Target.Valid {
		r.TargetPrice = &s.Target.Int64
	}
	if s.DropPct.Valid {
		r.DropPct = &s.DropPct.Float64
	}
	return r
}

// planned is one notifications row an alert will write.
type planned struct{ channel, status, reason string }

// alertPlan is where and how an alert goes: a row per channel, with the
// status the cap, quiet hours and suppression list give it.
type alertPlan struct {
	channels     []planned
	deliverAfter *time.Time
	day          string // the user's local day
	loc          *time.Location
}

// plan decides the rows of an alert: its channels (and those skipped,
// with the reason), gated by the daily cap and quiet hours, email to a
// suppressed address skipped.
func (w *Worker) plan(ctx context.Context, tx *sql.Tx, watchID int64, s watchState, now time.Time) (alertPlan, error) {
	channels, skipped, err := w.channels(ctx, tx, s)
	if err != nil {
		return alertPlan{}, err
	}
	if len(channels) == 0 && len(skipped) == 0 {
		w.log.DebugContext(ctx, "alert not sent: email unsubscribed and no other channel", "watch_id", watchID)
		return alertPlan{}, nil
	}
	pl := alertPlan{loc: w.userLocation(s.Timezone)}
	localNow := now.In(pl.loc)
	pl.day = localNow.Format(time.DateOnly)
	status := StatusQueued
	if len(channels) > 0 {
		if status, pl.deliverAfter, err = w.gate(ctx, tx, s, pl.day, localNow); err != nil {
			return alertPlan{}, err
		}
	}
	for _, c := range channels {
		st, reason := status, ""
		if st == StatusQueued && c == ChannelEmail {
			sup, err := suppressed(ctx, tx, s.Address.String)
			if err != nil {
				return alertPlan{}, err
			}
			if sup {
				st, reason = StatusSkipped, reasonSuppressed
			}
		}
		pl.channels = append(pl.channels, planned{c, st, reason})
	}
	for _, sk := range skipped {
		pl.channels = append(pl.channels, planned{sk.Channel, StatusSkipped, sk.Reason})
	}
	return pl, nil
}

// alertKey identifies one alert across redeliveries and channels: user,
// watch, rule, variant, the new price (or availability) and the local day
// of the check.
func alertKey(s watchState, watchID int64, p events.PriceChanged, ch events.PriceChange, loc *time.Location, now time.Time) string {
	checked := p.CheckedAt
	if checked.IsZero() {
		checked = now
	}
	priceKey := ch.NewAvailability
	if ch.NewPrice != nil {
		priceKey = strconv.FormatInt(*ch.NewPrice, 10)
	}
	return hashKey(s.UserID, strconv.FormatInt(watchID, 10), s.Rule, strconv.FormatInt(ch.VariantID, 10), priceKey, checked.In(loc).Format(time.DateOnly))
}

// record writes the planned rows (once per alert and channel) and returns
// the ids to send now and whether the alert starts the watch's cooldown.
func (w *Worker) record(ctx context.Context, tx *sql.Tx, watchID int64, s watchState, p events.PriceChanged, ch events.PriceChange, plan alertPlan, now time.Time) (send []int64, cooldown bool, err error) {
	key := alertKey(s, watchID, p, ch, plan.loc, now)
	for _, pl := range plan.channels {
		id, fresh, err := insertNotification(ctx, tx, notificationRow{
			UserID: s.UserID, WatchID: watchID, ProductID: p.ProductID, VariantID: ch.VariantID, Rule: s.Rule,
			Channel: pl.channel, Status: pl.status, Reason: pl.reason, DedupeKey: hashKey(key, pl.channel), AlertKey: key, LocalDay: plan.day,
			Title: p.Title, VariantName: ch.VariantName, Image: p.Image, Change: ch, Currency: p.Currency, DeliverAfter: plan.deliverAfter,
		})
		if err != nil {
			return nil, false, err
		}
		if fresh {
			if err := w.recorded(ctx, tx, watchID, s.Rule, pl, id); err != nil {
				return nil, false, err
			}
			// Only an alert that goes out now starts the cooldown: a
			// deferred one starts it when it is sent, a capped one
			// never (it is listed in the digest).
			cooldown = cooldown || pl.status == StatusQueued
		}
		if (fresh && pl.status == StatusQueued) || (!fresh && id != 0) {
			// A duplicate still queued (e.g. the first delivery died
			// before sending) is offered for sending; deliver's claim
			// makes sure only one worker sends it.
			send = append(send, id)
		}
	}
	return send, cooldown, nil
}

// recorded logs a newly written row and lets an alert that will be sent
// supersede the watch's older unsent ones on its channel.
func (w *Worker) recorded(ctx context.Context, tx *sql.Tx, watchID int64, rule string, pl planned, id int64) error {
	if pl.status == StatusSkipped {
		w.log.WarnContext(ctx, "alert skipped", "notification_id", id, "watch_id", watchID, "rule", rule, "channel", pl.channel, "reason", pl.reason)
	} else {
		w.log.InfoContext(ctx, "alert recorded", "notification_id", id, "watch_id", watchID, "rule", rule, "channel", pl.channel, "status", pl.status)
	}
	if pl.status == StatusQueued || pl.status == StatusDeferred {
		return supersede(ctx, tx, watchID, pl.channel, id)
	}
	return nil
}

// gate applies the per-user daily cap and quiet hours to a new alert.
// The caller holds the user's row lock.
func (w *Worker) gate(ctx context.Context, tx *sql.Tx, s watchState, day string, localNow time.Time) (string, *time.Time, error) {
	limit := w.cfg.DailyCap
	if s.DailyCap.Valid && s.DailyCap.Int64 > 0 {
		limit = int(s.DailyCap.Int64)
	}
	var n int
	err := tx.QueryRowContext(ctx, `
SELECT COUNT(DISTINCT alert_key) FROM notifications
WHERE user_id = ? AND local_day = ? AND rule <> ? AND status IN (?, ?, ?)`,
		s.UserID, day, RuleDigest, StatusQueued, StatusSent, StatusDeferred).Scan(&n)
	if err != nil {
		return "", nil, fmt.Errorf("count today's alerts: %w", err)
	}
	if n >= limit {
		return StatusCapped, nil, nil
	}
	start, end := w.cfg.QuietStart, w.cfg.QuietEnd
	if s.QuietStart.Valid && s.QuietEnd.Valid {
		start, end = s.QuietStart.String, s.QuietEnd.String
	}
	if until, ok := quietUntil(localNow, start, end); ok {
		u := until.UTC()
		return StatusDeferred, &u, nil
	}
	return StatusQueued, nil, nil
}

// quietUntil reports whether local time t falls in the quiet hours
// [start, end) (which may wrap midnight) and, if so, when they end.
func quietUntil(t time.Time, start, end string) (time.Time, bool) {
	if start == "" || end == "" {
		return time.Time{}, false
	}
	s, err1 := parseClock(start)
	e, err2 := parseClock(end)
	if err1 != nil || err2 != nil || s == e {
		return time.Time{}, false
	}
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	tod := t.Sub(midnight)
	endAt := func(dayOffset int) time.Time {
		d := midnight.AddDate(0, 0, dayOffset)
		return time.Date(d.Year(), d.Month(), d.Day(), int(e/time.Hour), int(e%time.Hour/time.Minute), int(e%time.Minute/time.Second), 0, t.Location())
	}
	if s < e {
		if tod >= s && tod < e {
			return endAt(0), true
		}
		return time.Time{}, false
	}
	switch { // wraps midnight, e.g. 23:00-08:00
	case tod >= s:
		return endAt(1), true
	case tod < e:
		return endAt(0), true
	}
	return time.Time{}, false
}

func (w *Worker) userLocation(tz string) *time.Location {
	if tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return w.loc
}

func hashKey(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x1f")))
	return hex.EncodeToString(h[:])
}

func suppressed(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, addr string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM email_suppressions WHERE email = ?`, normalizeEmail(addr)).Scan(&n); err != nil {
		return false, fmt.Errorf("check suppression of %s: %w", addr, err)
	}
	return n > 0, nil
}

func normalizeEmail(addr string) string {
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	return strings.ToLower(strings.TrimSpace(addr))
}

type notificationRow struct {
	UserID       string
	WatchID      int64
	ProductID    int64
	VariantID    int64
	Rule         string
	Channel      string
	Status       string
	Reason       string
	DedupeKey    string
	AlertKey     string
	LocalDay     string
	Title        string
	VariantName  string
	Image        string
	Change       events.PriceChange
	Currency     string
	DeliverAfter *time.Time
}

// insertNotification inserts the row unless its dedupe key exists; it
// returns the row's id and whether it is new. An existing row's id is
// returned only while it is still queued (0 otherwise).
func insertNotification(ctx context.Context, tx *sql.Tx, r notificationRow) (int64, bool, error) {
	nullID := func(v int64) any {
		if v == 0 {
			return nil
		}
		return v
	}
	res, err := tx.ExecContext(ctx, `
INSERT IGNORE INTO notifications
 (user_id, watch_id, product_id, variant_id, rule, channel, status, dedupe_key, alert_key, local_day,
  title, variant_name, image, old_price, new_price, list_price, all_time_low, currency, old_availability, new_availability, deliver_after, error)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.UserID, nullID(r.WatchID), nullID(r.ProductID), r.VariantID, r.Rule, r.Channel, r.Status, r.DedupeKey, r.AlertKey, r.LocalDay,
		nullStr(truncate(r.Title, 512)), nullStr(truncate(r.VariantName, 512)), nullStr(truncate(r.Image, 2048)),
		r.Change.OldPrice, r.Change.NewPrice, r.Change.ListPrice, r.Change.AllTimeLow, nullStr(r.Currency),
		nullStr(r.Change.OldAvailability), nullStr(r.Change.NewAvailability), r.DeliverAfter, nullStr(r.Reason))
	if err != nil {
		return 0, false, fmt.Errorf("insert notification: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		id, err := res.LastInsertId()
		return id, true, err
	}
	var id int64
	var status string
	if err := tx.QueryRowContext(ctx, `SELECT id, status FROM notifications WHERE dedupe_key = ?`, r.DedupeKey).Scan(&id, &status); err != nil {
		return 0, false, fmt.Errorf("read duplicate notification: %w", err)
	}
	if status != StatusQueued {
		return 0, false, nil
	}
	return id, false, nil
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
