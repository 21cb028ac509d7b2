package notify

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/awstest"
	"github.com/ddokso/ddokso/internal/emulator"
)

// lostResponse sends through SES and then, the first time, reports a
// failure as if the connection dropped after SES had accepted the mail —
// the state a worker killed between the send and its record leaves behind
// (a claimed row still queued, a mail already out).
type lostResponse struct {
	Mailer
	lost atomic.Bool
}

func (m *lostResponse) Send(ctx context.Context, e Email) (string, error) {
	id, err := m.Mailer.Send(ctx, e)
	if err == nil && m.lost.CompareAndSwap(false, true) {
		return "", errors.New("read tcp: connection reset by peer")
	}
	return id, err
}

// crashAfterSend returns a fixture whose first email is accepted by SES
// but never recorded, and the id of that notification row.
func crashAfterSend(t *testing.T) (*fixture, int64) {
	f := setup(t, func(c *Config) { c.RetryAfter = time.Millisecond })
	w, err := New(f.db, &lostResponse{Mailer: NewSESMailer(sesv2.NewFromConfig(awstest.Config(t)), f.cfg)}, nil, f.cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	f.w = w
	pid := f.product("receipt")
	f.watch(pid, RuleAnyDrop, nil, true, false)
	f.handle(priceChanged(pid, "receipt", 20000, 15000))
	require.Len(t, f.sentTo(f.email), 1, "SES accepted the mail")
	require.Equal(t, []string{StatusQueued}, f.statuses(ChannelEmail), "but the row was never marked sent")
	var id int64
	require.NoError(t, f.db.QueryRow(`SELECT id FROM notifications WHERE user_id = ? AND channel = ?`, f.userID, ChannelEmail).Scan(&id))
	return f, id
}

// TestLostSendIsResentWithoutReceipt is the crash window as it is without
// SES receipts: the sweeper sends the mail a second time.
func TestLostSendIsResentWithoutReceipt(t *testing.T) {
	t.Parallel()
	f, _ := crashAfterSend(t)
	time.Sleep(5 * time.Millisecond) // past RetryAfter
	require.NoError(t, f.w.SendDeferred(context.Background()))
	require.Len(t, f.sentTo(f.email), 2)
	require.Equal(t, []string{StatusSent}, f.statuses(ChannelEmail))
}

// TestSendReceiptClosesCrashWindow runs SES's Send event through the real
// path (moto's sent-mail record → SES event → SNS ses-events topic → SQS
// ses-events queue → DecodeSESEvent → HandleSESEvent) before the sweeper
// runs: the row is marked sent with SES's message id and the mail is not
// sent again.
func TestSendReceiptClosesCrashWindow(t *testing.T) {
	t.Parallel()
	f, id := crashAfterSend(t)
	stack := awstest.NewStack(t)
	ctx := context.Background()
	pub := &emulator.SESEvents{Moto: f.endpoint, SNS: stack.Clients.SNS, TopicARN: stack.Resolved.SESTopicARN}
	n, err := pub.Poll(ctx)
	require.NoError(t, err)
	require.Positive(t, n)

	// moto holds every test's mail: hand the worker the events of this
	// test's recipient only (the others name rows of other databases).
	queueURL := stack.Resolved.Queues[infra.QueueSES].URL
	var handled int
	for deadline := time.Now().Add(20 * time.Second); handled == 0 && time.Now().Before(deadline); {
		out, err := stack.Clients.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		require.NoError(t, err)
		for _, m := range out.Messages {
			body := aws.ToString(m.Body)
			if !strings.Contains(body, f.email) {
				continue
			}
			env, err := DecodeSESEvent([]byte(body))
			require.NoError(t, err)
			require.NoError(t, f.w.HandleSESEvent(ctx, env, &events.Message{ID: aws.ToString(m.MessageId)}))
			require.NoError(t, f.w.HandleSESEvent(ctx, env, &events.Message{ID: aws.ToString(m.MessageId)}), "redelivery is harmless")
			handled++
		}
	}
	require.Equal(t, 1, handled, "one Send event for the one mail")
	require.Equal(t, []string{StatusSent}, f.statuses(ChannelEmail), "the receipt marked the row sent")
	var provider string
	require.NoError(t, f.db.QueryRow(`SELECT provider_message_id FROM notifications WHERE id = ?`, id).Scan(&provider))
	sent := f.sentTo(f.email)
	require.Equal(t, provider, sent[0].ID, "with SES's message id")

	time.Sleep(5 * time.Millisecond) // past RetryAfter
	require.NoError(t, f.w.SendDeferred(ctx))
	require.Len(t, f.sentTo(f.email), 1, "the sweeper did not send it again")
}

// TestReceiptIgnoresForeignMail: a Send event without the notification tag
// (or naming no row of this database) changes nothing.
func TestReceiptIgnoresForeignMail(t *testing.T) {
	t.Parallel()
	f, id := crashAfterSend(t)
	ctx := context.Background()
	for _, body := range []string{
		`{"eventType":"Send","mail":{"timestamp":"2026-11-29T01:02:03.000Z","messageId":"other-1","destination":["x@example.com"],"tags":{"ses:from-domain":["ddokso.test"]}},"send":{}}`,
		`{"eventType":"Send","mail":{"timestamp":"2026-11-29T01:02:03.000Z","messageId":"other-2","destination":["x@example.com"],"tags":{"ddokso-notification":["not-a-number"]}},"send":{}}`,
		`{"eventType":"Send","mail":{"timestamp":"2026-11-29T01:02:03.000Z","messageId":"other-3","destination":["x@example.com"],"tags":{"ddokso-notification":["` + "999999999" + `"]}},"send":{}}`,
	} {
		env, err := DecodeSESEvent([]byte(body))
		require.NoError(t, err)
		require.NoError(t, f.w.HandleSESEvent(ctx, env, &events.Message{}))
	}
	require.Equal(t, []string{StatusQueued}, f.statuses(ChannelEmail))
	var provider *string
	require.NoError(t, f.db.QueryRow(`SELECT provider_message_id FROM notifications WHERE id = ?`, id).Scan(&provider))
	require.Nil(t, provider)
}

// TestEmailCarriesNotificationTag: every email names its row in the
// X-SES-MESSAGE-TAGS header SES reads.
func TestEmailCarriesNotificationTag(t *testing.T) {
	t.Parallel()
	f := setup(t)
	pid := f.product("tagged")
	f.watch(pid, RuleAnyDrop, nil, true, false)
	f.handle(priceChanged(pid, "tagged", 20000, 15000))
	var id string
	require.NoError(t, f.db.QueryRow(`SELECT id FROM notifications WHERE user_id = ? AND channel = ?`, f.userID, ChannelEmail).Scan(&id))
	sent := f.sentTo(f.email)
	require.Len(t, sent, 1)
	require.Equal(t, "ddokso-notification="+id, parseRaw(t, sent[0].Raw).Header.Get("X-SES-MESSAGE-TAGS"))
}

func TestTagsHeaderRejectsBadTags(t *testing.T) {
	t.Parallel()
	_, err := BuildMIME(Email{From: "a@b.test", To: "c@d.test", Subject: "s", Tags: map[string]string{"k": "a b"}}, time.Now())
	require.Error(t, err)
	_, err = BuildMIME(Email{From: "a@b.test", To: "c@d.test", Subject: "s", Tags: map[string]string{"k=v": "1"}}, time.Now())
	require.Error(t, err)
	raw, err := BuildMIME(Email{From: "a@b.test", To: "c@d.test", Subject: "s", Tags: map[string]string{"b": "2", "a": "x.y@z-1_"}}, time.Now())
	require.NoError(t, err)
	require.True(t, slices.Contains(strings.Split(string(raw), "\r\n"), "X-SES-MESSAGE-TAGS: a=x.y@z-1_, b=2"))
}
