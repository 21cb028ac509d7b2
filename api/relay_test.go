package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/internal/awstest"
	"github.com/ddokso/ddokso/store"
)

// TestScrapeReachesScrapQueue publishes a submission through the outbox
// relay and SNS on moto and receives it from the scrap queue.
func TestScrapeReachesScrapQueue(t *testing.T) {
	t.Parallel()
	st := awstest.NewStack(t)
	hs := setup(t)
	w := hs.do("POST", "/api/v1/scrapes", map[string]string{"url": "https://shop.example.com/sqs"}, withHeader("X-Request-ID", "corr-sqs-1"))
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	id := decode[submitted](t, w).ID

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	relay, err := store.NewRelay(hs.db, events.NewSNSPublisher(st.Clients.SNS, st.Resolved.TopicARN), store.RelayConfig{})
	require.NoError(t, err)
	n, err := relay.RelayOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)

	q := st.Resolved.Queues["scrap"]
	sq := events.NewSQSQueue(st.Clients.SQS, "scrap", q.URL, q.DLQURL)
	var msgs []*events.Message
	for len(msgs) == 0 && ctx.Err() == nil {
		msgs, err = sq.Receive(ctx, 10, 2*time.Second)
		require.NoError(t, err)
	}
	require.Len(t, msgs, 1)
	env, err := events.DecodeEnvelope(msgs[0].Body)
	require.NoError(t, err)
	require.Equal(t, events.TypeScrapeRequested, env.Type)
	require.Equal(t, "corr-sqs-1", env.CorrelationID)
	var p events.ScrapeRequested
	require.NoError(t, env.Decode(&p))
	require.Equal(t, id, p.ScrapeID)
	require.Equal(t, "https://shop.example.com/sqs", p.URL)
}
