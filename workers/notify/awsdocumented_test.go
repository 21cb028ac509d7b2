package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/internal/awstest"
)

// snsWrapped is msg as SNS puts it on a queue whose subscription has raw
// message delivery off: the documented notification document of
// sns-raw-delivery-off-ses-event-bounce.json with msg as its Message.
func snsWrapped(t *testing.T, msg []byte) []byte {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(awstest.Documented(t, "sns-raw-delivery-off-ses-event-bounce.json"), &doc))
	doc["Message"] = string(msg)
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	return b
}

// documentedRow is the notification row id the fixtures' ddokso-notification tag names.
const documentedRow = 4242

// TestAWSDocumentedSESEventsHaveTheirEffect feeds every SES event
// publishing record and classic notification AWS documents, raw and inside
// SNS's notification document, through DecodeSESEvent and HandleSESEvent
// on MariaDB, twice each (redelivery): receipts mark the tagged row sent
// with SES's message id, permanent bounces and complaints suppress the
// recipient, and the rest are acknowledged without effect. None fails.
func TestAWSDocumentedSESEventsHaveTheirEffect(t *testing.T) {
	t.Parallel()
	const sesID = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"
	for _, c := range []struct {
		file       string
		sent       bool   // the tagged row is marked sent
		suppressed string // the recipient is suppressed for this reason
	}{
		{file: "ses-event-send.json", sent: true},
		{file: "ses-event-delivery.json", sent: true},
		{file: "ses-event-bounce.json", suppressed: "bounce"},
		{file: "ses-event-bounce-transient.json"},
		{file: "ses-event-complaint.json", suppressed: "complaint"},
		{file: "ses-event-reject.json"},
		{file: "ses-event-delivery-delay.json"},
		{file: "ses-event-open.json"},
		{file: "ses-event-click.json"},
		{file: "ses-notification-bounce.json", suppressed: "bounce"},
		{file: "ses-notification-complaint.json", suppressed: "complaint"},
	} {
		for _, wrap := range []bool{false, true} {
			name := c.file
			if wrap {
				name += "/sns-raw-delivery-off"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				f := setup(t)
				ctx := context.Background()
				_, err := f.db.Exec(`INSERT INTO notifications (id, user_id, rule, channel, status, dedupe_key, alert_key, local_day, claimed_at)
					VALUES (?, ?, 'any_drop', 'email', 'queued', SHA2('documented', 256), SHA2('documented', 256), CURRENT_DATE, NOW(6))`, documentedRow, f.userID)
				require.NoError(t, err)
				body := awstest.Documented(t, c.file)
				if wrap {
					body = snsWrapped(t, body)
				}
				env, err := DecodeSESEvent(body)
				require.NoError(t, err)
				for range 2 {
					require.NoError(t, f.w.HandleSESEvent(ctx, env, &events.Message{ID: env.ID, Body: body}))
				}
				var status string
				var provider sql.NullString
				require.NoError(t, f.db.QueryRow(`SELECT status, provider_message_id FROM notifications WHERE id = ?`, documentedRow).Scan(&status, &provider))
				if c.sent {
					require.Equal(t, StatusSent, status)
					require.Equal(t, sesID, provider.String)
				} else {
					require.Equal(t, StatusQueued, status)
				}
				var reason sql.NullString
				err = f.db.QueryRow(`SELECT reason FROM email_suppressions WHERE email = 'recipient@example.com'`).Scan(&reason)
				if c.suppressed == "" {
					require.ErrorIs(t, err, sql.ErrNoRows, "no suppression")
				} else {
					require.NoError(t, err)
					require.Equal(t, c.suppressed, reason.String)
				}
			})
		}
	}
	// The documented wrapped bounce decodes to the same event as the raw one.
	a, err := DecodeSESEvent(awstest.Documented(t, "sns-raw-delivery-off-ses-event-bounce.json"))
	require.NoError(t, err)
	b, err := DecodeSESEvent(awstest.Documented(t, "ses-event-bounce.json"))
	require.NoError(t, err)
	require.Equal(t, b.ID, a.ID)
	require.JSONEq(t, string(b.Payload), string(a.Payload))
}

// TestAWSDocumentedSNSNotificationReachesNotify: a price.changed envelope
// inside SNS's notification document (raw delivery off) decodes with the
// consumer's default decoder and sends the alert, as the raw body does.
func TestAWSDocumentedSNSNotificationReachesNotify(t *testing.T) {
	t.Parallel()
	f := setup(t)
	pid := f.product("wrapped")
	f.watch(pid, RuleAnyDrop, nil, true, false)
	body, err := priceChanged(pid, "wrapped", 20000, 15000).Marshal()
	require.NoError(t, err)
	env, err := events.DecodeEnvelope(snsWrapped(t, body))
	require.NoError(t, err)
	require.Equal(t, events.TypePriceChanged, env.Type)
	f.handle(env)
	require.Equal(t, []string{StatusSent}, f.statuses(ChannelEmail))
	require.Len(t, f.sentTo(f.email), 1)
}
