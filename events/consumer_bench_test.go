package events_test

import (
	"context"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
)

// instantQueue hands out copies of one body at once, as many as asked,
// builds each message as SQSQueue does, and counts deletes: with it a
// consumer benchmark measures the consumer's own work per message, none of
// a transport's.
type instantQueue struct {
	body    []byte
	deleted atomic.Int64
	target  int64
	reached chan struct{}
	once    sync.Once
}

func (q *instantQueue) Name() string { return "instant" }

func (q *instantQueue) Receive(ctx context.Context, maxN int, _ time.Duration) ([]*events.Message, error) {
	msgs := make([]*events.Message, maxN)
	for i := range msgs {
		msgs[i] = &events.Message{ID: "m", Body: []byte(string(q.body)), Handle: "h", ReceiveCount: 1,
			Attributes: map[string]string{"type": events.TypeScrapeRequested}}
	}
	return msgs, nil
}

func (q *instantQueue) Delete(_ context.Context, msgs []*events.Message) ([]*events.Message, error) {
	if q.deleted.Add(int64(len(msgs))) >= q.target {
		q.once.Do(func() { close(q.reached) })
	}
	return nil, nil
}

func (q *instantQueue) ChangeVisibility(context.Context, *events.Message, time.Duration) error {
	return nil
}

func (q *instantQueue) DeadLetter(context.Context, *events.Message, string) error { return nil }

func (q *instantQueue) Depth(context.Context) (int, int, error) { return 0, 0, nil }

// BenchmarkConsumerOverhead is the consumer's own cost per message (one op
// is one message): receive bookkeeping, envelope decoding, dispatch to the
// handler pool, heartbeat set-up, metrics and the batched acknowledgement,
// with a no-op handler and a queue that costs nothing. make bench's row 3
// measures the same consumer against an emulator.
//
//	go test ./events -run '^$' -bench ConsumerOverhead -benchtime 200000x
func BenchmarkConsumerOverhead(b *testing.B) {
	env := events.MustNew(context.Background(), events.ScrapeRequested{ProductID: 1000000, URL: "https://shop1234.example/p/1000000", Reason: "schedule"},
		events.WithDedupKey("rescrape:1000000:2026-11-29T10:00:00Z"))
	body, err := env.Marshal()
	require.NoError(b, err)
	q := &instantQueue{body: body, target: int64(b.N), reached: make(chan struct{})}
	noop := events.HandlerFunc(func(context.Context, events.Envelope, *events.Message) error { return nil })
	cons, err := events.NewConsumer(q, noop, events.ConsumerConfig{Pollers: 4, Concurrency: 40, WaitTime: time.Second, Logger: quietLogger()})
	require.NoError(b, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	go func() { _ = cons.Run(ctx); close(done) }()
	<-q.reached
	cpu := processCPU() - cpu0
	b.StopTimer()
	cancel()
	<-done
	// The process's CPU time per message depends less on what else the
	// machine runs than the wall time (ns/op) does.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/msg")
}

// processCPU returns this process's user+system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
