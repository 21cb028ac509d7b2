package notify

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"
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
// Options (e.g. SESEvents.RecordTags) go to the mailer's SES client.
func crashAfterSend(t *testing.T, apiOptions ...func(*middleware.Stack) error) (*fixture, int64) {
	f := setup(t, func(c *Config) { c.RetryAfter = time.Millisecond })
	client := sesv2.NewFromConfig(awstest.Config(t), func(o *sesv2.Options) { o.APIOptions = append(o.APIOptions, apiOptions...) })
	w, err := New(f.db, &lostResponse{Mailer: NewSESMailer(client, f.cfg)}, nil, f.cfg, slog.New(slog.DiscardHandler))
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
// sent again. The event's tag is the SendEmail call's EmailTags, as SES
// publishes it.
func TestSendReceiptClosesCrashWindow(t *testing.T) {
	t.Parallel()
	stack := awstest.NewStack(t)
	pub := &emulator.SESEvents{Moto: awstest.Endpoint(t), SNS: stack.Clients.SNS, TopicARN: stack.Resolved.SESTopicARN}
	f, id := crashAfterSend(t, pub.RecordTags)
	ctx := context.Background()
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

// TestEmailCarriesNotificationTag: every email names its row in
// SendEmail's EmailTags (the tags SES v2 documents and publishes in its
// events), and in the X-SES-MESSAGE-TAGS header for raw paths.
func TestEmailCarriesNotificationTag(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var calls []*sesv2.SendEmailInput
	var mu sync.Mutex
	capture := func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("capture", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if p, ok := in.Parameters.(*sesv2.SendEmailInput); ok {
				mu.Lock()
				calls = append(calls, p)
				mu.Unlock()
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
	}
	client := sesv2.NewFromConfig(awstest.Config(t), func(o *sesv2.Options) { o.APIOptions = append(o.APIOptions, capture) })
	w, err := New(f.db, NewSESMailer(client, f.cfg), nil, f.cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	f.w = w
	pid := f.product("tagged")
	f.watch(pid, RuleAnyDrop, nil, true, false)
	f.handle(priceChanged(pid, "tagged", 20000, 15000))
	var id string
	require.NoError(t, f.db.QueryRow(`SELECT id FROM notifications WHERE user_id = ? AND channel = ?`, f.userID, ChannelEmail).Scan(&id))
	require.Len(t, calls, 1)
	require.Len(t, calls[0].EmailTags, 1)
	require.Equal(t, TagNotification, aws.ToString(calls[0].EmailTags[0].Name))
	require.Equal(t, id, aws.ToString(calls[0].EmailTags[0].Value))
	sent := f.sentTo(f.email)
	require.Len(t, sent, 1)
	require.Equal(t, "ddokso-notification="+id, parseRaw(t, sent[0].Raw).Header.Get("X-SES-MESSAGE-TAGS"))
}

// TestSESTagsAreWhatSESAccepts: names and values hold only letters,
// digits, '_' and '-' (SES's MessageTag rule), in the header and in
// EmailTags alike; an empty tag or two tags made one are refused.
func TestSESTagsAreWhatSESAccepts(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"x.y@z-1_": "x_y_z-1_", "a b": "a_b", "12345": "12345", "한글": "______", strings.Repeat("a", 300): strings.Repeat("a", 256)} {
		require.Equal(t, want, SESTag(in), in)
	}
	raw, err := BuildMIME(Email{From: "a@b.test", To: "c@d.test", Subject: "s", Tags: map[string]string{"b": "2", "a": "x.y@z-1_", "k=v": "1"}}, time.Now())
	require.NoError(t, err)
	require.True(t, slices.Contains(strings.Split(string(raw), "\r\n"), "X-SES-MESSAGE-TAGS: a=x_y_z-1_, b=2, k_v=1"))
	tags, err := messageTags(map[string]string{"b": "2", "a": "x.y@z-1_"})
	require.NoError(t, err)
	require.Equal(t, "a", aws.ToString(tags[0].Name))
	require.Equal(t, "x_y_z-1_", aws.ToString(tags[0].Value))
	_, err = BuildMIME(Email{From: "a@b.test", To: "c@d.test", Subject: "s", Tags: map[string]string{"k": ""}}, time.Now())
	require.Error(t, err)
	_, err = messageTags(map[string]string{"a.b": "1", "a@b": "2"})
	require.Error(t, err)
}
