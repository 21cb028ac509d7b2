package scrap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/fetch"
	"github.com/ddokso/ddokso/internal/storetest"
)

// noFetch is a Fetcher never called: recordProblems does not fetch.
type noFetch struct{}

func (noFetch) Fetch(context.Context, fetch.Request) (*fetch.Result, error) {
	return nil, errors.New("no fetch in this test")
}

// problemState is what recordProblems leaves in a database: each
// product's check columns and each request's outcome, in id order.
type problemState struct {
	products []string
	requests []string
}

// problemDB is a database with two known products (hashes "ha" with no
// failures, "hb" with two and some demand) and five pending requests.
func problemDB(t *testing.T) (*Worker, *sql.DB) {
	t.Helper()
	db := storetest.New(t)
	w, err := New(db, noFetch{}, Config{}, nil)
	require.NoError(t, err)
	fixed := time.Date(2026, 12, 5, 9, 30, 0, 0, time.UTC)
	w.now = func() time.Time { return fixed }
	_, err = db.Exec(`INSERT INTO products (url_hash, canonical_url, shop, check_status, consecutive_failures, watch_count, popularity, price, availability)
		VALUES ('ha', 'https://a/1', 'a', 'ok', 0, 0, 0, 1000, 'in_stock'), ('hb', 'https://b/1', 'b', 'failed', 2, 3, 40, 2000, 'in_stock')`)
	require.NoError(t, err)
	for i := range 5 {
		h := fmt.Sprintf("r%d", i)
		_, err = db.Exec(`INSERT INTO scrape_requests (url, canonical_url, url_hash, in_flight_hash) VALUES (?, ?, ?, ?)`, h, h, h, h)
		require.NoError(t, err)
	}
	return w, db
}

func readProblemState(t *testing.T, db *sql.DB) problemState {
	t.Helper()
	var s problemState
	rows, err := db.Query(`SELECT CONCAT_WS('|', id, check_status, COALESCE(check_error, '-'), consecutive_failures,
		COALESCE(last_checked_at, '-'), COALESCE(next_check_at, '-'), COALESCE(lease_until, '-'), COALESCE(price, '-'), availability)
		FROM products ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var r string
		require.NoError(t, rows.Scan(&r))
		s.products = append(s.products, r)
	}
	require.NoError(t, rows.Err())
	rows, err = db.Query(`SELECT CONCAT_WS('|', id, status, COALESCE(status_reason, '-'), COALESCE(product_id, '-'),
		COALESCE(finished_at, '-'), COALESCE(in_flight_hash, '-')) FROM scrape_requests ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var r string
		require.NoError(t, rows.Scan(&r))
		s.requests = append(s.requests, r)
	}
	require.NoError(t, rows.Err())
	return s
}

// TestRecordProblemsAsOneAtATime: recording a group's problems at once
// leaves what recording them one at a time, each in its own transaction,
// does: per product one more failure per problem and the last problem's
// status; per request the first problem's outcome; invalid URLs, unknown
// products and a request with no row change nothing else.
func TestRecordProblemsAsOneAtATime(t *testing.T) {
	t.Parallel()
	problems := func() []*problem {
		return []*problem{
			{scrapeID: 1, hash: "ha", status: events.OutcomeFailed, reason: "host could not be reached: refused"},
			{scrapeID: 2, hash: "unknown", status: events.OutcomeBlocked, reason: "http 429"},
			{scrapeID: 3, hash: "ha", status: events.OutcomeNotAProduct, reason: "http 404"},
			{scrapeID: 4, hash: "hb", status: events.OutcomeBlocked, reason: ""},
			{scrapeID: 5, hash: "", status: events.OutcomeFailed, reason: "invalid url: no host"},
			{scrapeID: 1, hash: "ha", status: events.OutcomeBlocked, reason: "a redelivery's late check"},
			{scrapeID: 99, hash: "hb", status: events.OutcomeFailed, reason: "request row gone"},
			{scrapeID: 0, hash: "hb", status: events.OutcomeFailed, reason: "a check with no request"},
		}
	}
	ctx := context.Background()

	wOne, dbOne := problemDB(t)
	var oneIDs []int64
	for _, p := range problems() {
		tx, err := dbOne.BeginTx(ctx, nil)
		require.NoError(t, err)
		require.NoError(t, wOne.recordProblems(ctx, tx, []*problem{p}))
		require.NoError(t, tx.Commit())
		oneIDs = append(oneIDs, p.productID)
	}

	wAll, dbAll := problemDB(t)
	all := problems()
	tx, err := dbAll.BeginTx(ctx, nil)
	require.NoError(t, err)
	// Run twice in the transaction's place, as a group rerun would: the
	// second run's products are what count, so roll the first back.
	require.NoError(t, wAll.recordProblems(ctx, tx, all))
	require.NoError(t, tx.Rollback())
	tx, err = dbAll.BeginTx(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, wAll.recordProblems(ctx, tx, all))
	require.NoError(t, tx.Commit())
	var allIDs []int64
	for _, p := range all {
		allIDs = append(allIDs, p.productID)
	}

	require.Equal(t, []int64{1, 0, 1, 2, 0, 1, 2, 2}, oneIDs)
	require.Equal(t, oneIDs, allIDs)
	one, got := readProblemState(t, dbOne), readProblemState(t, dbAll)
	require.Equal(t, one, got)
	// And what that is, spelled out for the two products.
	require.Contains(t, got.products[0], "|blocked|a redelivery's late check|3|")
	require.Contains(t, got.products[1], "|failed|a check with no request|5|")
	require.Contains(t, got.requests[0], "|failed|host could not be reached: refused|1|")
	require.Contains(t, got.requests[4], "|failed|invalid url: no host|-|")
}
