package batch

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ddokso/ddokso/events"

	"github.com/ddokso/ddokso/store"
)

// Tick phases recorded in batch_ticks.phase.
const (
	phaseNew  = 0 // never-checked products (next_check_at NULL), by id
	phaseDue  = 1 // checked products whose next_check_at has passed, by (next_check_at, id)
	phaseDone = 2
)

// RescrapeStats reports what one rescrape.due handling did.
type RescrapeStats struct {
	// Pages is the number of keyset pages claimed by this call.
	Pages int
	// Enqueued is the number of products this call enqueued.
	Enqueued int
	// SkippedBudget counts due products left for a later tick because their
	// host had used its per-tick budget.
	SkippedBudget int
}

// duePage is one claimed page of due products.
type duePage struct {
	envs    []events.Envelope
	skipped int
	done    bool
}

// tickState is the batch_ticks row of one tick.
type tickState struct {
	asOf     time.Time
	phase    int
	cursorAt sql.NullTime
	cursorID int64
	hosts    map[string]int
}

// Queries of the two keyset phases. Both walk idx_products_due
// (next_check_at, id) and lock only the rows they return. The index is
// forced: on a table of a few thousand products with few due, MariaDB chose
// a full scan and a filesort for the due phase, which with FOR UPDATE reads
// (and briefly locks) every product (TestPlanQueriesUseTheDueIndex).
const (
	selectNewSQL = `SELECT id, canonical_url, shop, next_check_at FROM products FORCE INDEX (idx_products_due)
WHERE next_check_at IS NULL AND id > ? AND check_status = 'new' AND created_at <= ?
  AND (lease_until IS NULL OR lease_until < ?)
ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`
	selectDueSQL = `SELECT id, canonical_url, shop, next_check_at FROM products FORCE INDEX (idx_products_due)
WHERE next_check_at <= ? AND (next_check_at > ? OR (next_check_at = ? AND id > ?))
  AND (lease_until IS NULL OR lease_until < ?)
ORDER BY next_check_at, id LIMIT ? FOR UPDATE SKIP LOCKED`
)

// Rescrape handles one rescrape.due tick identified by key (the envelope's
// dedupe key) and scheduled at tickAt. It claims the due products page by
// page — each page is leased in the transaction that selects it, with
// SKIP LOCKED so concurrent workers split the work — and enqueues each
// page's scrape requests. Claiming and enqueueing overlap: while one page
// is being enqueued (on the calling goroutine, one Enqueue call at a time)
// the next one is claimed, so a tick takes about the longer of the two
// rather than their sum, and at most two pages are held in memory. Progress
// is kept in batch_ticks, so a re-delivered tick resumes where the last
// delivery stopped and a finished tick enqueues nothing.
//
// When an enqueue fails, Rescrape stops claiming (a claim still in its
// transaction is rolled back), waits for the claimer to stop and returns
// the error. The products of the failed page stay leased and come back in
// a later tick once Lease has passed. So do those of at most one more
// page: the page claimed ahead, if its transaction had committed before
// the failure. A re-delivery of the tick resumes after both.
func (w *Worker) Rescrape(ctx context.Context, key string, tickAt time.Time) (RescrapeStats, error) {
	var st RescrapeStats
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	c := &claimer{pages: make(chan duePage), done: make(chan struct{})}
	go w.claimAhead(ctx, c, key, tickAt)
	// stop ends the claimer and waits for it, so that no goroutine of this
	// call outlives it and c's counts can be read.
	stop := func() {
		cancel()
		<-c.done
		st.Pages, st.SkippedBudget = c.claimed, c.skipped
	}

	var waited time.Duration // sending side idle, waiting for a claimed page
	for {
		waitStart := time.Now()
		page, ok := <-c.pages
		waited += time.Since(waitStart)
		if !ok {
			break
		}
		if len(page.envs) > 0 {
			if err := w.enq.Enqueue(ctx, page.envs); err != nil {
				stop()
				return st, fmt.Errorf("rescrape tick %s: enqueue %d products: %w", key, len(page.envs), err)
			}
			st.Enqueued += len(page.envs)
		}
	}
	stop()
	if c.err != nil {
		return st, fmt.Errorf("rescrape tick %s: %w", key, c.err)
	}
	w.log.InfoContext(ctx, "rescrape tick handled", "tick", key, "enqueued", st.Enqueued, "pages", st.Pages,
		"skipped_budget", st.SkippedBudget, "elapsed", time.Since(start), "waited_for_claims", waited)
	return st, nil
}

// claimer is the claiming side of one Rescrape call.
type claimer struct {
	// pages hands claimed pages to the sender. It is unbuffered: the claimer
	// claims one page ahead of the page being sent and then waits.
	pages chan duePage
	// done is closed when the claimer has stopped; the fields below are
	// final then.
	done chan struct{}

	claimed int   // committed pages with products to enqueue
	skipped int   // products over their host budget in committed pages
	err     error // why claiming stopped early; nil when the tick is done
}

