package batch

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/store"
)

// digestOutboxChunk is how many digest events one outbox insert carries.
const digestOutboxChunk = 500

// digestUsersSQL selects users with an email whose active watches' products
// changed in the digest window.
const digestUsersSQL = `SELECT DISTINCT u.id FROM users u
JOIN watches w ON w.user_id = u.id AND w.active = 1 AND w.unsubscribed_at IS NULL
JOIN products p ON p.id = w.product_id
WHERE u.email IS NOT NULL AND u.email <> '' AND p.last_changed_at >= ? AND p.last_changed_at < ?`

// digestCappedSQL adds users with notifications held back by their daily
// cap (the notification worker's delivery log).
const digestCappedSQL = `SELECT DISTINCT u.id FROM users u
JOIN notifications n ON n.user_id = u.id
WHERE u.email IS NOT NULL AND u.email <> '' AND n.status = 'capped' AND n.created_at >= ? AND n.created_at < ?`

// Digest handles one digest.daily tick: once per tick key, it writes a
// notify.requested digest event for every user with activity in the window
// before tickAt to the outbox (dedupe key "digest:<user>:<day>", the day
// being tickAt's date in DigestTimezone). It returns the number of digests.
func (w *Worker) Digest(ctx context.Context, key string, tickAt time.Time) (int, error) {
	day := tickAt.In(w.loc).Format(time.DateOnly)
	from, to := tickAt.Add(-w.cfg.DigestWindow), tickAt
	n := 0
	applied, err := store.Once(ctx, w.db, consumerDigest, key, func(tx *sql.Tx) error {
		users, err := digestUsers(ctx, tx, from, to)
		if err != nil {
			return err
		}
		envs := make([]events.Envelope, 0, min(len(users), digestOutboxChunk))
		for i, u := range users {
			env, err := events.New(ctx, events.NotifyRequested{Kind: "digest", UserID: u, Day: day},
				events.WithDedupKey("digest:"+u+":"+day))
			if err != nil {
				return err
			}
			envs = append(envs, env)
			if len(envs) == digestOutboxChunk || i == len(users)-1 {
				if err := store.AddOutbox(ctx, tx, envs...); err != nil {
					return fmt.Errorf("digest outbox: %w", err)
				}
				envs = envs[:0]
			}
		}
		n = len(users)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("digest tick %s: %w", key, err)
	}
	if !applied {
		w.log.InfoContext(ctx, "digest tick already handled", "tick", key)
		return 0, nil
	}
	w.log.InfoContext(ctx, "digest tick handled", "tick", key, "day", day, "digests", n)
	if w.relay != nil && n > 0 {
		// Best effort: the service's relay publishes whatever is left.
		if _, err := w.relay.RelayOnce(ctx); err != nil {
			w.log.WarnContext(ctx, "digest outbox flush failed; the relay will retry", "err", err)
		}
	}
	return n, nil
}

// digestUsers returns the users owed a digest for [from, to).
func digestUsers(ctx context.Context, tx *sql.Tx, from, to time.Time) ([]string, error) {
	seen := map[string]bool{}
	var users []string
	collect := func(query string) error {
		rows, err := tx.QueryContext(ctx, query, from, to)
		if err != nil {
			return fmt.Errorf("select digest users: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("scan digest user: %w", err)
			}
			if !seen[id] {
				seen[id] = true
				users = append(users, id)
			}
		}
		return rows.Err()
	}
	if err := collect(digestUsersSQL); err != nil {
		return nil, err
	}
	if err := collect(digestCappedSQL); err != nil {
		return nil, err
	}
	return users, nil
}
