package events

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// RedriveAPI is the part of the SQS client Redrive uses.
type RedriveAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

// Redrive moves the messages of a dead-letter queue back to its source
// queue, keeping bodies and attributes (minus the dead-letter reason). A
// message is deleted from the DLQ only after the source queue accepted it,
// so a failure part-way duplicates at worst, never loses. It stops when the
// DLQ looks empty or after limit messages, and returns how many it moved.
func Redrive(ctx context.Context, c RedriveAPI, dlqURL, queueURL string, limit int) (int, error) {
	moved := 0
	for moved < limit {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: &dlqURL, MaxNumberOfMessages: int32(min(10, limit-moved)), WaitTimeSeconds: 1,
			VisibilityTimeout: 60, MessageAttributeNames: []string{"All"},
		})
		if err != nil {
			return moved, fmt.Errorf("redrive: receive from %s: %w", dlqURL, err)
		}
		if len(out.Messages) == 0 {
			return moved, nil
		}
		send := make([]types.SendMessageBatchRequestEntry, len(out.Messages))
		for i, m := range out.Messages {
			attrs := map[string]types.MessageAttributeValue{}
			for k, v := range m.MessageAttributes {
				if k != "dead_letter_reason" {
					attrs[k] = v
				}
			}
			send[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: m.Body, MessageAttributes: attrs}
		}
		sent, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &queueURL, Entries: send})
		if err != nil {
			return moved, fmt.Errorf("redrive: send to %s: %w", queueURL, err)
		}
		var del []types.DeleteMessageBatchRequestEntry
		for _, ok := range sent.Successful {
			i, _ := strconv.Atoi(aws.ToString(ok.Id))
			del = append(del, types.DeleteMessageBatchRequestEntry{Id: ok.Id, ReceiptHandle: out.Messages[i].ReceiptHandle})
		}
		if len(del) > 0 {
			if _, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &dlqURL, Entries: del}); err != nil {
				return moved, fmt.Errorf("redrive: delete from %s: %w", dlqURL, err)
			}
		}
		moved += len(del)
		if len(sent.Failed) > 0 {
			return moved, fmt.Errorf("redrive: %d messages refused by %s", len(sent.Failed), queueURL)
		}
		if err := ctx.Err(); err != nil {
			return moved, err
		}
	}
	return moved, nil
}
