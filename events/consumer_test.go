package events_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/awstest"
	"github.com/ddokso/ddokso/internal/storetest"
	"github.com/ddokso/ddokso/store"
)

type sqsSetup struct {
	stack *awstest.Stack
	pub   *events.SNSPublisher
	queue *events.SQSQueue
	dlq   *events.SQSQueue
	db    *sql.DB
}

func setup(t *testing.T, mutate ...func(*infra.Topology)) *sqsSetup {
	t.Helper()
	st := awstest.NewStack(t, mutate...)
	ref := st.Resolved.Queues[infra.QueueScrap]
	db := storetest.New(t)
	_, err := db.Exec(`CREATE TABLE effects (event_id VARCHAR(64) NOT NULL, n INT NOT NULL)`)
	require.NoError(t, err)
	return &sqsSetup{
		stack: st,
		pub:   events.NewSNSPublisher(st.Clients.SNS, st.Resolved.TopicARN),
		queue: events.NewSQSQueue(st.Clients.SQS, infra.QueueScrap, ref.URL, ref.DLQURL),
		dlq:   events.NewSQSQueue(st.Clients.SQS, "scrap-dlq", ref.DLQURL, ""),
		db:    db,
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func publishScrapes(t *testing.T, pub events.Publisher, n int) []events.Envelope {
	t.Helper()
	envs := make([]events.Envelope, n)
	for i := range envs {
		envs[i] = events.MustNew(context.Background(), events.ScrapeRequested{ScrapeID: int64(i + 1), URL: fmt.Sprintf("https://shop.example/p/%d", i)})
	}
	require.NoError(t, pub.Publish(context.Background(), envs...))
	return envs
}

// effectHandler records one effect row per event through store.Once.
func effectHandler(db *sql.DB, calls *atomic.Int64) events.Handler {
	return events.HandlerFunc(func(ctx context.Context, env events.Envelope, _ *events.Message) error {
		calls.Add(1)
		_, err := store.Once(ctx, db, "test", env.Key(), func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO effects (event_id, n) VALUES (?, 1)`, env.ID)
			return err
		})
		return err
	})
}

func countEffects(t *testing.T, db *sql.DB) (rows, distinct int) {
	t.Helper()
	require.NoError(t, db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT event_id) FROM effects`).Scan(&rows, &distinct))
	return
}

func runConsumer(t *testing.T, q events.Queue, h events.Handler, cfg events.ConsumerConfig) (stop func()) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	c, err := events.NewConsumer(q, h, cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	return stop
}

// The exactly-once property: every event delivered twice, each handled by
// store.Once against MySQL, leaves exactly one effect per event. It runs at
// full size (1,000 x 2) on the in-memory transport and at a small size on
// moto in make test; TestLongConsumerEveryMessageTwiceOnMoto runs the full
// size on moto in make test-long (moto costs time in proportion to the
// queue's size for every receive and delete: 4.5-5 min for 2,000 messages).

func TestConsumerEveryMessageTwiceExactlyOnceEffects(t *testing.T) {
	t.Parallel()
	dlq := events.NewMemoryQueue(events.MemoryQueueConfig{Name: "scrap-dlq"})
	q := events.NewMemoryQueue(events.MemoryQueueConfig{Name: "scrap", VisibilityTimeout: 30 * time.Second, MaxReceiveCount: 10, DLQ: dlq})
	envs := scrapeEnvelopes(1000)
	for range 2 {
		for _, env := range envs {
			body, err := env.Marshal()
			require.NoError(t, err)
			q.Send(body, map[string]string{"type": env.Type})
		}
	}
	everyMessageTwice(t, q, storetest.New(t), len(envs))
}

func TestConsumerEveryMessageTwiceExactlyOnceEffectsOnMoto(t *testing.T) {
	t.Parallel()
	everyMessageTwiceOnMoto(t, 100)
}

func TestLongConsumerEveryMessageTwiceOnMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 x 2 messages through moto take minutes: make test-long")
	}
	t.Parallel()
	everyMessageTwiceOnMoto(t, 1000)
}

func everyMessageTwiceOnMoto(t *testing.T, n int) {
	t.Helper()
	s := setup(t)
	envs := scrapeEnvelopes(n)
	// Every event is on the queue twice (straight onto SQS: SNS routing is
	// covered by the conformance suite, and moto's SNS fan-out is slow).
	sendBatches(t, s.stack.Clients.SQS, s.queue.URL(), envs)
	sendBatches(t, s.stack.Clients.SQS, s.queue.URL(), envs)
	everyMessageTwice(t, s.queue, s.db, n)
}

func scrapeEnvelopes(n int) []events.Envelope {
	envs := make([]events.Envelope, n)
	for i := range envs {
		envs[i] = events.MustNew(context.Background(), events.ScrapeRequested{ScrapeID: int64(i + 1), URL: fmt.Sprintf("https://shop.example/p/%d", i)})
	}
	return envs
}

// everyMessageTwice consumes q, which holds each of n events twice, and
// requires exactly one effect row per event in db (which has the effects
// table).
func everyMessageTwice(t *testing.T, q events.Queue, db *sql.DB, n int) {
	t.Helper()
	_, err := db.Exec(`CREATE TABLE IF NOT EXISTS effects (event_id VARCHAR(64) NOT NULL, n INT NOT NULL)`)
	require.NoError(t, err)
	var calls atomic.Int64
	stop := runConsumer(t, q, effectHandler(db, &calls), events.ConsumerConfig{Concurrency: 8, Pollers: 3, WaitTime: time.Second})
	start := time.Now()
	// Done means every copy handled and deleted. Under a loaded machine a
	// copy may outlive its visibility and be handled a third time, so the
	// handler count alone can reach 2n while a copy is still queued or in
	// flight: wait for the queue to be empty as well, with the consumer
	// still running (and none dead-lettered). The deadline only bounds a hang.
	var queued, dead int
	var derr error
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if calls.Load() < int64(2*n) {
			continue
		}
		if queued, dead, derr = q.Depth(context.Background()); derr == nil && queued == 0 && dead == 0 {
			break
		}
	}
	require.NoError(t, derr)
	require.GreaterOrEqual(t, calls.Load(), int64(2*n), "handler calls")
	require.Zero(t, queued+dead, "%d queued, %d dead-lettered", queued, dead)
	t.Logf("2x%d messages handled in %s (%d handler calls)", n, time.Since(start), calls.Load())
	stop()
	rows, distinct := countEffects(t, db)
	require.Equal(t, n, rows)
	require.Equal(t, n, distinct)
}

