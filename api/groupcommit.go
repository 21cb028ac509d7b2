package api

import (
	"context"
	"database/sql"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/internal/groupcommit"
	"github.com/ddokso/ddokso/store"
)

// batchTimeout bounds one group-commit transaction.
const batchTimeout = 10 * time.Second

// groupCommitPipeline is how many group-commit transactions may run at
// once in a process. One keeps batches largest; two (one batch sending its
// statements while the other waits for its log flush) halved the batches
// and raised CPU per request by half, with no throughput gain on the
// 2-core bench machine (docs/profiles.md).
const groupCommitPipeline = 1

// scrapeBatcher commits concurrent scrape requests together (group
// commit): the requests that arrive while transactions run are recorded
// by the next transaction with multi-row statements under one
// BEGIN/COMMIT and one log flush. Every caller still returns only after
// the transaction holding its request and its event has committed, so a
// 202 means durably recorded, as before.
//
// There is no background goroutine (internal/groupcommit): a caller that
// finds fewer than groupCommitPipeline transactions running leads one
// with the queued requests; when it finishes, it hands the next queued
// batch to that batch's oldest caller, which leads it.
type scrapeBatcher struct {
	s *server
	g *groupcommit.Group[*pendingScrape, scrapeOutcome]
}

// newScrapeBatcher returns a batcher for s committing at most max
// requests in one transaction.
func newScrapeBatcher(s *server, max int) *scrapeBatcher {
	b := &scrapeBatcher{s: s}
	b.g = groupcommit.New(max, groupCommitPipeline, b.commit, func(_ *pendingScrape, err error) scrapeOutcome {
		// A panic becomes every caller's error.
		return scrapeOutcome{err: fmt.Errorf("group commit of scrape requests: %w", err)}
	})
	return b
}

// pendingScrape is one caller waiting for its request to commit.
type pendingScrape struct {
	ctx context.Context // the request's: correlation id of its event
	req scrapeRequest
}

type scrapeOutcome struct {
	recent  int64
	id      int64
	created bool
	err     error
}

// start resolves a submission: when the URL's product was checked within
// the recent window (and req.skipLookup is not set) it returns that
// product's id as recent and writes nothing; otherwise it records req
// durably (with its scrape.requested event when it creates a request) and
// returns the request id, like startScrape in its own transaction.
func (b *scrapeBatcher) start(ctx context.Context, req scrapeRequest) scrapeOutcome {
	return b.g.Do(&pendingScrape{ctx: ctx, req: req})
}

// commit runs batch, and kicks the relay once when it created a request.
func (b *scrapeBatcher) commit(batch []*pendingScrape) []scrapeOutcome {
	out := b.run(batch)
	for _, o := range out {
		if o.err == nil && o.created {
			b.s.kick()
			break
		}
	}
	return out
}

// run resolves batch: one product lookup for all of it, then one
// transaction for the requests to record. If that transaction fails, each
// request is retried in a transaction of its own, so one bad request
// cannot fail the others.
func (b *scrapeBatcher) run(batch []*pendingScrape) []scrapeOutcome {
	out := make([]scrapeOutcome, len(batch))
	ctx, cancel := context.WithTimeout(context.WithoutCancel(batch[0].ctx), batchTimeout)
	defer cancel()

	var hashes []string
	lookup := false
	seen := make(map[string]bool, len(batch))
	for _, p := range batch {
		lookup = lookup || !p.req.skipLookup
		if !seen[p.req.hash] {
			seen[p.req.hash] = true
			hashes = append(hashes, p.req.hash)
		}
	}
	var (
		found      map[string]foundProduct
		pendingIDs map[string]int64
		err        error
	)
	if lookup || len(batch) > 1 {
		found, pendingIDs, err = b.s.resolve(ctx, hashes)
	}
	if err != nil {
		for i := range out {
			out[i].err = err
		}
		return out
	}
	var rest []int // indexes of the requests to record
	for i, p := range batch {
		if !p.req.skipLookup {
			f := found[p.req.hash]
			if f.recent {
				out[i].recent = f.id
				continue
			}
			p.req.productID = f.id
			p.req.skipLookup = true // looked up: a retry must not look again
		}
		rest = append(rest, i)
	}
	switch len(rest) {
	case 0:
		return out
	case 1:
		p := batch[rest[0]]
		o := &out[rest[0]]
		err := store.InTx(p.ctx, b.s.db, func(tx *sql.Tx) error {
			var err error
			o.id, o.created, err = b.s.startScrape(p.ctx, tx, p.req)
			return err
		})
		if err != nil {
			*o = scrapeOutcome{err: err}
		}
		return out
	}
	err = store.InTx(ctx, b.s.db, func(tx *sql.Tx) error {
		return b.insertBatch(ctx, tx, batch, rest, pendingIDs, out)
	})
	if err != nil {
		for _, i := range rest {
			out[i] = b.run([]*pendingScrape{batch[i]})[0]
		}
	}
	return out
}

