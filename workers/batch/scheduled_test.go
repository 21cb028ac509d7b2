package batch

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/awstest"
)

// Acceptance 2: the Scheduler raw input and the EventBridge event envelope
// are both handled, and name the same tick for the same scheduled time.
func TestHandleBothScheduleForms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, w, enq := setup(t, Config{})
	now := time.Now().UTC()
	seed(t, db, []product{{shop: "a.example", status: "ok", next: ptr(now.Add(-time.Hour)), createdAt: now.Add(-48 * time.Hour)}})
	at := now.Truncate(10 * time.Minute)

	raw := strings.NewReplacer("<aws.scheduler.execution-id>", "exec-1",
		"<aws.scheduler.scheduled-time>", at.Format(time.RFC3339)).Replace(events.ScheduleInput(events.TypeRescrapeDue))
	env, err := events.DecodeScheduled([]byte(raw))
	require.NoError(t, err)
	require.NoError(t, w.Handle(ctx, env, &events.Message{Body: []byte(raw)}))
	require.Len(t, enq.productIDs(t), 1)

	// Same firing as an EventBridge event: same tick, nothing again even
	// though the lease is cleared.
	_, err = db.ExecContext(ctx, `UPDATE products SET lease_until = NULL`)
	require.NoError(t, err)
	eb := `{"version":"0","id":"ev-1","detail-type":"rescrape.due","source":"com.ddokso.ops","time":"` + at.Format(time.RFC3339) + `","detail":{}}`
	env2, err := events.DecodeScheduled([]byte(eb))
	require.NoError(t, err)
	require.Equal(t, env.Key(), env2.Key())
	require.NoError(t, w.Handle(ctx, env2, &events.Message{Body: []byte(eb)}))
	require.Len(t, enq.productIDs(t), 1)

	// The next firing as an EventBridge event is a new tick.
	eb = strings.Replace(eb, at.Format(time.RFC3339), at.Add(10*time.Minute).Format(time.RFC3339), 1)
	env3, err := events.DecodeScheduled([]byte(eb))
	require.NoError(t, err)
	require.NoError(t, w.Handle(ctx, env3, &events.Message{Body: []byte(eb)}))
	require.Len(t, enq.productIDs(t), 2)

	// Other types are refused permanently.
	bad := events.MustNew(ctx, events.NotifyRequested{Kind: "digest", UserID: "u"})
	require.True(t, events.IsPermanent(w.Handle(ctx, bad, &events.Message{})))
}

func TestNextFiring(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 0, 4, 59, 0, time.UTC) // 09:04:59 in Seoul
	for _, tc := range []struct {
		sc   infra.Schedule
		want time.Time
	}{
		{infra.Schedule{Name: "r", Every: 10 * time.Minute}, time.Date(2025, 3, 1, 0, 10, 0, 0, time.UTC)},
		{infra.Schedule{Name: "d", Every: 24 * time.Hour, At: "09:00", Timezone: "Asia/Seoul"}, time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)},
		{infra.Schedule{Name: "c", Every: 24 * time.Hour, At: "04:30", Timezone: "Asia/Seoul"}, time.Date(2025, 3, 1, 19, 30, 0, 0, time.UTC)},
	} {
		got, err := NextFiring(tc.sc, now)
		require.NoError(t, err)
		require.Equal(t, tc.want, got, tc.sc.Name)
	}
	_, err := NextFiring(infra.Schedule{Name: "x", Every: time.Hour, At: "25:99"}, now)
	require.Error(t, err)
}

// Acceptance (local stand-in): the local scheduler puts a well-formed tick
// on the batch queue, which DecodeScheduled reads like a real firing.
func TestLocalSchedulerPutsTicks(t *testing.T) {
	t.Parallel()
	st := awstest.NewStack(t)
	url := st.Resolved.Queues[infra.QueueBatch].URL
	s := NewLocalScheduler(st.Clients.SQS, url, []infra.Schedule{{Name: "fast", Type: events.TypeRescrapeDue, Every: time.Second}}, quietLog())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var out *sqs.ReceiveMessageOutput
	require.Eventually(t, func() bool {
		var err error
		out, err = st.Clients.SQS.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: 1, WaitTimeSeconds: 1, MessageAttributeNames: []string{"All"}})
		return err == nil && len(out.Messages) == 1
	}, 20*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	m := out.Messages[0]
	require.Empty(t, m.MessageAttributes, "Scheduler's SQS target sets no message attributes")
	env, err := events.DecodeScheduled([]byte(aws.ToString(m.Body)))
	require.NoError(t, err)
	var tick events.RescrapeDue
	require.NoError(t, env.Decode(&tick))
	require.Equal(t, tick.ScheduledAt, tick.ScheduledAt.Truncate(time.Second))
	require.WithinDuration(t, time.Now(), tick.ScheduledAt, 20*time.Second)
	require.Equal(t, events.NewTick(events.TypeRescrapeDue, tick.ScheduledAt).Key(), env.Key())
}
