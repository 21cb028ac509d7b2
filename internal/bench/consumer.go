package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ddokso/ddokso/events"
)

// SQSClient returns an SQS client for an emulator endpoint.
// opts adjust the client's options (e.g. add middleware).
func SQSClient(ctx context.Context, endpoint string, opts ...func(*sqs.Options)) (*sqs.Client, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion("ap-northeast-2"),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")))
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	return sqs.NewFromConfig(cfg, append([]func(*sqs.Options){func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) }}, opts...)...), nil
}

// ConsumerTarget is one emulator of the consumer stage and its sizes.
type ConsumerTarget struct {
	Emulator
	// Messages per side and round.
	Messages int
	// Rounds of interleaved bare/ddokso drains; the medians are reported.
	Rounds int
}

// ConsumerConfig sizes the consumer stage.
type ConsumerConfig struct {
	// Targets are measured in order.
	Targets []ConsumerTarget
	// Pollers is the receive concurrency of both sides.
	Pollers int
	// Notes are lines shown under the stage's table.
	Notes []string
	// CPUProfile, when set, is written with a CPU profile of the first
	// ddokso consumer run on the target labelled ProfileLabel.
	CPUProfile, ProfileLabel string
}

// scrapeBody is a scrape.requested envelope like the batch worker's, as
// the bare loops send it.
func scrapeBody(ctx context.Context) ([]byte, error) {
	env, err := events.New(ctx, events.ScrapeRequested{ProductID: 1000000, URL: "https://shop1234.example/p/1000000", Reason: "schedule"},
		events.WithDedupKey("rescrape:1000000:"+time.Now().UTC().Format(time.RFC3339)))
	if err != nil {
		return nil, err
	}
	return env.Marshal()
}

func preloadQueue(ctx context.Context, c *sqs.Client, url string, n int) error {
	body, err := scrapeBody(ctx)
	if err != nil {
		return err
	}
	_, err = bareSend(ctx, c, url, n, 8, body)
	return err
}

// bareSend is the bare enqueue loop: n copies of body in SendMessageBatch
// calls of 10 with the "type" attribute, concurrency calls at once. It
// returns the number of calls and fails on any failed entry.
func bareSend(ctx context.Context, c *sqs.Client, url string, n, concurrency int, body []byte) (int64, error) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, concurrency)
	var firstErr atomic.Value
	var calls atomic.Int64
	b := string(body)
	for start := 0; start < n; start += 10 {
		if firstErr.Load() != nil {
			break
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			entries := make([]types.SendMessageBatchRequestEntry, 0, 10)
			for i := start; i < min(start+10, n); i++ {
				entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i - start)), MessageBody: aws.String(b),
					MessageAttributes: map[string]types.MessageAttributeValue{"type": {DataType: aws.String("String"), StringValue: aws.String(events.TypeScrapeRequested)}}})
			}
			calls.Add(1)
			out, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
			if err == nil && len(out.Failed) > 0 {
				err = fmt.Errorf("%d entries failed, first: %s %s", len(out.Failed), aws.ToString(out.Failed[0].Code), aws.ToString(out.Failed[0].Message))
			}
			if err != nil {
				firstErr.CompareAndSwap(nil, err)
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return calls.Load(), fmt.Errorf("bare send: %w", err)
	}
	return calls.Load(), nil
}

// bareDrain is the baseline: pollers receive 10 and batch-delete them. The
// clock stops when the n-th message is deleted (as consumerDrain's does),
// not when the other pollers' long polls on the emptied queue return; those
// polls are waited for but not cancelled, since an abandoned long poll
// would still take (and hide) messages of the next fill.
//
// With attrs the receive asks for what the ddokso consumer asks for (every
// message attribute and ApproximateReceiveCount), which costs the emulator
// and the SDK's checksum validation more per message.
func bareDrain(ctx context.Context, c *sqs.Client, url string, n, pollers int, attrs bool) float64 {
	var got atomic.Int64
	var end atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	for range pollers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for got.Load() < int64(n) && ctx.Err() == nil {
				in := &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1}
				if attrs {
					in.MessageAttributeNames = []string{"All"}
					in.MessageSystemAttributeNames = []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount}
				}
				out, err := c.ReceiveMessage(ctx, in)
				if err != nil || len(out.Messages) == 0 {
					continue
				}
				entries := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
				for i, m := range out.Messages {
					entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
				}
				if _, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: entries}); err == nil {
					if got.Add(int64(len(out.Messages))) >= int64(n) {
						end.CompareAndSwap(0, int64(time.Since(start)))
					}
				}
			}
		}()
	}
	wg.Wait()
	el := time.Duration(end.Load())
	if el == 0 {
		el = time.Since(start)
	}
	return float64(got.Load()) / el.Seconds()
}

