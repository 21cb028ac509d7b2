package events_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/internal/eventstest"
)

func eventstestReceive(t *testing.T, q events.Queue, n int, timeout time.Duration) []*events.Message {
	return eventstest.ReceiveAll(t, q, n, timeout)
}

func sendInput(url, body string) *sqs.SendMessageInput {
	return &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)}
}

func sendBatches(t *testing.T, c *sqs.Client, url string, envs []events.Envelope) {
	t.Helper()
	for start := 0; start < len(envs); start += 10 {
		var entries []types.SendMessageBatchRequestEntry
		for i, env := range envs[start:min(start+10, len(envs))] {
			body, err := env.Marshal()
			require.NoError(t, err)
			entries = append(entries, types.SendMessageBatchRequestEntry{
				Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(string(body)),
				MessageAttributes: map[string]types.MessageAttributeValue{"type": {DataType: aws.String("String"), StringValue: aws.String(env.Type)}},
			})
		}
		out, err := c.SendMessageBatch(context.Background(), &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
		require.NoError(t, err)
		require.Empty(t, out.Failed)
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}
