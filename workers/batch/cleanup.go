package batch

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ddokso/ddokso/store"
)

// CleanupStats reports what one cleanup.daily handling did.
type CleanupStats struct {
	// Observations is the number of unchanged price observations removed.
	Observations int64
	// ProcessedMessages is the number of dedupe markers purged.
	ProcessedMessages int64
	// Outbox is the number of published outbox rows purged.
	Outbox int64
	// Ticks is the number of rescrape tick records purged.
	Ticks int64
	// ExpiredScrapes is the number of pending scrape requests expired.
	ExpiredScrapes int64
}

// compactKeysSQL walks the unchanged observations older than the cutoff
// in the order of idx_obs_compact, (changed, observed_at) followed by the
// primary key (product_id, variant_id, observed_at, id): the keyset is that
// whole order, so the walk reads the index alone, in order, with no sort.
// (Ordering by (observed_at, id) once matched the index, while the table
// was clustered by id; clustered by product (migration 00112) it sorted
// every remaining row of the day for each batch.)
const compactKeysSQL = `SELECT product_id, variant_id, observed_at, id FROM price_observations
WHERE changed = 0 AND observed_at < ? AND observed_at >= ?
  AND (observed_at > ? OR (product_id, variant_id, id) > (?, ?, ?))
ORDER BY observed_at, product_id, variant_id, id LIMIT ?`

// compactProbeSQL reads one walked row, the row right before it in its
// product's and variant's history, and (rarely) a row at the same instant
// with a higher id: the newest three up to its time. It is a range of the
// primary key with constants, so all come off the one page that holds
// them. (A correlated subquery could only look the product's rows up by
// (product_id, variant_id) and scanned its whole later history backwards.)
const compactProbeSQL = `(SELECT ? AS k, id, changed, price, list_price, currency, availability FROM price_observations
WHERE product_id = ? AND variant_id = ? AND observed_at <= ?
ORDER BY observed_at DESC, id DESC LIMIT 3)`

// compactRound is how many walked keys are sorted into primary-key order
// and compacted together (about 25 MB): a day at ddokso.com's size
// (380,000 unchanged rows, one on nearly every page of the table) is one
// round, so its pages are read and written in one ascending sweep instead
// of at random.
const compactRound = 500_000

// compactProbeChunk bounds the candidates probed (one UNION ALL) and
// deleted (one autocommit DELETE) at once, so each statement and its locks
// stay short while writers go on. The server's cost of a UNION ALL grows
// faster than its parts: on the 0.1 data set 500 parts took 62–130 ms,
// ten statements of 50 the same rows 39 ms, and a day went from 10–16 s
// to 3–8 s (load 4–8).
const compactProbeChunk = 50

// Cleanup handles cleanup.daily. Every step works in bounded statements of
// CleanupBatch rows and is idempotent, so a re-delivered tick just finds
// less to do.
func (w *Worker) Cleanup(ctx context.Context) (CleanupStats, error) {
	var st CleanupStats
	now := w.now()
	var err error
	if st.Observations, err = w.compactObservations(ctx, now.Add(-w.cfg.ObservationKeep)); err != nil {
		return st, err
	}
	cut := now.Add(-w.cfg.Retention)
	steps := []struct {
		n     *int64
		what  string
		query string
		args  []any
	}{
		{&st.ProcessedMessages, "processed messages", `DELETE FROM processed_messages WHERE processed_at < ? LIMIT ?`, []any{cut}},
		{&st.Outbox, "published outbox rows", `DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < ? LIMIT ?`, []any{cut}},
		{&st.Ticks, "tick records", `DELETE FROM batch_ticks WHERE created_at < ? LIMIT ?`, []any{cut}},
		{&st.ExpiredScrapes, "stale scrape requests", `UPDATE scrape_requests SET status = 'expired', in_flight_hash = NULL,
finished_at = ?, status_reason = 'no outcome within the request TTL' WHERE status = 'pending' AND created_at < ? LIMIT ?`,
			[]any{now, now.Add(-w.cfg.ScrapeRequestTTL)}},
	}
	for _, s := range steps {
		n, err := w.bounded(ctx, s.query, s.args...)
		if err != nil {
			return st, fmt.Errorf("cleanup %s: %w", s.what, err)
		}
		*s.n = n
	}
	w.log.InfoContext(ctx, "cleanup tick handled", "observations", st.Observations, "processed_messages", st.ProcessedMessages,
		"outbox", st.Outbox, "ticks", st.Ticks, "expired_scrapes", st.ExpiredScrapes)
	return st, nil
}