// countingQueue counts the messages the consumer deleted and closes reached
// when they are target.
type countingQueue struct {
	events.Queue
	deleted atomic.Int64
	target  int64
	reached chan struct{}
	once    sync.Once
}

func (c *countingQueue) Delete(ctx context.Context, msgs []*events.Message) ([]*events.Message, error) {
	failed, err := c.Queue.Delete(ctx, msgs)
	if err == nil && c.deleted.Add(int64(len(msgs)-len(failed))) >= c.target {
		c.once.Do(func() { close(c.reached) })
	}
	return failed, err
}

// consumerDrain runs the ddokso consumer with a no-op handler until n are deleted.
func consumerDrain(ctx context.Context, c *sqs.Client, url, dlq string, n, pollers int) (float64, error) {
	q := &countingQueue{Queue: events.NewSQSQueue(c, "scrap", url, dlq), target: int64(n), reached: make(chan struct{})}
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
	select {
	case <-q.reached:
	case <-time.After(5 * time.Minute):
	case <-ctx.Done():
	}
	el := time.Since(start)
	cancel()
	<-done
	return float64(q.deleted.Load()) / el.Seconds(), nil
}

// Consumer measures the ddokso consumer (no-op handler) against a bare SDK
// receive-and-delete loop with the same pollers, on every target, in
// interleaved rounds (bare, then ddokso, each on a freshly filled queue).
func Consumer(ctx context.Context, cfg ConsumerConfig) Row {
	row := Row{Stage: "3 Consumer overhead", Metric: fmt.Sprintf("msgs/s, no-op handler, %d pollers (median of rounds)", cfg.Pollers),
		Goal: "≥ 0.8× the bare loop"}
	ok := true
	row.Details = append(row.Details, "Each round fills the queue and drains it three times: the bare loop, the bare loop asking for the attributes the consumer asks for, "+
		"the ddokso consumer (4 pollers, 40 handlers, no-op handler, envelopes decoded); odd rounds run them in the reverse order. CPU is this process's user+system time during the drain divided by the messages; "+
		"it depends far less on what else the machine runs than the rates do (on moto it is mostly the cost of waiting, not of messages).", "",
		"| emulator | msgs per side and round | rounds | ddokso consumer | bare SDK loop | ratio (median, min–max) | ratio per round | bare loop with the consumer's attributes | ratio to it | CPU per msg: ddokso / bare (median) |",
		"|---|---|---|---|---|---|---|---|---|---|")
	var sizes []string
	for _, t := range cfg.Targets {
		res, err := consumerRounds(ctx, t, cfg)
		if err != nil {
			row.Err = fmt.Errorf("%s: %w", t.Label, err)
			return row
		}
		o, b, r := median(res.ours), median(res.base), median(res.ratios)
		ok = ok && r >= 0.8
		per := make([]string, len(res.ratios))
		for i, x := range res.ratios {
			per[i] = fmt.Sprintf("%.2f× (%.0f / %.0f)", x, res.ours[i], res.base[i])
		}
		ba := median(res.baseAttrs)
		oc, bc := median(res.oursCPU), median(res.baseCPU)
		row.Details = append(row.Details, fmt.Sprintf("| %s | %d | %d | %.0f msgs/s | %.0f msgs/s | %.2f× (%.2f–%.2f) | %s | %.0f msgs/s | %.2f× | %.1f µs / %.1f µs (%.2f×) |",
			t.Label, t.Messages, t.Rounds, o, b, r, slices.Min(res.ratios), slices.Max(res.ratios), strings.Join(per, ", "), ba, o/ba, oc, bc, oc/bc))
		if row.Ours != "" {
			row.Ours, row.Baseline, row.Ratio = row.Ours+"; ", row.Baseline+"; ", row.Ratio+"; "
		}
		row.Ours += fmt.Sprintf("%s %.0f msgs/s, %.1f µs CPU/msg", t.Label, o, median(res.oursCPU))
		row.Baseline += fmt.Sprintf("%s %.0f msgs/s, %.1f µs CPU/msg", t.Label, b, median(res.baseCPU))
		row.Ratio += fmt.Sprintf("%s %.2f×", t.Label, r)
		sizes = append(sizes, fmt.Sprintf("-consumer-%s-msgs %d", t.Label, t.Messages))
	}
	row.Holds = holds(ok)
	row.Details = append(row.Details, "")
	row.Details = append(row.Details, cfg.Notes...)
	row.Command = fmt.Sprintf("scripts/dev/with-moto.sh go run ./internal/cmd/ddokso-bench -only 3 %s\n"+
		"scripts/dev/with-moto.sh go test ./internal/bench -run '^$' -bench Drain -benchtime 300x  # on fauxqs: also set AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_SNS to its endpoint", strings.Join(sizes, " "))
	return row
}