// claimAhead claims the tick's pages in order and hands each to c.pages
// until the tick is done, claiming fails or ctx ends. It closes c.pages
// when it stops claiming and c.done when it returns.
func (w *Worker) claimAhead(ctx context.Context, c *claimer, key string, tickAt time.Time) {
	defer close(c.done)
	defer close(c.pages)
	last := &savedTick{}
	for {
		page, err := w.claimPageRetry(ctx, key, tickAt, last)
		if err != nil {
			c.err = err
			return
		}
		if len(page.envs) > 0 {
			c.claimed++
		}
		c.skipped += page.skipped
		select {
		case c.pages <- page:
		case <-ctx.Done():
			c.err = ctx.Err()
			return
		}
		if page.done {
			return
		}
	}
}

// claimPageRetry runs claimPage, retrying deadlocks and lock wait timeouts
// (the transaction rolled back, so nothing was claimed).
func (w *Worker) claimPageRetry(ctx context.Context, key string, tickAt time.Time, last *savedTick) (duePage, error) {
	for attempt := 1; ; attempt++ {
		page, err := w.claimPage(ctx, key, tickAt, last)
		if err == nil || attempt == 5 || !store.IsLockConflict(err) {
			return page, err
		}
		w.log.DebugContext(ctx, "rescrape page retried", "tick", key, "err", err)
		select {
		case <-ctx.Done():
			return page, ctx.Err()
		case <-time.After(time.Duration(attempt*20) * time.Millisecond):
		}
	}
}

// claimPage claims the next page of the tick in one READ COMMITTED
// transaction: lock the tick row, select due and unleased products from the
// cursor on, apply the host budget, lease the chosen ones and advance the
// cursor.
//
// last is what this Rescrape call committed for the tick before; it spares
// re-reading and decoding the host counts when no other delivery has
// claimed a page since.
func (w *Worker) claimPage(ctx context.Context, key string, tickAt time.Time, last *savedTick) (duePage, error) {
	var page duePage
	tx, err := w.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return page, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()

	now := w.now()
	st, err := loadTick(ctx, tx, key, now, last)
	if err != nil {
		return page, err
	}
	if st.phase >= phaseDone {
		page.done = true
		return page, nil
	}

	var rows *sql.Rows
	if st.phase == phaseNew {
		rows, err = tx.QueryContext(ctx, selectNewSQL, st.cursorID, st.asOf.Add(-w.cfg.NewGrace), now, w.cfg.PageSize)
	} else {
		at := time.Unix(0, 0).UTC() // before every next_check_at
		if st.cursorAt.Valid {
			at = st.cursorAt.Time
		}
		rows, err = tx.QueryContext(ctx, selectDueSQL, st.asOf, at, at, st.cursorID, now, w.cfg.PageSize)
	}
	if err != nil {
		return page, fmt.Errorf("select due products: %w", err)
	}
	budget := w.cfg.hostBudget()
	var (
		scanned int
		claimed []int64
	)
	for rows.Next() {
		var (
			id        int64
			canonical string
			shop      string
			next      sql.NullTime
		)
		if err := rows.Scan(&id, &canonical, &shop, &next); err != nil {
			rows.Close()
			return page, fmt.Errorf("scan due product: %w", err)
		}
		scanned++
		st.cursorID = id
		if next.Valid {
			st.cursorAt = next
		}
		host := hostKey(shop, canonical)
		if st.hosts[host] >= budget {
			page.skipped++
			continue
		}
		st.hosts[host]++
		env, err := events.New(ctx, events.ScrapeRequested{ProductID: id, URL: canonical, Reason: "schedule"},
			events.WithDedupKey("rescrape:"+strconv.FormatInt(id, 10)+":"+tickAt.UTC().Format(time.RFC3339)))
		if err != nil {
			rows.Close()
			return page, err
		}
		page.envs = append(page.envs, env)
		claimed = append(claimed, id)
	}
	if err := rows.Close(); err != nil {
		return page, fmt.Errorf("select due products: %w", err)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("select due products: %w", err)
	}

	if err := leaseProducts(ctx, tx, claimed, now.Add(w.cfg.Lease)); err != nil {
		return page, err
	}
	if scanned < w.cfg.PageSize {
		// This phase is exhausted: the next page starts the next phase.
		st.phase++
		st.cursorID = 0
		st.cursorAt = sql.NullTime{}
	}
	page.done = st.phase >= phaseDone
	if err := saveTick(ctx, tx, key, st, len(claimed), page.skipped); err != nil {
		return page, err
	}
	if err := tx.Commit(); err != nil {
		last.valid = false
		return page, fmt.Errorf("commit claimed page: %w", err)
	}
	*last = savedTick{valid: true, state: st}

	return page, nil
}

