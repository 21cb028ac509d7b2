package emulator_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/internal/emulator"
)

func sqsClient(t *testing.T, endpoint string) *sqs.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("ap-northeast-2"),
		config.WithBaseEndpoint(endpoint),
		config.WithCredentialsProvider(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"}, nil
		})))
	require.NoError(t, err)
	return sqs.NewFromConfig(cfg)
}

// TestFauxqsRestartLosesState starts fauxqs, makes a queue, restarts it
// on the same endpoint and finds the queue gone: what the chaos harness's
// emulator restart relies on.
func TestFauxqsRestartLosesState(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := emulator.Start(ctx, emulator.Config{Kind: emulator.Fauxqs})
	require.NoError(t, err)
	t.Cleanup(s.Kill)

	c := sqsClient(t, s.Endpoint())
	_, err = c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("restart-probe")})
	require.NoError(t, err)
	before, err := c.ListQueues(ctx, &sqs.ListQueuesInput{})
	require.NoError(t, err)
	require.Len(t, before.QueueUrls, 1)

	endpoint := s.Endpoint()
	_, err = s.Restart(ctx)
	require.NoError(t, err)
	require.Equal(t, endpoint, s.Endpoint())
	after, err := c.ListQueues(ctx, &sqs.ListQueuesInput{})
	require.NoError(t, err)
	require.Empty(t, after.QueueUrls)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	require.Error(t, emulator.Config{Kind: "kumo"}.Validate())
	require.Error(t, emulator.Config{Kind: emulator.Moto, Port: 70000}.Validate())
	require.NoError(t, emulator.Config{Kind: emulator.Fauxqs}.Validate())
}
