package events_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
)

// pairingQueue is a MemoryQueue whose Delete waits for a second Delete to
// arrive (or for two seconds) before it proceeds, and records the most
// Delete calls in flight at once.
type pairingQueue struct {
	*events.MemoryQueue
	meet           chan struct{}
	mu             sync.Mutex
	inflight, peak int
}

func (q *pairingQueue) Delete(ctx context.Context, msgs []*events.Message) ([]*events.Message, error) {
	q.mu.Lock()
	q.inflight++
	q.peak = max(q.peak, q.inflight)
	q.mu.Unlock()
	select {
	case q.meet <- struct{}{}:
	case <-q.meet:
	case <-time.After(2 * time.Second):
	case <-ctx.Done():
	}
	failed, err := q.MemoryQueue.Delete(ctx, msgs)
	q.mu.Lock()
	q.inflight--
	q.mu.Unlock()
	return failed, err
}

// TestConsumerDeletesBatchesInParallel checks that acknowledgements of
// different pollers' batches are deleted by concurrent DeleteMessageBatch
// calls: one delete at a time caps a consumer at one round trip per ten
// messages, below what its pollers receive.
func TestConsumerDeletesBatchesInParallel(t *testing.T) {
	t.Parallel()
	q := &pairingQueue{MemoryQueue: events.NewMemoryQueue(events.MemoryQueueConfig{}), meet: make(chan struct{})}
	for i := range 20 {
		body, err := events.MustNew(context.Background(), events.ScrapeRequested{ScrapeID: int64(i + 1), URL: fmt.Sprintf("https://shop.example/p/%d", i)}).Marshal()
		require.NoError(t, err)
		q.Send(body, nil)
	}
	noop := events.HandlerFunc(func(context.Context, events.Envelope, *events.Message) error { return nil })
	stop := runConsumer(t, q, noop, events.ConsumerConfig{Pollers: 2, Concurrency: 20, WaitTime: 100 * time.Millisecond})
	require.Eventually(t, func() bool { return q.Len() == 0 }, 20*time.Second, 10*time.Millisecond)
	stop()
	q.mu.Lock()
	defer q.mu.Unlock()
	require.Equal(t, 2, q.peak, "two DeleteMessageBatch calls should have been in flight at once")
}
