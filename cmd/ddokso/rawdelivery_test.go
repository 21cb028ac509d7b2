package main_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/internal/awstest"
)

// TestRunHandlesSubscriptionsWithoutRawDelivery: with every subscription
// of the event topic switched to RawMessageDelivery false (as one made by
// hand or by another tool is), the queues get SNS's notification
// documents; scrape.requested (scrap), price.changed (notify) and a
// rescrape.due tick published to the topic (batch) are all handled, and
// no dead-letter queue holds anything.
func TestRunHandlesSubscriptionsWithoutRawDelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	shop, price := priceShop(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(shop.URL, "http://"))
	prefix := "raw" + awstest.RandomHex(4)
	const sender = "alerts@ddokso.test"
	s := setup(t, port, "DDOKSO_PREFIX="+prefix, "DDOKSO_API_RECENT_WINDOW=1ms", "DDOKSO_FETCH_HOST_INTERVAL=0s",
		"DDOKSO_NOTIFY_SENDER=ddokso <"+sender+">", "DDOKSO_NOTIFY_QUIET_START=", "DDOKSO_NOTIFY_QUIET_END=")
	s.waitReady(t)

	cfg := awstest.Config(t)
	snsc, sqsc := sns.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	topo := infra.Default(prefix)
	var topicARN string
	subs := 0
	pages := sns.NewListTopicsPaginator(snsc, &sns.ListTopicsInput{})
	for pages.HasMorePages() && topicARN == "" {
		out, err := pages.NextPage(ctx)
		require.NoError(t, err)
		for _, tp := range out.Topics {
			if strings.HasSuffix(aws.ToString(tp.TopicArn), ":"+topo.TopicName()) {
				topicARN = aws.ToString(tp.TopicArn)
			}
		}
	}
	require.NotEmpty(t, topicARN)
	list, err := snsc.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topicARN)})
	require.NoError(t, err)
	for _, sub := range list.Subscriptions {
		_, err := snsc.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: sub.SubscriptionArn,
			AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("false")})
		require.NoError(t, err)
		subs++
	}
	require.Equal(t, 3, subs, "scrap, notify and batch subscriptions")
	_, _ = sesv2.NewFromConfig(cfg).CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(sender)})

	scrape := func() {
		t.Helper()
		resp, err := http.Post(s.api+"/api/v1/scrapes", "application/json", strings.NewReader(fmt.Sprintf(`{"url":%q}`, shop.URL+"/products/trail-runner-2")))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusAccepted, resp.StatusCode)
	}
	count := func(q string) int {
		var n int
		require.NoError(t, s.db.QueryRow(q).Scan(&n))
		return n
	}
	scrape()
	require.Eventually(t, func() bool { return count(`SELECT COUNT(*) FROM price_observations`) >= 1 }, 60*time.Second, 100*time.Millisecond, "scrap never handled a wrapped scrape.requested")

	_, err = s.db.Exec(`INSERT INTO users (id, email) VALUES ('raw-user', 'raw@example.com')`)
	require.NoError(t, err)
	_, err = s.db.Exec(`INSERT INTO watches (user_id, product_id, rule, channel_email, channel_push) SELECT 'raw-user', id, 'any_drop', TRUE, FALSE FROM products`)
	require.NoError(t, err)
	price.Store("99.95")
	scrape()
	require.Eventually(t, func() bool {
		return count(`SELECT COUNT(*) FROM notifications WHERE user_id = 'raw-user' AND status = 'sent'`) == 1
	}, 60*time.Second, 100*time.Millisecond, "notify never handled a wrapped price.changed")

	// A tick through the topic (the batch subscription's filter takes it).
	_, err = s.db.Exec(`UPDATE products SET next_check_at = NOW(6) - INTERVAL 1 HOUR, lease_until = NULL`)
	require.NoError(t, err)
	before := count(`SELECT COUNT(*) FROM price_observations`)
	price.Store("89.95")
	tick, err := events.NewTick(events.TypeRescrapeDue, time.Now()).Marshal()
	require.NoError(t, err)
	_, err = snsc.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topicARN), Message: aws.String(string(tick)),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"type": {DataType: aws.String("String"), StringValue: aws.String(events.TypeRescrapeDue)}}})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return count(`SELECT COUNT(*) FROM price_observations`) > before }, 60*time.Second, 100*time.Millisecond, "batch never handled a wrapped tick")

	for _, q := range topo.Queues {
		for _, name := range []string{topo.QueueName(q.Name), topo.DLQName(q.Name)} {
			u, err := sqsc.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
			require.NoError(t, err)
			if name == topo.QueueName(q.Name) {
				continue
			}
			attrs, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: u.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{
				sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
			require.NoError(t, err)
			require.Equal(t, "0", attrs.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)], name)
			require.Equal(t, "0", attrs.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)], name)
		}
	}
	require.NotContains(t, s.stderr.String(), "dead-letter", "nothing was dead-lettered")
}