// recordingQueue records the retry delays a consumer asks for.
type recordingQueue struct {
	events.Queue
	mu     sync.Mutex
	delays []time.Duration
}

func (r *recordingQueue) ChangeVisibility(ctx context.Context, m *events.Message, d time.Duration) error {
	r.mu.Lock()
	r.delays = append(r.delays, d)
	r.mu.Unlock()
	return r.Queue.ChangeVisibility(ctx, m, d)
}

func TestConsumerRetriesWithGrowingDelaysThenDLQ(t *testing.T) {
	t.Parallel()
	s := setup(t, withScrap(5*time.Second, 3))
	env := publishScrapes(t, s.pub, 1)[0]
	reg := prometheus.NewRegistry()
	metrics := events.NewMetrics(reg)
	rq := &recordingQueue{Queue: s.queue}
	var attempts atomic.Int64
	failing := events.HandlerFunc(func(context.Context, events.Envelope, *events.Message) error {
		attempts.Add(1)
		return errors.New("shop is down")
	})
	runConsumer(t, rq, failing, events.ConsumerConfig{
		WaitTime: time.Second, VisibilityTimeout: 5 * time.Second, MaxReceiveCount: 3,
		Backoff: events.Backoff{Base: 1 * time.Second, Max: time.Minute}, Metrics: metrics,
	})
	dead := eventstestReceive(t, s.dlq, 1, 30*time.Second)
	require.Len(t, dead, 1)
	got, err := events.DecodeEnvelope(dead[0].Body)
	require.NoError(t, err)
	require.Equal(t, env.ID, got.ID)
	require.Contains(t, dead[0].Attributes["dead_letter_reason"], "shop is down")
	require.EqualValues(t, 3, attempts.Load())

	rq.mu.Lock()
	delays := append([]time.Duration(nil), rq.delays...)
	rq.mu.Unlock()
	require.Len(t, delays, 2, "two retries before the last attempt")
	require.GreaterOrEqual(t, delays[1], delays[0], "retry delays grow")
	require.GreaterOrEqual(t, delays[1], time.Second)

	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	require.Eventually(t, func() bool {
		return strings.Contains(httpGet(t, srv.URL), `ddokso_queue_dead_lettered_total{queue="scrap"} 1`)
	}, 10*time.Second, 50*time.Millisecond)
	body := httpGet(t, srv.URL)
	require.Contains(t, body, `ddokso_queue_retried_total{queue="scrap"} 2`)
	require.Contains(t, body, `ddokso_queue_failed_total{queue="scrap"} 3`)
}

