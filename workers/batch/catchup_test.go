package batch

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/storetest"
)

func TestPrevFiring(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 0, 4, 59, 0, time.UTC) // 09:04:59 in Seoul
	for _, tc := range []struct {
		sc   infra.Schedule
		at   time.Time
		want time.Time
	}{
		{infra.Schedule{Name: "r", Every: 10 * time.Minute}, now, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		{infra.Schedule{Name: "r-on-boundary", Every: 10 * time.Minute}, now.Truncate(10 * time.Minute), time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		{infra.Schedule{Name: "d", Every: 24 * time.Hour, At: "09:00", Timezone: "Asia/Seoul"}, now, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		{infra.Schedule{Name: "c", Every: 24 * time.Hour, At: "04:30", Timezone: "Asia/Seoul"}, now, time.Date(2025, 2, 28, 19, 30, 0, 0, time.UTC)},
	} {
		got, err := PrevFiring(tc.sc, tc.at)
		require.NoError(t, err)
		require.Equal(t, tc.want, got, tc.sc.Name)
	}
}

// sentTicks is an SQS client that records the ticks sent to it.
type sentTicks struct {
	mu   sync.Mutex
	envs []events.Envelope
}

func (s *sentTicks) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	env, err := events.DecodeScheduled([]byte(aws.ToString(in.MessageBody)))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.envs = append(s.envs, env)
	return &sqs.SendMessageOutput{}, nil
}

// A rescrape tick and a cleanup tick missed while the process was down are
// put on the queue at start and handled; starting again replays them, and
// the worker does nothing the second time.
func TestLocalSchedulerCatchesUpMissedTicksAtStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, w, enq := setup(t, Config{})
	now := time.Now().UTC()
	seed(t, db, []product{{shop: "a.example", status: "ok", next: ptr(now.Add(-time.Hour)), createdAt: now.Add(-48 * time.Hour)}})
	_, err := db.Exec(`INSERT INTO outbox (event_id, event_type, body, published_at) VALUES ('old', 'x', '{}', ?)`, now.Add(-30*24*time.Hour))
	require.NoError(t, err)

	start := func() []events.Envelope {
		sent := &sentTicks{}
		s := newLocalScheduler(sent, "q", []infra.Schedule{
			{Name: "rescrape", Type: events.TypeRescrapeDue, Every: 10 * time.Minute},
			{Name: "cleanup", Type: events.TypeCleanupDaily, Every: 24 * time.Hour, At: "04:30", Timezone: "Asia/Seoul"},
		}, quietLog())
		s.now = func() time.Time { return now }
		s.CatchUp(ctx)
		return sent.envs
	}
	ticks := start()
	require.Len(t, ticks, 2)
	for _, env := range ticks {
		require.NoError(t, w.Handle(ctx, env, &events.Message{}))
	}
	require.Len(t, enq.productIDs(t), 1, "the missed rescrape tick enqueued the due product")
	require.Zero(t, count(t, db, `SELECT COUNT(*) FROM outbox WHERE event_id = 'old'`), "the missed cleanup ran")

	// Restarted: the same ticks are replayed and change nothing.
	_, err = db.Exec(`UPDATE products SET lease_until = NULL`)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO outbox (event_id, event_type, body, published_at) VALUES ('old2', 'x', '{}', ?)`, now.Add(-30*24*time.Hour))
	require.NoError(t, err)
	again := start()
	require.Equal(t, keys(ticks), keys(again))
	for _, env := range again {
		require.NoError(t, w.Handle(ctx, env, &events.Message{}))
	}
	require.Len(t, enq.productIDs(t), 1)
	require.Equal(t, 1, count(t, db, `SELECT COUNT(*) FROM outbox WHERE event_id = 'old2'`), "a finished cleanup tick does not run again")
}

func keys(envs []events.Envelope) []string {
	var ks []string
	for _, e := range envs {
		ks = append(ks, e.Key())
	}
	return ks
}

// The delay the configuration states is the one that happens: a request
// whose message was lost is re-queued once it is RequeueAfter old, by the
// periodic check, not at the next rescrape tick. Time is the worker's
// fake clock, advanced by each wait RunRequeue chooses.
func TestRequeueHappensAtTheConfiguredAge(t *testing.T) {
	t.Parallel()
	for _, after := range []time.Duration{5 * time.Minute, 30 * time.Minute} {
		db, w, _ := setup(t, Config{RequeueAfter: after, TickPeriod: 10 * time.Minute})
		created := time.Date(2026, 11, 29, 3, 0, 7, 0, time.UTC)
		cur := created
		w.now = func() time.Time { return cur }
		_, err := db.Exec(`INSERT INTO scrape_requests (id, url, canonical_url, url_hash, in_flight_hash, status, created_at, updated_at)
			VALUES (1, 'https://a.example/1', 'https://a.example/1', REPEAT('1', 64), REPEAT('1', 64), 'pending', ?, ?)`, created, created)
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		var requeuedAt time.Time
		w.after = func(d time.Duration) <-chan time.Time {
			if requeuedAt.IsZero() && len(storetest.Outbox(t, db, events.TypeScrapeRequested)) > 0 {
				requeuedAt = cur
				cancel()
			}
			cur = cur.Add(d)
			ch := make(chan time.Time, 1)
			ch <- cur
			return ch
		}
		require.NoError(t, w.RunRequeue(ctx))
		cancel()
		delay := requeuedAt.Sub(created)
		require.Greater(t, delay, after, "not before the configured age")
		require.LessOrEqual(t, delay, after+RequeueInterval(after), "at most one check interval after it")
		require.Less(t, delay, after+10*time.Minute, "sooner than waiting for the next rescrape tick")
	}
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(q, args...).Scan(&n))
	return n
}
