package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ddokso/ddokso/events"
)

// SQSClient returns an SQS client for an emulator endpoint.
func SQSClient(ctx context.Context, endpoint string) (*sqs.Client, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion("ap-northeast-2"),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")))
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) }), nil
}

// ConsumerConfig sizes the consumer stage.
type ConsumerConfig struct {
	// Emulators maps a label to an AWS-API endpoint; each is measured.
	Emulators map[string]string
	// Messages per side and emulator.
	Messages int
	// Pollers is the receive concurrency of both sides.
	Pollers int
	// Notes are lines about emulators that could not be used.
	Notes []string
}

func preloadQueue(ctx context.Context, c *sqs.Client, url string, n int) error {
	body, err := events.MustNew(ctx, events.ScrapeRequested{URL: "https://shop.example/p/1"}).Marshal()
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	var firstErr atomic.Value
	for start := 0; start < n; start += 10 {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var entries []types.SendMessageBatchRequestEntry
			for i := start; i < min(start+10, n); i++ {
				entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i - start)), MessageBody: aws.String(string(body)),
					MessageAttributes: map[string]types.MessageAttributeValue{"type": {DataType: aws.String("String"), StringValue: aws.String(events.TypeScrapeRequested)}}})
			}
			if _, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries}); err != nil {
				firstErr.CompareAndSwap(nil, err)
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return fmt.Errorf("preload: %w", err)
	}
	return nil
}

// bareDrain is the baseline: pollers receive 10 and batch-delete them.
func bareDrain(ctx context.Context, c *sqs.Client, url string, n, pollers int) float64 {
	var got atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	for range pollers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for got.Load() < int64(n) && ctx.Err() == nil {
				out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
				if err != nil || len(out.Messages) == 0 {
					continue
				}
				entries := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
				for i, m := range out.Messages {
					entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
				}
				if _, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: entries}); err == nil {
					got.Add(int64(len(out.Messages)))
				}
			}
		}()
	}
	wg.Wait()
	return float64(got.Load()) / time.Since(start).Seconds()
}

type countingQueue struct {
	events.Queue
	deleted atomic.Int64
}

func (c *countingQueue) Delete(ctx context.Context, msgs []*events.Message) ([]*events.Message, error) {
	failed, err := c.Queue.Delete(ctx, msgs)
	if err == nil {
		c.deleted.Add(int64(len(msgs) - len(failed)))
	}
	return failed, err
}

// consumerDrain runs the ddokso consumer with a no-op handler until n are deleted.
func consumerDrain(ctx context.Context, c *sqs.Client, url, dlq string, n, pollers int) (float64, error) {
	q := &countingQueue{Queue: events.NewSQSQueue(c, "scrap", url, dlq)}
	noop := events.HandlerFunc(func(context.Context, events.Envelope, *events.Message) error { return nil })
	cons, err := events.NewConsumer(q, noop, events.ConsumerConfig{Pollers: pollers, Concurrency: 40, WaitTime: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return 0, err
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	start := time.Now()
	go func() { _ = cons.Run(rctx); close(done) }()
	deadline := time.Now().Add(5 * time.Minute)
	for q.deleted.Load() < int64(n) && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	el := time.Since(start)
	cancel()
	<-done
	return float64(q.deleted.Load()) / el.Seconds(), nil
}

// Consumer measures the ddokso consumer (no-op handler) against a bare SDK
// receive-and-delete loop with the same pollers, on every emulator.
func Consumer(ctx context.Context, cfg ConsumerConfig) Row {
	row := Row{Stage: "3 Consumer overhead", Metric: fmt.Sprintf("msgs/s, no-op handler, %d pollers, %d msgs", cfg.Pollers, cfg.Messages),
		Goal:    "≥ 0.8× the bare loop",
		Command: fmt.Sprintf("scripts/dev/with-moto.sh go run ./cmd/ddokso-bench -only 3 -consumer-msgs %d\ngo test ./bench -run '^$' -bench Drain -benchtime 500x", cfg.Messages)}
	ok := true
	row.Details = append(row.Details, "| emulator | ddokso consumer | bare SDK loop | ratio |", "|---|---|---|---|")
	for label, endpoint := range cfg.Emulators {
		c, err := SQSClient(ctx, endpoint)
		if err != nil {
			row.Err = err
			return row
		}
		name := "bench-consumer-" + randomHex(3)
		mk := func(n string) (string, error) {
			out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(n)})
			if err != nil {
				return "", fmt.Errorf("%s: create queue: %w", label, err)
			}
			return *out.QueueUrl, nil
		}
		url, err := mk(name)
		if err != nil {
			row.Err = err
			return row
		}
		dlq, err := mk(name + "-dlq")
		if err != nil {
			row.Err = err
			return row
		}
		if err := preloadQueue(ctx, c, url, cfg.Messages); err != nil {
			row.Err = err
			return row
		}
		base := bareDrain(ctx, c, url, cfg.Messages, cfg.Pollers)
		if err := preloadQueue(ctx, c, url, cfg.Messages); err != nil {
			row.Err = err
			return row
		}
		ours, err := consumerDrain(ctx, c, url, dlq, cfg.Messages, cfg.Pollers)
		if err != nil {
			row.Err = err
			return row
		}
		r := ours / base
		ok = ok && r >= 0.8
		row.Details = append(row.Details, fmt.Sprintf("| %s | %.0f msgs/s | %.0f msgs/s | %.2f× |", label, ours, base, r))
		if row.Ours != "" {
			row.Ours, row.Baseline, row.Ratio = row.Ours+"; ", row.Baseline+"; ", row.Ratio+"; "
		}
		row.Ours += fmt.Sprintf("%s %.0f msgs/s", label, ours)
		row.Baseline += fmt.Sprintf("%s %.0f msgs/s", label, base)
		row.Ratio += fmt.Sprintf("%s %.2f×", label, r)
		_, _ = c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url})
		_, _ = c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &dlq})
	}
	row.Holds = holds(ok)
	row.Details = append(row.Details, "")
	row.Details = append(row.Details, cfg.Notes...)
	return row
}