// rounds holds the per-round figures of one target: rates (msgs/s) and
// this process's CPU time per message (µs) of each side.
type rounds struct {
	ours, base, baseAttrs, ratios []float64
	oursCPU, baseCPU              []float64
}

// processCPU returns this process's user+system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// consumerRounds runs t.Rounds interleaved bare/ddokso drains on a fresh
// queue of t's emulator, in alternating order, and returns the rates and
// ratios of each round.
func consumerRounds(ctx context.Context, t ConsumerTarget, cfg ConsumerConfig) (rounds, error) {
	var r rounds
	c, err := SQSClient(ctx, t.Endpoint)
	if err != nil {
		return r, err
	}
	name := "bench-consumer-" + randomHex(3)
	mk := func(n string) (string, error) {
		out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(n)})
		if err != nil {
			return "", fmt.Errorf("create queue: %w", err)
		}
		return *out.QueueUrl, nil
	}
	url, err := mk(name)
	if err != nil {
		return r, err
	}
	dlq, err := mk(name + "-dlq")
	if err != nil {
		return r, err
	}
	defer func() {
		_, _ = c.DeleteQueue(context.WithoutCancel(ctx), &sqs.DeleteQueueInput{QueueUrl: &url})
		_, _ = c.DeleteQueue(context.WithoutCancel(ctx), &sqs.DeleteQueueInput{QueueUrl: &dlq})
	}()
	perMsg := func(cpu time.Duration) float64 { return float64(cpu.Microseconds()) / float64(t.Messages) }
	for round := range max(t.Rounds, 1) {
		var b, ba, o float64
		var bareCPU, oursCPU time.Duration
		bare := func() error {
			if err := preloadQueue(ctx, c, url, t.Messages); err != nil {
				return err
			}
			cpu0 := processCPU()
			b = bareDrain(ctx, c, url, t.Messages, cfg.Pollers, false)
			bareCPU = processCPU() - cpu0
			return nil
		}
		bareAttrs := func() error {
			if err := preloadQueue(ctx, c, url, t.Messages); err != nil {
				return err
			}
			ba = bareDrain(ctx, c, url, t.Messages, cfg.Pollers, true)
			return nil
		}
		ours := func() error {
			if err := preloadQueue(ctx, c, url, t.Messages); err != nil {
				return err
			}
			var stop func()
			if round == 0 && cfg.CPUProfile != "" && cfg.ProfileLabel == t.Label {
				var err error
				if stop, err = startCPUProfile(cfg.CPUProfile); err != nil {
					return err
				}
			}
			cpu0 := processCPU()
			var err error
			o, err = consumerDrain(ctx, c, url, dlq, t.Messages, cfg.Pollers)
			oursCPU = processCPU() - cpu0
			if stop != nil {
				stop()
			}
			return err
		}
		// Even rounds drain bare first, odd rounds ddokso first, so that
		// neither side always meets the emulator in the same state.
		order := []func() error{bare, bareAttrs, ours}
		if round%2 == 1 {
			order = []func() error{ours, bareAttrs, bare}
		}
		for _, side := range order {
			if err := side(); err != nil {
				return r, err
			}
		}
		if b == 0 {
			return r, fmt.Errorf("the bare loop drained nothing")
		}
		r.ours, r.base, r.baseAttrs, r.ratios = append(r.ours, o), append(r.base, b), append(r.baseAttrs, ba), append(r.ratios, o/b)
		r.oursCPU, r.baseCPU = append(r.oursCPU, perMsg(oursCPU)), append(r.baseCPU, perMsg(bareCPU))
	}
	return r, nil
}

// startCPUProfile starts a CPU profile into path and returns its stop.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// median returns the median of xs (0 when empty).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
