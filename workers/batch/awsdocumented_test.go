package batch

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/internal/awstest"
)

// TestAWSDocumentedScheduleFormsRunTheTick: the body EventBridge Scheduler
// puts on the batch queue (its Input with the context attributes filled)
// and EventBridge's "Scheduled Event" of a rule named after the schedule
// both run the rescrape tick for the same firing, once; a rule named
// after no ddokso schedule is refused permanently before any handler.
func TestAWSDocumentedScheduleFormsRunTheTick(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, w, enq := setup(t, Config{})
	now := time.Now().UTC()
	seed(t, db, []product{{shop: "a.example", status: "ok", next: ptr(now.Add(-time.Hour)), createdAt: now.Add(-48 * time.Hour)}})

	body := awstest.Documented(t, "scheduler-sqs-target-input-rescrape-due.json")
	env, err := events.DecodeScheduled(body)
	require.NoError(t, err)
	require.NoError(t, w.Handle(ctx, env, &events.Message{Body: body}))
	require.Len(t, enq.productIDs(t), 1, "the due product was enqueued")

	// The rule form of the same firing is the same tick: nothing again,
	// though the product's lease is cleared.
	_, err = db.ExecContext(ctx, `UPDATE products SET lease_until = NULL`)
	require.NoError(t, err)
	body = awstest.Documented(t, "eventbridge-rule-scheduled-event-rescrape-due.json")
	rule, err := events.DecodeScheduled(body)
	require.NoError(t, err)
	require.Equal(t, events.TypeRescrapeDue, rule.Type)
	require.Equal(t, env.Key(), rule.Key())
	require.NoError(t, w.Handle(ctx, rule, &events.Message{Body: body}))
	require.Len(t, enq.productIDs(t), 1)

	_, err = events.DecodeScheduled(awstest.Documented(t, "../../../../events/testdata/aws/eventbridge-rule-scheduled-event-other-rule.json"))
	require.True(t, events.IsPermanent(err))
}