// savedTick is the tick state one Rescrape call last committed.
type savedTick struct {
	valid bool
	state tickState
}

// matches reports whether the tick row still holds what was last saved.
// Every committed page moves the keyset cursor forward or the phase on, so
// an equal position means no other delivery claimed a page in between and
// the host counts saved last are the row's.
func (s *savedTick) matches(st tickState) bool {
	return s.valid && s.state.phase == st.phase && s.state.cursorID == st.cursorID &&
		s.state.cursorAt.Valid == st.cursorAt.Valid && s.state.cursorAt.Time.Equal(st.cursorAt.Time) &&
		s.state.asOf.Equal(st.asOf)
}

// loadTick creates the tick's row on first sight and locks it, so two
// deliveries of one tick take pages one after the other. The host counts
// are read and decoded only when they may differ from last's.
func loadTick(ctx context.Context, tx *sql.Tx, key string, now time.Time, last *savedTick) (tickState, error) {
	var st tickState
	if _, err := tx.ExecContext(ctx, `INSERT INTO batch_ticks (tick_key, as_of) VALUES (?, ?) ON DUPLICATE KEY UPDATE tick_key = tick_key`, key, now); err != nil {
		return st, fmt.Errorf("record tick: %w", err)
	}
	err := tx.QueryRowContext(ctx, `SELECT as_of, phase, cursor_at, cursor_id FROM batch_ticks WHERE tick_key = ? FOR UPDATE`, key).
		Scan(&st.asOf, &st.phase, &st.cursorAt, &st.cursorID)
	if err != nil {
		return st, fmt.Errorf("load tick: %w", err)
	}
	// The counts are about to be changed in place, and a page that fails
	// must not leave them changed in last: last is trusted again only after
	// this page commits.
	reuse := last.matches(st)
	last.valid = false
	if reuse {
		st.hosts = last.state.hosts
		return st, nil
	}
	st.hosts = map[string]int{}
	var hosts sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT host_counts FROM batch_ticks WHERE tick_key = ?`, key).Scan(&hosts); err != nil {
		return st, fmt.Errorf("load tick host counts: %w", err)
	}
	if hosts.Valid && hosts.String != "" {
		if err := json.Unmarshal([]byte(hosts.String), &st.hosts); err != nil {
			return st, fmt.Errorf("decode tick host counts: %w", err)
		}
	}
	return st, nil
}

func saveTick(ctx context.Context, tx *sql.Tx, key string, st tickState, claimed, skipped int) error {
	hosts := encodeHostCounts(st.hosts)
	var done any
	if st.phase >= phaseDone {
		done = time.Now().UTC()
	}
	_, err := tx.ExecContext(ctx, `UPDATE batch_ticks SET phase = ?, cursor_at = ?, cursor_id = ?, enqueued = enqueued + ?,
skipped_budget = skipped_budget + ?, host_counts = ?, done_at = ? WHERE tick_key = ?`,
		st.phase, st.cursorAt, st.cursorID, claimed, skipped, hosts, done, key)
	if err != nil {
		return fmt.Errorf("save tick cursor: %w", err)
	}
	return nil
}

// encodeHostCounts writes the counts as a JSON object (keys unordered),
// without reflection: it runs on every page with up to one key per host.
func encodeHostCounts(m map[string]int) string {
	b := make([]byte, 0, 2+len(m)*24)
	b = append(b, '{')
	first := true
	for k, v := range m {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(v), 10)
	}
	return string(append(b, '}'))
}

// appendJSONString appends s as a JSON string: verbatim when it is plain
// printable ASCII without quotes or backslashes (every host name), else
// through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// leaseProducts sets lease_until on the claimed products.
func leaseProducts(ctx context.Context, tx *sql.Tx, ids []int64, until time.Time) error {
	const chunk = 1000
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		// The ids are integers written into the statement: one statement
		// with a single placeholder parses and binds far faster than one
		// with a thousand.
		var sb strings.Builder
		sb.Grow(64 + 8*len(part))
		sb.WriteString("UPDATE products SET lease_until = ? WHERE id IN (")
		for i, id := range part {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.FormatInt(id, 10))
		}
		sb.WriteByte(')')
		args := []any{until}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("lease %d products: %w", len(part), err)
		}
	}
	return nil
}

// hostKey is the politeness key of a product: its shop, or the host of its
// canonical URL when the shop is unknown.
func hostKey(shop, canonical string) string {
	if shop != "" {
		return shop
	}
	if u, err := url.Parse(canonical); err == nil && u.Host != "" {
		return strings.ToLower(u.Hostname())
	}
	return canonical
}