// insertBatch records the requests batch[rest] in tx with multi-row
// statements: it inserts the requests of the URLs that had no pending
// request when the batch was resolved (pendingIDs, read before the
// transaction), learns their ids by reading them back (one indexed read;
// INSERT ... RETURNING on MariaDB saved it without a measurable
// end-to-end gain, see BENCHMARKS.md row 4) and adds one outbox event per
// new request.
// The pending read takes no locks (a locking read would also lock the
// index gaps of the absent URLs, on which concurrent batches deadlock); a
// request for one of the URLs inserted meanwhile by anyone else makes the
// plain INSERT fail with a duplicate key, and the caller then records each
// request on its own (INSERT ... ON DUPLICATE KEY UPDATE, locking).
func (b *scrapeBatcher) insertBatch(ctx context.Context, tx *sql.Tx, batch []*pendingScrape, rest []int, pendingIDs map[string]int64, out []scrapeOutcome) error {
	// One request per distinct URL, in hash order (a fixed lock order for
	// the inserted index entries).
	first := make(map[string]int, len(rest)) // hash -> index of its first request
	var fresh []string
	for _, i := range rest {
		h := batch[i].req.hash
		if _, ok := first[h]; !ok {
			first[h] = i
			if _, ok := pendingIDs[h]; !ok {
				fresh = append(fresh, h)
			}
		}
	}
	slices.Sort(fresh)
	for c := fresh; len(c) > 0; {
		k := rowChunk(len(c))
		args := make([]any, 0, 7*k)
		for _, h := range c[:k] {
			r := batch[first[h]].req
			args = append(args, r.raw, r.canon.URL, r.hash, r.hash, nullString(r.userID), r.reason, nullInt(r.productID))
		}
		if _, err := b.s.stmts.execTx(ctx, tx, insertScrapesSQL(k), args...); err != nil {
			return fmt.Errorf("insert %d scrape requests: %w", k, err)
		}
		c = c[k:]
	}
	newIDs, err := b.inFlight(ctx, tx, fresh)
	if err != nil {
		return err
	}
	envs := make([]store.OutboxRow, 0, len(fresh))
	for _, h := range fresh {
		i := first[h]
		id, ok := newIDs[h]
		if !ok {
			return fmt.Errorf("scrape request for %s not found after insert", batch[i].req.canon.URL)
		}
		row, err := scrapeEvent(batch[i].ctx, id, batch[i].req)
		if err != nil {
			return err
		}
		envs = append(envs, row)
	}
	for _, i := range rest {
		h := batch[i].req.hash
		if id, ok := pendingIDs[h]; ok {
			out[i] = scrapeOutcome{id: id}
		} else {
			out[i] = scrapeOutcome{id: newIDs[h], created: i == first[h]}
		}
	}
	for len(envs) > 0 {
		k := rowChunk(len(envs))
		if err := store.AddOutboxRows(ctx, txExecer{b.s.stmts, tx}, envs[:k]...); err != nil {
			return err
		}
		envs = envs[k:]
	}
	return nil
}

// scanIDs reads (URL hash, id) rows into ids and closes rows.
func scanIDs(rows *sql.Rows, ids map[string]int64) error {
	defer rows.Close()
	for rows.Next() {
		var (
			h  string
			id int64
		)
		if err := rows.Scan(&h, &id); err != nil {
			return err
		}
		ids[h] = id
	}
	return rows.Err()
}

// rowChunk is how many of n rows the next multi-row INSERT takes: a
// multiple of 8 (at most 64), then the remainder. A batch needs at most two
// statements per table, and 15 statement shapes serve every batch size
// (each is prepared once per connection).
func rowChunk(n int) int {
	switch {
	case n >= 64:
		return 64
	case n >= 8:
		return n - n%8
	}
	return n
}

// insertScrapesSQL inserts n scrape requests (no duplicate handling).
func insertScrapesSQL(n int) string {
	return `INSERT INTO scrape_requests (url, canonical_url, url_hash, in_flight_hash, user_id, reason, product_id) VALUES ` +
		strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", n-1) + `(?, ?, ?, ?, ?, ?, ?)`
}

