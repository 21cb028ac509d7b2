package batch

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"golang.org/x/sync/errgroup"

	"github.com/ddokso/ddokso/events"
)

// Enqueuer sends re-scrape requests to the scrap queue.
type Enqueuer interface {
	// Enqueue sends every envelope; it returns an error if any was not accepted.
	Enqueue(ctx context.Context, envs []events.Envelope) error
}

// sqsBatchMax is the SendMessageBatch entry limit.
const sqsBatchMax = 10

// sqsSendAttempts is how many times a batch entry is tried.
const sqsSendAttempts = 4

// SQSSendAPI is the part of the SQS client SQSEnqueuer uses.
type SQSSendAPI interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// SQSEnqueuer is the Enqueuer for an SQS queue: it sends envelopes in
// SendMessageBatch calls of 10 entries, several calls at once, and retries
// the entries a call reports as failed. Each message carries the "type"
// attribute the consumers and filters use.
type SQSEnqueuer struct {
	client      SQSSendAPI
	url         string
	concurrency int
	calls       atomic.Int64
	sent        atomic.Int64
}

// NewSQSEnqueuer returns an enqueuer for the queue at queueURL running at
// most concurrency SendMessageBatch calls at once (minimum 1).
func NewSQSEnqueuer(client *sqs.Client, queueURL string, concurrency int) *SQSEnqueuer {
	return newSQSEnqueuer(client, queueURL, concurrency)
}

func newSQSEnqueuer(client SQSSendAPI, queueURL string, concurrency int) *SQSEnqueuer {
	if concurrency < 1 {
		concurrency = 1
	}
	return &SQSEnqueuer{client: client, url: queueURL, concurrency: concurrency}
}

// Calls returns how many SendMessageBatch calls the enqueuer has made.
func (e *SQSEnqueuer) Calls() int64 { return e.calls.Load() }

// Sent returns how many messages SQS has accepted from the enqueuer.
func (e *SQSEnqueuer) Sent() int64 { return e.sent.Load() }

// Enqueue implements Enqueuer.
func (e *SQSEnqueuer) Enqueue(ctx context.Context, envs []events.Envelope) error {
	if len(envs) == 0 {
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(e.concurrency)
	for start := 0; start < len(envs); start += sqsBatchMax {
		chunk := envs[start:min(start+sqsBatchMax, len(envs))]
		g.Go(func() error { return e.sendBatch(gctx, chunk) })
	}
	return g.Wait()
}

// sendBatch sends up to 10 envelopes, retrying failed entries with a short
// backoff; only entries SQS reports as sender faults fail at once.
func (e *SQSEnqueuer) sendBatch(ctx context.Context, envs []events.Envelope) error {
	pending := make(map[string]types.SendMessageBatchRequestEntry, len(envs))
	for i, env := range envs {
		body, err := env.Marshal()
		if err != nil {
			return fmt.Errorf("enqueue %s: %w", env.ID, err)
		}
		id := strconv.Itoa(i)
		pending[id] = types.SendMessageBatchRequestEntry{
			Id:          aws.String(id),
			MessageBody: aws.String(string(body)),
			MessageAttributes: map[string]types.MessageAttributeValue{
				"type": {DataType: aws.String("String"), StringValue: aws.String(env.Type)},
			},
		}
	}
	var lastErr error
	for attempt := 0; attempt < sqsSendAttempts && len(pending) > 0; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(50<<attempt) * time.Millisecond):
			}
		}
		entries := make([]types.SendMessageBatchRequestEntry, 0, len(pending))
		for _, en := range pending {
			entries = append(entries, en)
		}
		e.calls.Add(1)
		out, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &e.url, Entries: entries})
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("send batch of %d: %w", len(entries), err)
			}
			lastErr = err
			continue
		}
		for _, ok := range out.Successful {
			delete(pending, aws.ToString(ok.Id))
		}
		e.sent.Add(int64(len(out.Successful)))
		for _, f := range out.Failed {
			msg := fmt.Sprintf("entry %s: %s %s", aws.ToString(f.Id), aws.ToString(f.Code), aws.ToString(f.Message))
			if f.SenderFault {
				return fmt.Errorf("send batch to %s: %s", e.url, msg)
			}
			lastErr = errors.New(msg)
		}
	}
	if len(pending) > 0 {
		return fmt.Errorf("send batch to %s: %d of %d entries not accepted after %d attempts: %w",
			e.url, len(pending), len(envs), sqsSendAttempts, lastErr)
	}
	return nil
}
