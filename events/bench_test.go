package events_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
	"github.com/ddokso/ddokso/infra/awstest"
)

// benchPollers is the receive concurrency both sides use.
const benchPollers = 4

func preload(b *testing.B, c *sqs.Client, url string, n int) {
	b.Helper()
	envs := make([]events.Envelope, n)
	for i := range envs {
		envs[i] = events.MustNew(context.Background(), events.ScrapeRequested{URL: "https://shop.example/p/1"})
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for start := 0; start < n; start += 10 {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var entries []types.SendMessageBatchRequestEntry
			for i, env := range envs[start:min(start+10, n)] {
				body, _ := env.Marshal()
				entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(string(rune('a' + i))), MessageBody: aws.String(string(body))})
			}
			_, err := c.SendMessageBatch(context.Background(), &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
			require.NoError(b, err)
		}()
	}
	wg.Wait()
}

// BenchmarkDrain compares the ddokso consumer (no-op handler) with a bare
// SDK receive-and-delete loop at the same receive concurrency, against the
// same AWS-API endpoint. One op is one message; msgs/s is reported.
// Run: go test ./events -run '^$' -bench Drain -benchtime 500x
func BenchmarkDrain(b *testing.B) {
	st := awstest.NewStack(b)
	url := st.Resolved.Queues[infra.QueueScrap].URL
	c := st.Clients.SQS

	b.Run("bare-sdk", func(b *testing.B) {
		b.StopTimer()
		preload(b, c, url, b.N)
		var got atomic.Int64
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		for range benchPollers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for got.Load() < int64(b.N) && ctx.Err() == nil {
					out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
					if err != nil || len(out.Messages) == 0 {
						continue
					}
					entries := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
					for i, m := range out.Messages {
						entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(string(rune('a' + i))), ReceiptHandle: m.ReceiptHandle}
					}
					if _, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: entries}); err == nil {
						got.Add(int64(len(out.Messages)))
					}
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	})

	b.Run("ddokso-consumer", func(b *testing.B) {
		b.StopTimer()
		preload(b, c, url, b.N)
		q := &countingDeletes{Queue: events.NewSQSQueue(c, "scrap", url, st.Resolved.Queues[infra.QueueScrap].DLQURL)}
		noop := events.HandlerFunc(func(context.Context, events.Envelope, *events.Message) error { return nil })
		cons, err := events.NewConsumer(q, noop, events.ConsumerConfig{Pollers: benchPollers, Concurrency: 40, WaitTime: time.Second, Logger: quietLogger()})
		require.NoError(b, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		b.StartTimer()
		start := time.Now()
		go func() { _ = cons.Run(ctx); close(done) }()
		for q.deleted.Load() < int64(b.N) {
			time.Sleep(time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		cancel()
		<-done
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	})
}

// countingDeletes counts messages actually deleted.
type countingDeletes struct {
	events.Queue
	deleted atomic.Int64
}

func (c *countingDeletes) Delete(ctx context.Context, msgs []*events.Message) ([]*events.Message, error) {
	failed, err := c.Queue.Delete(ctx, msgs)
	if err == nil {
		c.deleted.Add(int64(len(msgs) - len(failed)))
	}
	return failed, err
}