// inFlightSQL reads the pending requests of n URL hashes.
func inFlightSQL(n int) string {
	return `SELECT in_flight_hash, id FROM scrape_requests WHERE in_flight_hash IN (` + store.Placeholders(n) + `)`
}

// inFlight maps URL hashes to the ids of their pending scrape requests, in
// statements of up to 64 hashes padded to a power of two.
func (b *scrapeBatcher) inFlight(ctx context.Context, tx *sql.Tx, hashes []string) (map[string]int64, error) {
	ids := map[string]int64{}
	for len(hashes) > 0 {
		chunk := hashes[:min(len(hashes), 64)]
		hashes = hashes[len(chunk):]
		n, args := paddedArgs(chunk)
		rows, err := b.s.stmts.queryTx(ctx, tx, inFlightSQL(n), args...)
		if err != nil {
			return nil, fmt.Errorf("read pending scrape requests: %w", err)
		}
		if err := scanIDs(rows, ids); err != nil {
			return nil, fmt.Errorf("read pending scrape requests: %w", err)
		}
	}
	return ids, nil
}

// resolveSQL reads, for n URL hashes, their products (kind 0) and their
// pending scrape requests (kind 1) in one statement.
func resolveSQL(n int) string {
	in := `(` + store.Placeholders(n) + `)`
	return `SELECT 0, url_hash, id, check_status, last_checked_at FROM products WHERE url_hash IN ` + in +
		` UNION ALL SELECT 1, in_flight_hash, id, NULL, NULL FROM scrape_requests WHERE in_flight_hash IN ` + in
}

// foundProduct is a lookup result: the product of a URL hash and whether
// it was checked successfully within the recent window.
type foundProduct struct {
	id     int64
	recent bool
}

// resolve finds the products of URL hashes (absent: none) and the ids of
// their pending scrape requests, in one query per up to 64 hashes, outside
// any transaction and without locks. The IN lists are padded to a power of
// two by repeating a hash, so a handful of prepared statements serve every
// size.
func (s *server) resolve(ctx context.Context, hashes []string) (map[string]foundProduct, map[string]int64, error) {
	found := map[string]foundProduct{}
	pendingIDs := map[string]int64{}
	for len(hashes) > 0 {
		chunk := hashes[:min(len(hashes), 64)]
		hashes = hashes[len(chunk):]
		n, args := paddedArgs(chunk)
		st, err := s.stmts.get(ctx, resolveSQL(n))
		if err != nil {
			return nil, nil, err
		}
		rows, err := st.QueryContext(ctx, append(args, args...)...)
		if err != nil {
			return nil, nil, fmt.Errorf("look up products: %w", err)
		}
		for rows.Next() {
			var (
				kind    int
				hash    string
				id      int64
				status  sql.NullString
				checked sql.NullTime
			)
			if err := rows.Scan(&kind, &hash, &id, &status, &checked); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("look up products: %w", err)
			}
			if kind == 1 {
				pendingIDs[hash] = id
				continue
			}
			found[hash] = foundProduct{id: id, recent: status.String == "ok" && checked.Valid && time.Since(checked.Time) <= s.cfg.RecentWindow}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("look up products: %w", err)
		}
	}
	return found, pendingIDs, nil
}

// scrapeEvent is the outbox row of a new scrape request's scrape.requested
// event (its payload encoded once, see events.Encode).
func scrapeEvent(ctx context.Context, id int64, r scrapeRequest) (store.OutboxRow, error) {
	env, body, err := events.Encode(ctx, events.ScrapeRequested{
		ScrapeID: id, URL: r.canon.URL, ProductID: r.productID, Reason: r.reason, UserID: r.userID,
	})
	if err != nil {
		return store.OutboxRow{}, fmt.Errorf("scrape request %d event: %w", id, err)
	}
	return store.OutboxRow{ID: env.ID, Type: env.Type, Body: body}, nil
}

// paddedArgs returns chunk as query arguments padded to the next power of
// two by repeating its last hash (a no-op in an IN list), and that count,
// so a handful of prepared statements serve every batch size.
func paddedArgs(chunk []string) (int, []any) {
	n := 1 << bits.Len(uint(len(chunk)-1))
	args := make([]any, n)
	for i := range args {
		args[i] = chunk[min(i, len(chunk)-1)]
	}
	return n, args
}
