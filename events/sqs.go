package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQSAPI is the part of the SQS client the transport uses.
type SQSAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, opts ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// SQSQueue is the Queue driver for Amazon SQS (or any endpoint that speaks
// its API, such as moto or LocalStack).
type SQSQueue struct {
	client SQSAPI
	name   string
	url    string
	dlqURL string
}

// NewSQSQueue returns a driver for the queue at url whose dead-letter queue
// is at dlqURL (may be "" when the queue has none).
func NewSQSQueue(client SQSAPI, name, url, dlqURL string) *SQSQueue {
	return &SQSQueue{client: client, name: name, url: url, dlqURL: dlqURL}
}

// Name implements Queue.
func (q *SQSQueue) Name() string { return q.name }

// URL returns the queue URL.
func (q *SQSQueue) URL() string { return q.url }

// Receive implements Queue with a long poll.
func (q *SQSQueue) Receive(ctx context.Context, maxN int, wait time.Duration) ([]*Message, error) {
	out, err := q.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    &q.url,
		MaxNumberOfMessages:         int32(maxN),
		WaitTimeSeconds:             int32(wait / time.Second),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		return nil, fmt.Errorf("receive from %s: %w", q.name, err)
	}
	msgs := make([]*Message, 0, len(out.Messages))
	for _, m := range out.Messages {
		msg := &Message{
			ID:         aws.ToString(m.MessageId),
			Body:       []byte(aws.ToString(m.Body)),
			Handle:     aws.ToString(m.ReceiptHandle),
			Attributes: make(map[string]string, len(m.MessageAttributes)),
		}
		if n, err := strconv.Atoi(m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)]); err == nil {
			msg.ReceiveCount = n
		}
		for k, v := range m.MessageAttributes {
			msg.Attributes[k] = aws.ToString(v.StringValue)
		}
		msgs = append(msgs, msg)
	}
	return msgs, nil
}

// Delete implements Queue with DeleteMessageBatch, checking every entry.
func (q *SQSQueue) Delete(ctx context.Context, msgs []*Message) ([]*Message, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	entries := make([]types.DeleteMessageBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(m.Handle)}
	}
	out, err := q.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &q.url, Entries: entries})
	if err != nil {
		return msgs, fmt.Errorf("delete %d messages from %s: %w", len(msgs), q.name, err)
	}
	var failed []*Message
	for _, f := range out.Failed {
		i, err := strconv.Atoi(aws.ToString(f.Id))
		if err != nil || i < 0 || i >= len(msgs) {
			continue
		}
		failed = append(failed, msgs[i])
	}
	return failed, nil
}

// ChangeVisibility implements Queue.
func (q *SQSQueue) ChangeVisibility(ctx context.Context, m *Message, d time.Duration) error {
	// SQS counts whole seconds: round a positive delay up so a retry is never
	// made visible sooner than asked.
	secs := int32((d + time.Second - 1) / time.Second)
	if secs > 43200 {
		secs = 43200
	}
	_, err := q.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: &q.url, ReceiptHandle: aws.String(m.Handle), VisibilityTimeout: secs,
	})
	if err != nil {
		return fmt.Errorf("change visibility of %s on %s: %w", m.ID, q.name, err)
	}
	return nil
}

// DeadLetter implements Queue: it copies the message to the DLQ with the
// reason as an attribute, then deletes it from the queue.
func (q *SQSQueue) DeadLetter(ctx context.Context, m *Message, reason string) error {
	if q.dlqURL == "" {
		return errors.New(q.name + ": no dead-letter queue")
	}
	attrs := map[string]types.MessageAttributeValue{}
	for k, v := range m.Attributes {
		if v != "" {
			attrs[k] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
	}
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	if reason != "" {
		attrs["dead_letter_reason"] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(reason)}
	}
	body := string(m.Body)
	if body == "" {
		body = "(empty)"
	}
	if _, err := q.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.dlqURL, MessageBody: &body, MessageAttributes: attrs}); err != nil {
		return fmt.Errorf("dead-letter %s from %s: %w", m.ID, q.name, err)
	}
	if _, err := q.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &q.url, ReceiptHandle: aws.String(m.Handle)}); err != nil {
		return fmt.Errorf("delete dead-lettered %s from %s: %w", m.ID, q.name, err)
	}
	return nil
}

// Depth implements Queue.
func (q *SQSQueue) Depth(ctx context.Context) (int, int, error) {
	n, err := approxCount(ctx, q.client, q.url)
	if err != nil {
		return 0, 0, fmt.Errorf("depth of %s: %w", q.name, err)
	}
	d := 0
	if q.dlqURL != "" {
		if d, err = approxCount(ctx, q.client, q.dlqURL); err != nil {
			return 0, 0, fmt.Errorf("depth of %s DLQ: %w", q.name, err)
		}
	}
	return n, d, nil
}

func approxCount(ctx context.Context, c SQSAPI, url string) (int, error) {
	out, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       &url,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages},
	})
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
}
