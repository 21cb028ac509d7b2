package events_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/internal/awstest"
)

// TestAWSDocumentedSNSNotificationDecodes: a queue subscribed with raw
// message delivery on gets the envelope as its body, one with raw
// delivery off gets SNS's notification document around it; both decode to
// the same envelope. A subscription confirmation is refused permanently,
// with SNS's message id in the reason.
func TestAWSDocumentedSNSNotificationDecodes(t *testing.T) {
	t.Parallel()
	raw, err := events.DecodeEnvelope(awstest.Documented(t, "sns-raw-delivery-on-scrape-requested.json"))
	require.NoError(t, err)
	wrapped, err := events.DecodeEnvelope(awstest.Documented(t, "sns-raw-delivery-off-scrape-requested.json"))
	require.NoError(t, err)
	require.Equal(t, raw, wrapped)
	require.Equal(t, events.TypeScrapeRequested, wrapped.Type)
	require.Equal(t, "req-42", wrapped.CorrelationID)
	var p events.ScrapeRequested
	require.NoError(t, wrapped.Decode(&p))
	require.Equal(t, events.ScrapeRequested{ScrapeID: 42, URL: "https://shop.example/p/1", Reason: "user"}, p)

	// The batch queue's decoder unwraps it too.
	sched, err := events.DecodeScheduled(awstest.Documented(t, "sns-raw-delivery-off-scrape-requested.json"))
	require.NoError(t, err)
	require.Equal(t, raw.ID, sched.ID)

	_, err = events.DecodeEnvelope(awstest.Documented(t, "sns-subscription-confirmation.json"))
	require.True(t, events.IsPermanent(err))
	require.ErrorContains(t, err, "SubscriptionConfirmation")
}

// TestAWSDocumentedSchedulerInputDecodes: the body EventBridge Scheduler
// puts on the queue is the template's Input with its context attributes
// substituted.
func TestAWSDocumentedSchedulerInputDecodes(t *testing.T) {
	t.Parallel()
	body := awstest.Documented(t, "scheduler-sqs-target-input.json")
	filled := strings.NewReplacer("<aws.scheduler.execution-id>", "d32c5kddcf5bb8c3",
		"<aws.scheduler.scheduled-time>", "2022-03-22T18:50:00Z").Replace(events.ScheduleInput(events.TypeRescrapeDue))
	require.JSONEq(t, filled, string(body), "the fixture is ScheduleInput as Scheduler fills it")
	env, err := events.DecodeScheduled(body)
	require.NoError(t, err)
	require.Equal(t, events.TypeRescrapeDue, env.Type)
	at := time.Date(2022, 3, 22, 18, 50, 0, 0, time.UTC)
	require.Equal(t, events.NewTick(events.TypeRescrapeDue, at).Key(), env.Key(), "dedupes with the local stand-in's tick")
}

// TestAWSDocumentedEventBridgeRuleDecodes: EventBridge's "Scheduled
// Event" is the tick its rule is named after, at the event's time; a rule
// named after no ddokso schedule, and an aws.* event that is not a
// schedule, are refused permanently with the reason.
func TestAWSDocumentedEventBridgeRuleDecodes(t *testing.T) {
	t.Parallel()
	env, err := events.DecodeScheduled(awstest.Documented(t, "eventbridge-rule-scheduled-event.json"))
	require.NoError(t, err)
	require.Equal(t, events.TypeDigestDaily, env.Type)
	var tick events.DigestDaily
	require.NoError(t, env.Decode(&tick))
	at := time.Date(2015, 10, 8, 16, 53, 6, 0, time.UTC)
	require.Equal(t, at, tick.ScheduledAt)
	require.Equal(t, events.NewTick(events.TypeDigestDaily, at).Key(), env.Key())

	_, err = events.DecodeScheduled(awstest.Documented(t, "eventbridge-rule-scheduled-event-other-rule.json"))
	require.True(t, events.IsPermanent(err))
	require.ErrorContains(t, err, "names no ddokso schedule")

	other := strings.Replace(string(awstest.Documented(t, "eventbridge-rule-scheduled-event.json")), `"Scheduled Event"`, `"EC2 Instance State-change Notification"`, 1)
	other = strings.Replace(other, `"aws.events"`, `"aws.ec2"`, 1)
	_, err = events.DecodeScheduled([]byte(other))
	require.True(t, events.IsPermanent(err))
	require.ErrorContains(t, err, "is not a schedule")

	// A tool's PutEvents entry (a source outside the reserved aws.*).
	env, err = events.DecodeScheduled(awstest.Documented(t, "eventbridge-putevents-custom-source.json"))
	require.NoError(t, err)
	require.Equal(t, events.TypeCleanupDaily, env.Type)
	require.Equal(t, events.NewTick(events.TypeCleanupDaily, time.Date(2026, 11, 28, 19, 30, 0, 0, time.UTC)).Key(), env.Key())
	bad := strings.Replace(string(awstest.Documented(t, "eventbridge-putevents-custom-source.json")), `"cleanup.daily"`, `"scrape.requested"`, 1)
	_, err = events.DecodeScheduled([]byte(bad))
	require.True(t, events.IsPermanent(err))
	require.ErrorContains(t, err, "not a ddokso tick")
}
