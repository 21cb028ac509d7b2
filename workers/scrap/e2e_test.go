package scrap_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/awstest"
	"github.com/ddokso/ddokso/store"
)

// TestEndToEnd runs scrape.requested through SNS and the scrap SQS queue
// into MySQL, then relays the outbox and expects exactly one price.changed
// on the notify queue.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	st := awstest.NewStack(t)
	pub := events.NewSNSPublisher(st.Clients.SNS, st.Resolved.TopicARN)
	scrapQ, err := st.Resolved.Queue(st.Clients.SQS, infra.QueueScrap)
	require.NoError(t, err)
	notifyQ, err := st.Resolved.Queue(st.Clients.SQS, infra.QueueNotify)
	require.NoError(t, err)

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := events.NewConsumer(scrapQ, fx.w, events.ConsumerConfig{WaitTime: time.Second, Logger: quiet})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })

	waitStatus := func(env events.Envelope, want string) {
		t.Helper()
		require.Eventually(t, func() bool { return fx.requestOf(t, env).Status == want }, 30*time.Second, 50*time.Millisecond)
	}

	// First sight.
	first := fx.request(t, fx.shop.URL())
	require.NoError(t, pub.Publish(ctx, first))
	waitStatus(first, "done")

	// The price drops; the same message is published twice.
	fx.shop.set(func(s *shop) { s.price = 139000 })
	second := fx.request(t, fx.shop.URL())
	require.NoError(t, pub.Publish(ctx, second))
	require.NoError(t, pub.Publish(ctx, second))
	waitStatus(second, "done")
	require.Eventually(t, func() bool {
		n, dlq, err := scrapQ.Depth(ctx)
		return err == nil && n == 0 && dlq == 0 && fx.count(t, `SELECT COUNT(*) FROM processed_messages`) == 2
	}, 30*time.Second, 100*time.Millisecond)

	p, ok := fx.product(t)
	require.True(t, ok)
	require.Equal(t, int64(139000), p.Price.Int64)
	require.Equal(t, 2, fx.count(t, `SELECT COUNT(*) FROM price_observations WHERE changed = 1`))

	relay, err := store.NewRelay(fx.db, pub, store.RelayConfig{Logger: quiet})
	require.NoError(t, err)
	n, err := relay.RelayOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "one price.changed, for the drop: first sight is not a change")

	var got []events.PriceChanged
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		msgs, err := notifyQ.Receive(ctx, 10, time.Second)
		require.NoError(t, err)
		for _, m := range msgs {
			env, err := events.DecodeEnvelope(m.Body)
			require.NoError(t, err)
			require.Equal(t, events.TypePriceChanged, env.Type)
			var pc events.PriceChanged
			require.NoError(t, env.Decode(&pc))
			got = append(got, pc)
		}
		if len(got) > 0 && len(msgs) == 0 {
			break // one empty poll after the first event: nothing else is coming
		}
	}
	require.Len(t, got, 1)
	require.Equal(t, p.ID, got[0].ProductID)
	require.Equal(t, []events.PriceChange{{
		OldPrice: i64(159000), NewPrice: i64(139000),
		OldAvailability: "in_stock", NewAvailability: "in_stock",
		AllTimeLow: i64(159000),
	}}, got[0].Changes)
}
