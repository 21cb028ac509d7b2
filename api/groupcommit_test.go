package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/internal/storetest"
	"github.com/ddokso/ddokso/telemetry"
)

// scrapeEvents maps scrape id to the correlation id of its outbox event.
func scrapeEvents(t *testing.T, hs *harness) map[int64]string {
	t.Helper()
	out := map[int64]string{}
	for _, env := range storetest.Outbox(t, hs.db, events.TypeScrapeRequested) {
		var p events.ScrapeRequested
		require.NoError(t, env.Decode(&p))
		_, dup := out[p.ScrapeID]
		require.False(t, dup, "one event per scrape request")
		out[p.ScrapeID] = env.CorrelationID
	}
	return out
}

// pending builds a waiting request for raw, carrying correlation id corr.
func pending(t *testing.T, raw, reason, corr string) *pendingScrape {
	t.Helper()
	canon, _, err := canonicalURL(raw, localShops{})
	require.NoError(t, err)
	ctx := telemetry.WithCorrelationID(context.Background(), corr)
	return &pendingScrape{ctx: ctx, req: scrapeRequest{raw: raw, canon: canon, hash: canon.Hash(), reason: reason}}
}

func batcherFor(hs *harness) *scrapeBatcher {
	srv := &server{db: hs.db, stmts: newStmtCache(hs.db), deps: Deps{Kick: func() { hs.kicks.Add(1) }}}
	return newScrapeBatcher(srv, 64)
}

func TestGroupCommitOneTransaction(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	b := batcherFor(hs)
	batch := []*pendingScrape{
		pending(t, "https://shop.example.com/a", "user", "c-a"),
		pending(t, "https://shop.example.com/b", "user", "c-b"),
		pending(t, "https://shop.example.com/a?utm_source=x", "user", "c-a2"), // same canonical URL as the first
		pending(t, "https://shop.example.com/c", "watch", "c-c"),
	}
	out := b.commit(batch)
	for _, o := range out {
		require.NoError(t, o.err)
		require.NotZero(t, o.id)
	}
	require.Equal(t, out[0].id, out[2].id, "a duplicate in the batch joins the first")
	require.True(t, out[0].created)
	require.False(t, out[2].created)
	require.True(t, out[1].created && out[3].created)
	require.Equal(t, 3, hs.count(`SELECT COUNT(*) FROM scrape_requests`))
	require.Equal(t, map[int64]string{out[0].id: "c-a", out[1].id: "c-b", out[3].id: "c-c"}, scrapeEvents(t, hs))
	require.EqualValues(t, 1, hs.kicks.Load(), "one relay kick per committed batch")
}

func TestGroupCommitIsolatesAFailingRequest(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	b := batcherFor(hs)
	batch := []*pendingScrape{
		pending(t, "https://shop.example.com/ok1", "user", "c1"),
		pending(t, "https://shop.example.com/bad", strings.Repeat("x", 40), "c2"), // reason is VARCHAR(16)
		pending(t, "https://shop.example.com/ok2", "user", "c3"),
	}
	out := b.run(batch)
	require.NoError(t, out[0].err)
	require.Error(t, out[1].err)
	require.NoError(t, out[2].err)
	require.Equal(t, 2, hs.count(`SELECT COUNT(*) FROM scrape_requests`))
	require.Equal(t, map[int64]string{out[0].id: "c1", out[2].id: "c3"}, scrapeEvents(t, hs))
}

func TestCreateScrapeConcurrentGroupCommit(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	const distinct, n = 30, 45
	type answer struct {
		url, reqID string
		code       int
		id         int64
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			u := fmt.Sprintf("https://shop.example.com/item/%d", i%distinct)
			rid := fmt.Sprintf("req-%d", i)
			w := hs.do("POST", "/api/v1/scrapes", map[string]string{"url": u}, withHeader("X-Request-ID", rid))
			a := answer{url: u, reqID: rid, code: w.Code}
			var s submitted
			if json.Unmarshal(w.Body.Bytes(), &s) == nil {
				a.id = s.ID
			}
			answers[i] = a
		})
	}
	wg.Wait()
	byURL := map[string]int64{}
	reqIDs := map[int64][]string{}
	for _, a := range answers {
		require.Equal(t, http.StatusAccepted, a.code)
		require.NotZero(t, a.id)
		if id, ok := byURL[a.url]; ok {
			require.Equal(t, id, a.id, "one pending request per URL")
		}
		byURL[a.url] = a.id
		reqIDs[a.id] = append(reqIDs[a.id], a.reqID)
	}
	require.Len(t, byURL, distinct)
	require.Equal(t, distinct, hs.count(`SELECT COUNT(*) FROM scrape_requests`))
	evs := scrapeEvents(t, hs)
	require.Len(t, evs, distinct)
	for id, corr := range evs {
		require.Contains(t, reqIDs[id], corr, "the event carries the request id of a submission of its URL")
	}
}

func TestGroupCommitPanicAnswersEveryCaller(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	b := batcherFor(hs)
	broken := pending(t, "https://shop.example.com/p1", "user", "c1")
	var nilCtx context.Context // makes the batch panic (context.WithoutCancel of nil)
	o := b.start(nilCtx, broken.req)
	require.ErrorContains(t, o.err, "panic")
	// The batcher is still usable: the next caller leads and commits.
	o = b.start(context.Background(), pending(t, "https://shop.example.com/p3", "user", "c3").req)
	require.NoError(t, o.err)
	require.True(t, o.created)
}

// TestGroupCommitJoinsPendingRequests commits two batches, the second
// with a URL of the first: it joins the pending request.
func TestGroupCommitJoinsPendingRequests(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	b := batcherFor(hs)
	first := b.run([]*pendingScrape{
		pending(t, "https://shop.example.com/x", "user", "c-x"),
		pending(t, "https://shop.example.com/y", "user", "c-y"),
	})
	require.NoError(t, first[0].err)
	require.NoError(t, first[1].err)
	second := b.run([]*pendingScrape{
		pending(t, "https://shop.example.com/z", "user", "c-z"),
		pending(t, "https://shop.example.com/y?utm_source=again", "user", "c-y2"),
		pending(t, "https://shop.example.com/w", "watch", "c-w"),
	})
	for _, o := range second {
		require.NoError(t, o.err)
	}
	require.Equal(t, first[1].id, second[1].id, "joins the pending request of its URL")
	require.False(t, second[1].created)
	require.True(t, second[0].created && second[2].created)
	require.Equal(t, 4, hs.count(`SELECT COUNT(*) FROM scrape_requests`))
	require.Equal(t, map[int64]string{first[0].id: "c-x", first[1].id: "c-y", second[0].id: "c-z", second[2].id: "c-w"}, scrapeEvents(t, hs))
	var reason string
	require.NoError(t, hs.db.QueryRow(`SELECT reason FROM scrape_requests WHERE id = ?`, second[2].id).Scan(&reason))
	require.Equal(t, "watch", reason, "each id is its own URL's row")
}
