package notify

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// Reasons recorded on skipped notifications (notifications.error), shown to
// the user by GET /me/notifications.
const (
	reasonSuppressed    = "address on the suppression list (an earlier mail bounced or was marked as spam)"
	reasonNoAddress     = "no email address on the account"
	reasonUnsubscribed  = "email unsubscribed from this watch"
	reasonPushOff       = "Web Push is not configured on this server"
	reasonNoPushSub     = "no push subscription (deleted, expired or never registered)"
	reasonPushGone      = "every push subscription was gone at the push service"
	reasonWatchInactive = "watch deleted or paused before delivery"
	reasonRuleChanged   = "watch rule changed before delivery"
)

// skippedChannel is a channel a watch asks for that cannot deliver now.
type skippedChannel struct {
	Channel string
	Reason  string
}

// channels decides which of the watch's channels can deliver an alert now,
// and why each other one cannot. An email channel the user unsubscribed
// from is neither: that is the user's choice, shown on the watch itself,
// not an alert that failed.
func (w *Worker) channels(ctx context.Context, tx *sql.Tx, s watchState) ([]string, []skippedChannel, error) {
	var ok []string
	var skipped []skippedChannel
	if s.Email && !s.Unsubscribed.Valid {
		if s.Address.Valid && s.Address.String != "" {
			ok = append(ok, ChannelEmail)
		} else {
			skipped = append(skipped, skippedChannel{ChannelEmail, reasonNoAddress})
		}
	}
	if s.Push {
		switch {
		case w.push == nil:
			skipped = append(skipped, skippedChannel{ChannelPush, reasonPushOff})
		default:
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM push_subscriptions WHERE user_id = ?`, s.UserID).Scan(&n); err != nil {
				return nil, nil, fmt.Errorf("count push subscriptions: %w", err)
			}
			if n > 0 {
				ok = append(ok, ChannelPush)
			} else {
				skipped = append(skipped, skippedChannel{ChannelPush, reasonNoPushSub})
			}
		}
	}
	return ok, skipped, nil
}

// supersede marks the watch's older deferred alerts on a channel as skipped
// when a newer alert (id) is recorded: the user gets the newest news once,
// not a stack of stale ones when quiet hours end.
func supersede(ctx context.Context, tx *sql.Tx, watchID int64, channel string, id int64) error {
	_, err := tx.ExecContext(ctx, `
UPDATE notifications SET status = ?, error = ?
WHERE watch_id = ? AND channel = ? AND status = ? AND id < ?`,
		StatusSkipped, "superseded by a later alert (notification "+strconv.FormatInt(id, 10)+")",
		watchID, channel, StatusDeferred, id)
	if err != nil {
		return fmt.Errorf("supersede deferred alerts of watch %d: %w", watchID, err)
	}
	return nil
}
