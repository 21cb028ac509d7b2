// Package eventstest is the conformance suite every events transport must
// pass, in the manner of go-cloud's drivertest: the same tests run against
// the in-memory transport and against SQS/SNS on a real AWS-API endpoint.
package eventstest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
)

// Setup is one fresh, isolated topology of a transport: a publisher to the
// event topic and, by logical queue name ("scrap", "notify", "batch"), each
// queue and its dead-letter queue.
type Setup struct {
	Publisher events.Publisher
	Queues    map[string]events.Queue
	DLQs      map[string]events.Queue
}

// Harness makes Setups. visibility and maxReceive apply to the "scrap" queue.
type Harness func(t *testing.T, visibility time.Duration, maxReceive int) Setup

// RunConformance runs the suite.
func RunConformance(t *testing.T, h Harness) {
	t.Run("PublishReceiveDelete", func(t *testing.T) { t.Parallel(); testPublishReceiveDelete(t, h) })
	t.Run("FilterRouting", func(t *testing.T) { t.Parallel(); testFilterRouting(t, h) })
	t.Run("RedeliveryAfterVisibility", func(t *testing.T) { t.Parallel(); testRedelivery(t, h) })
	t.Run("ChangeVisibilityZero", func(t *testing.T) { t.Parallel(); testChangeVisibilityZero(t, h) })
	t.Run("RedriveToDLQ", func(t *testing.T) { t.Parallel(); testRedrive(t, h) })
	t.Run("DeadLetter", func(t *testing.T) { t.Parallel(); testDeadLetter(t, h) })
	t.Run("DeleteReportsFailedEntries", func(t *testing.T) { t.Parallel(); testDeleteFailed(t, h) })
	t.Run("Depth", func(t *testing.T) { t.Parallel(); testDepth(t, h) })
}

func scrape(n int) events.Envelope {
	return events.MustNew(context.Background(), events.ScrapeRequested{ScrapeID: int64(n), URL: fmt.Sprintf("https://shop.example/p/%d", n)})
}

// ReceiveAll receives from q until want messages arrived or timeout passed.
func ReceiveAll(t *testing.T, q events.Queue, want int, timeout time.Duration) []*events.Message {
	t.Helper()
	var got []*events.Message
	deadline := time.Now().Add(timeout)
	for len(got) < want && time.Now().Before(deadline) {
		msgs, err := q.Receive(context.Background(), 10, time.Second)
		require.NoError(t, err)
		got = append(got, msgs...)
	}
	return got
}

func ids(t *testing.T, msgs []*events.Message) []string {
	var out []string
	for _, m := range msgs {
		env, err := events.DecodeEnvelope(m.Body)
		require.NoError(t, err)
		out = append(out, env.ID)
	}
	slices.Sort(out)
	return out
}

func testPublishReceiveDelete(t *testing.T, h Harness) {
	s := h(t, 30*time.Second, 5)
	envs := []events.Envelope{scrape(1), scrape(2), scrape(3)}
	require.NoError(t, s.Publisher.Publish(context.Background(), envs...))
	got := ReceiveAll(t, s.Queues["scrap"], 3, 10*time.Second)
	require.Len(t, got, 3)
	want := []string{envs[0].ID, envs[1].ID, envs[2].ID}
	slices.Sort(want)
	require.Equal(t, want, ids(t, got))
	for _, m := range got {
		require.Equal(t, events.TypeScrapeRequested, m.Attributes["type"])
		require.Equal(t, 1, m.ReceiveCount)
	}
	failed, err := s.Queues["scrap"].Delete(context.Background(), got)
	require.NoError(t, err)
	require.Empty(t, failed)
	again, err := s.Queues["scrap"].Receive(context.Background(), 10, time.Second)
	require.NoError(t, err)
	require.Empty(t, again)
}

func testFilterRouting(t *testing.T, h Harness) {
	s := h(t, 30*time.Second, 5)
	ctx := context.Background()
	pc := events.MustNew(ctx, events.PriceChanged{ProductID: 7, Changes: []events.PriceChange{{NewAvailability: "in_stock"}}})
	tick := events.MustNew(ctx, events.RescrapeDue{ScheduledAt: time.Now()})
	sr := scrape(1)
	require.NoError(t, s.Publisher.Publish(ctx, sr, pc, tick))
	for name, want := range map[string]string{"scrap": sr.ID, "notify": pc.ID, "batch": tick.ID} {
		got := ReceiveAll(t, s.Queues[name], 1, 10*time.Second)
		require.Equal(t, []string{want}, ids(t, got), "queue %s", name)
		// Nothing else arrives.
		more, err := s.Queues[name].Receive(ctx, 10, time.Second)
		require.NoError(t, err)
		require.Empty(t, more, "queue %s got an event of another type", name)
	}
}

