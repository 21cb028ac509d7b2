package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// SNSAPI is the part of the SNS client the publisher uses.
type SNSAPI interface {
	PublishBatch(ctx context.Context, in *sns.PublishBatchInput, opts ...func(*sns.Options)) (*sns.PublishBatchOutput, error)
}

// SNSPublisher publishes envelopes to one SNS topic, each with a "type"
// message attribute that queue subscriptions filter on. It sends up to ten
// envelopes per PublishBatch call.
type SNSPublisher struct {
	client   SNSAPI
	topicARN string
}

// NewSNSPublisher returns a publisher to the topic.
func NewSNSPublisher(client SNSAPI, topicARN string) *SNSPublisher {
	return &SNSPublisher{client: client, topicARN: topicARN}
}

// PublishError lists the envelopes a Publish call could not send.
type PublishError struct {
	// Failed maps envelope ids to the reason each was refused.
	Failed map[string]string
}

// Error implements error.
func (e *PublishError) Error() string {
	for id, why := range e.Failed {
		return fmt.Sprintf("publish: %d events failed (e.g. %s: %s)", len(e.Failed), id, why)
	}
	return "publish failed"
}

// Publish implements Publisher.
func (p *SNSPublisher) Publish(ctx context.Context, envs ...Envelope) error {
	perr := &PublishError{Failed: map[string]string{}}
	for start := 0; start < len(envs); start += 10 {
		chunk := envs[start:min(start+10, len(envs))]
		entries := make([]types.PublishBatchRequestEntry, 0, len(chunk))
		for i, env := range chunk {
			body, err := env.Marshal()
			if err != nil {
				return fmt.Errorf("publish %s: %w", env.Type, err)
			}
			entries = append(entries, types.PublishBatchRequestEntry{
				Id:      aws.String(strconv.Itoa(i)),
				Message: aws.String(string(body)),
				MessageAttributes: map[string]types.MessageAttributeValue{
					"type": {DataType: aws.String("String"), StringValue: aws.String(env.Type)},
				},
			})
		}
		out, err := p.client.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: &p.topicARN, PublishBatchRequestEntries: entries})
		if err != nil {
			return fmt.Errorf("publish %d events to %s: %w", len(chunk), p.topicARN, err)
		}
		for _, f := range out.Failed {
			i, _ := strconv.Atoi(aws.ToString(f.Id))
			if i >= 0 && i < len(chunk) {
				perr.Failed[chunk[i].ID] = aws.ToString(f.Code) + ": " + aws.ToString(f.Message)
			}
		}
	}
	if len(perr.Failed) > 0 {
		return perr
	}
	return nil
}

// FailedIDs returns the ids of envelopes that err reports as not published,
// or nil when err is not a *PublishError.
func FailedIDs(err error) map[string]string {
	var perr *PublishError
	if errors.As(err, &perr) {
		return perr.Failed
	}
	return nil
}