// bounded runs a statement ending in "LIMIT ?" until it affects fewer rows
// than the batch size, returning the total affected.
func (w *Worker) bounded(ctx context.Context, query string, args ...any) (int64, error) {
	args = append(args, w.cfg.CleanupBatch)
	var total int64
	for {
		res, err := w.db.ExecContext(ctx, query, args...)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
		if n < int64(w.cfg.CleanupBatch) {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// obsKey is a price observation's primary key.
type obsKey struct {
	product, variant int64
	at               time.Time
	id               int64
}

// compactObservations deletes the unchanged observations older than cutoff
// that repeat the observation right before them (same product, variant,
// price, list price, currency and availability). Only such rows are
// removed, so the sequence of distinct values — the price history — is the
// same afterwards, even if a row were wrongly marked unchanged. It walks
// idx_obs_compact in batches (compactKeysSQL) and then probes and deletes
// a round of up to compactRound rows in primary-key order, so the table's
// pages are visited in order.
func (w *Worker) compactObservations(ctx context.Context, cutoff time.Time) (int64, error) {
	var (
		total int64
		cur   = obsKey{at: time.Unix(0, 0).UTC()}
		pace  = pacer{rate: w.cfg.CleanupRate, now: w.now, after: w.after}
	)
	for {
		var (
			round []obsKey
			done  bool
		)
		for !done && len(round) < compactRound {
			keys, err := w.compactKeys(ctx, cutoff, cur)
			if err != nil {
				return total, err
			}
			if len(keys) > 0 {
				cur = keys[len(keys)-1]
			}
			round = append(round, keys...)
			done = len(keys) < w.cfg.CleanupBatch
		}
		slices.SortFunc(round, func(a, b obsKey) int {
			return cmp.Or(cmp.Compare(a.product, b.product), cmp.Compare(a.variant, b.variant), a.at.Compare(b.at), cmp.Compare(a.id, b.id))
		})
		for chunk := range slices.Chunk(round, compactProbeChunk) {
			if err := pace.wait(ctx, len(chunk)); err != nil {
				return total, fmt.Errorf("cleanup observations: %w", err)
			}
			n, err := w.compactChunk(ctx, chunk)
			total += n
			if err != nil {
				return total, err
			}
		}
		if done {
			return total, nil
		}
	}
}

// pacer spaces the compaction's chunks so that no more than rate keys a
// second are probed and deleted (rate 0: no pacing). The sweep dirties
// about one buffer-pool page per key; where the server flushes slower than
// that, its checkpoint age reaches the synchronous-flush point and every
// writer's commit waits. Each chunk of n keys starts at least n/rate after
// the one before it; a chunk that ran late is not made up with a burst.
type pacer struct {
	rate  int
	next  time.Time
	now   func() time.Time
	after func(time.Duration) <-chan time.Time
}

// wait blocks until a chunk of n keys may start, or ctx ends.
func (p *pacer) wait(ctx context.Context, n int) error {
	if p.rate <= 0 {
		return nil
	}
	now := p.now()
	if d := p.next.Sub(now); d > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.after(d):
		}
		now = p.next
	}
	p.next = now.Add(time.Duration(n) * time.Second / time.Duration(p.rate))
	return nil
}

// compactKeys returns the next batch of walked keys after cur.
func (w *Worker) compactKeys(ctx context.Context, cutoff time.Time, cur obsKey) ([]obsKey, error) {
	rows, err := w.db.QueryContext(ctx, compactKeysSQL, cutoff, cur.at, cur.at, cur.product, cur.variant, cur.id, w.cfg.CleanupBatch)
	if err != nil {
		return nil, fmt.Errorf("cleanup observations: %w", err)
	}
	defer rows.Close()
	var keys []obsKey
	for rows.Next() {
		var k obsKey
		if err := rows.Scan(&k.product, &k.variant, &k.at, &k.id); err != nil {
			return nil, fmt.Errorf("cleanup observations: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cleanup observations: %w", err)
	}
	return keys, nil
}

// obsValue is what makes an observation a repeat of the one before it.
type obsValue struct {
	price, listPrice sql.NullInt64
	currency         sql.NullString
	availability     string
}

// compactChunk probes keys (sorted by primary key) and deletes those that
// are still unchanged and repeat the observation before them.
func (w *Worker) compactChunk(ctx context.Context, keys []obsKey) (int64, error) {
	args := make([]any, 0, 4*len(keys))
	for i, k := range keys {
		args = append(args, i, k.product, k.variant, k.at)
	}
	q := strings.TrimSuffix(strings.Repeat(compactProbeSQL+" UNION ALL ", len(keys)), " UNION ALL ")
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("cleanup observations: probe %d: %w", len(keys), err)
	}
	// Per key, newest first: the rows up to its time.
	type probed struct {
		id      int64
		changed bool
		v       obsValue
	}
	probes := make([][]probed, len(keys))
	for rows.Next() {
		var (
			k int
			r probed
		)
		if err := rows.Scan(&k, &r.id, &r.changed, &r.v.price, &r.v.listPrice, &r.v.currency, &r.v.availability); err != nil {
			rows.Close()
			return 0, fmt.Errorf("cleanup observations: probe: %w", err)
		}
		probes[k] = append(probes[k], r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("cleanup observations: probe: %w", err)
	}
	var del []any
	for i, ps := range probes {
		// The walked row, then the one before it; a walked row that is gone,
		// changed, or behind too many rows of the same instant is kept.
		j := slices.IndexFunc(ps, func(r probed) bool { return r.id == keys[i].id })
		if j >= 0 && j+1 < len(ps) && !ps[j].changed && ps[j].v == ps[j+1].v {
			del = append(del, keys[i].id)
		}
	}
	if len(del) == 0 {
		return 0, nil
	}
	// By id (unique): a list of full primary keys made the server evaluate
	// row constructors, 25 times slower for the same rows.
	res, err := w.db.ExecContext(ctx, "DELETE FROM price_observations WHERE changed = 0 AND id IN ("+store.Placeholders(len(del))+")", del...)
	if err != nil {
		return 0, fmt.Errorf("cleanup observations: delete %d: %w", len(del), err)
	}
	deleted, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("cleanup observations: delete %d: %w", len(del), err)
	}
	return deleted, nil
}