func testRedelivery(t *testing.T, h Harness) {
	s := h(t, 3*time.Second, 5)
	require.NoError(t, s.Publisher.Publish(context.Background(), scrape(1)))
	first := ReceiveAll(t, s.Queues["scrap"], 1, 10*time.Second)
	require.Len(t, first, 1)
	// Invisible right after receive.
	none, err := s.Queues["scrap"].Receive(context.Background(), 10, 0)
	require.NoError(t, err)
	require.Empty(t, none)
	second := ReceiveAll(t, s.Queues["scrap"], 1, 10*time.Second)
	require.Len(t, second, 1)
	require.Equal(t, first[0].ID, second[0].ID)
	require.Equal(t, 2, second[0].ReceiveCount)
}

func testChangeVisibilityZero(t *testing.T, h Harness) {
	s := h(t, 60*time.Second, 5)
	require.NoError(t, s.Publisher.Publish(context.Background(), scrape(1)))
	first := ReceiveAll(t, s.Queues["scrap"], 1, 10*time.Second)
	require.Len(t, first, 1)
	require.NoError(t, s.Queues["scrap"].ChangeVisibility(context.Background(), first[0], 0))
	second := ReceiveAll(t, s.Queues["scrap"], 1, 5*time.Second)
	require.Len(t, second, 1)
	require.Equal(t, first[0].ID, second[0].ID)
}

func testRedrive(t *testing.T, h Harness) {
	s := h(t, time.Second, 2)
	env := scrape(1)
	require.NoError(t, s.Publisher.Publish(context.Background(), env))
	for i := 1; i <= 2; i++ {
		got := ReceiveAll(t, s.Queues["scrap"], 1, 10*time.Second)
		require.Len(t, got, 1, "receive %d", i)
		require.NoError(t, s.Queues["scrap"].ChangeVisibility(context.Background(), got[0], 0))
	}
	// The third receive finds it over the limit and moves it to the DLQ.
	_, err := s.Queues["scrap"].Receive(context.Background(), 10, time.Second)
	require.NoError(t, err)
	dead := ReceiveAll(t, s.DLQs["scrap"], 1, 10*time.Second)
	require.Equal(t, []string{env.ID}, ids(t, dead))
}

func testDeadLetter(t *testing.T, h Harness) {
	s := h(t, 30*time.Second, 5)
	env := scrape(1)
	require.NoError(t, s.Publisher.Publish(context.Background(), env))
	got := ReceiveAll(t, s.Queues["scrap"], 1, 10*time.Second)
	require.Len(t, got, 1)
	require.NoError(t, s.Queues["scrap"].DeadLetter(context.Background(), got[0], "poison"))
	dead := ReceiveAll(t, s.DLQs["scrap"], 1, 10*time.Second)
	require.Equal(t, []string{env.ID}, ids(t, dead))
	require.Equal(t, "poison", dead[0].Attributes["dead_letter_reason"])
	require.Equal(t, events.TypeScrapeRequested, dead[0].Attributes["type"])
	_, _, err := s.Queues["scrap"].Depth(context.Background())
	require.NoError(t, err)
	none, err := s.Queues["scrap"].Receive(context.Background(), 10, 0)
	require.NoError(t, err)
	require.Empty(t, none)
}

func testDeleteFailed(t *testing.T, h Harness) {
	s := h(t, 30*time.Second, 5)
	require.NoError(t, s.Publisher.Publish(context.Background(), scrape(1)))
	got := ReceiveAll(t, s.Queues["scrap"], 1, 10*time.Second)
	require.Len(t, got, 1)
	bogus := &events.Message{ID: "nope", Handle: "bogus-receipt-handle"}
	failed, err := s.Queues["scrap"].Delete(context.Background(), []*events.Message{got[0], bogus})
	require.NoError(t, err)
	require.Equal(t, []*events.Message{bogus}, failed)
}

func testDepth(t *testing.T, h Harness) {
	s := h(t, 30*time.Second, 5)
	require.NoError(t, s.Publisher.Publish(context.Background(), scrape(1), scrape(2)))
	require.Eventually(t, func() bool {
		n, d, err := s.Queues["scrap"].Depth(context.Background())
		return err == nil && n == 2 && d == 0
	}, 10*time.Second, 100*time.Millisecond)
}