func TestConsumerPoisonGoesToDLQWithoutRetries(t *testing.T) {
	t.Parallel()
	s := setup(t)
	ctx := context.Background()
	_, err := s.stack.Clients.SQS.SendMessage(ctx, sendInput(s.queue.URL(), `{"this is": not json`))
	require.NoError(t, err)
	_, err = s.stack.Clients.SQS.SendMessage(ctx, sendInput(s.queue.URL(), `{"id":"x","type":"scrape.requested","version":1}`))
	require.NoError(t, err)
	var calls atomic.Int64
	runConsumer(t, s.queue, effectHandler(s.db, &calls), events.ConsumerConfig{WaitTime: time.Second})
	dead := eventstestReceive(t, s.dlq, 2, 30*time.Second)
	require.Len(t, dead, 2)
	for _, m := range dead {
		require.Contains(t, m.Attributes["dead_letter_reason"], "undecodable")
	}
	require.Zero(t, calls.Load(), "the handler never sees poison")
}

func TestConsumerShutdownMidBatchLosesNothing(t *testing.T) {
	t.Parallel()
	s := setup(t)
	const n = 60
	publishScrapes(t, s.pub, n)
	var calls atomic.Int64
	slow := events.HandlerFunc(func(ctx context.Context, env events.Envelope, m *events.Message) error {
		time.Sleep(150 * time.Millisecond)
		return effectHandler(s.db, &calls).Handle(ctx, env, m)
	})
	stop := runConsumer(t, s.queue, slow, events.ConsumerConfig{Concurrency: 4, WaitTime: time.Second, ShutdownTimeout: 10 * time.Second})
	require.Eventually(t, func() bool { return calls.Load() >= 10 }, time.Minute, 20*time.Millisecond)
	stop() // SIGTERM: stop receiving, finish in-flight handlers, release the rest.
	handled, _ := countEffects(t, s.db)
	require.Less(t, handled, n, "shutdown came mid-way")

	// A new process picks up everything else.
	runConsumer(t, s.queue, effectHandler(s.db, &calls), events.ConsumerConfig{WaitTime: time.Second})
	require.Eventually(t, func() bool { r, _ := countEffects(t, s.db); return r == n }, time.Minute, 100*time.Millisecond)
	rows, distinct := countEffects(t, s.db)
	require.Equal(t, n, rows)
	require.Equal(t, n, distinct)
}

func TestConsumerHeartbeatKeepsLongHandlerInvisible(t *testing.T) {
	t.Parallel()
	s := setup(t, withScrap(2*time.Second, 5))
	publishScrapes(t, s.pub, 1)
	var calls atomic.Int64
	long := events.HandlerFunc(func(ctx context.Context, env events.Envelope, m *events.Message) error {
		calls.Add(1)
		time.Sleep(5 * time.Second) // longer than the visibility timeout
		return nil
	})
	stop := runConsumer(t, s.queue, long, events.ConsumerConfig{Pollers: 2, WaitTime: time.Second, VisibilityTimeout: 2 * time.Second, HeartbeatInterval: 500 * time.Millisecond})
	time.Sleep(7 * time.Second)
	stop()
	require.EqualValues(t, 1, calls.Load(), "the message was not redelivered while its handler ran")
}

func TestDecodeScheduledAcceptsBothForms(t *testing.T) {
	t.Parallel()
	raw := strings.NewReplacer("<aws.scheduler.execution-id>", "exec-1", "<aws.scheduler.scheduled-time>", "2026-11-29T00:10:00Z").Replace(events.ScheduleInput(events.TypeRescrapeDue))
	a, err := events.DecodeScheduled([]byte(raw))
	require.NoError(t, err)
	b, err := events.DecodeScheduled([]byte(`{"version":"0","id":"eb-1","detail-type":"rescrape.due","source":"ddokso.scheduler","account":"1","time":"2026-11-29T00:10:00Z","region":"ap-northeast-2","resources":[],"detail":{}}`))
	require.NoError(t, err)
	for _, env := range []events.Envelope{a, b} {
		require.Equal(t, events.TypeRescrapeDue, env.Type)
		var tick events.RescrapeDue
		require.NoError(t, env.Decode(&tick))
		require.Equal(t, time.Date(2026, 11, 29, 0, 10, 0, 0, time.UTC), tick.ScheduledAt.UTC())
	}
	require.Equal(t, a.Key(), b.Key(), "the same firing dedupes across both forms")
	local := events.NewTick(events.TypeRescrapeDue, time.Date(2026, 11, 29, 0, 10, 0, 0, time.UTC))
	require.Equal(t, a.Key(), local.Key())
	_, err = events.DecodeScheduled([]byte(`{"detail-type":`))
	require.True(t, events.IsPermanent(err))
}
