package events_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
)

// beatQueue is a MemoryQueue that checks every heartbeat (a visibility
// change by the consumer's VisibilityTimeout) against its message's
// handler: a beat must come at least about one interval after the handler
// started, and never after the message's retry delay was set.
type beatQueue struct {
	*events.MemoryQueue
	vt, interval time.Duration
	mu           sync.Mutex
	started      map[string]time.Time
	retried      map[string]bool
	beats        map[string]int
	strays       []string
}

func (q *beatQueue) ChangeVisibility(ctx context.Context, m *events.Message, d time.Duration) error {
	q.mu.Lock()
	if d == q.vt {
		q.beats[m.ID]++
		if start, ok := q.started[m.ID]; !ok || time.Since(start) < q.interval/2 || q.retried[m.ID] {
			q.strays = append(q.strays, m.ID)
		}
	} else {
		q.retried[m.ID] = true
	}
	q.mu.Unlock()
	return q.MemoryQueue.ChangeVisibility(ctx, m, d)
}

func (q *beatQueue) start(id string) {
	q.mu.Lock()
	q.started[id] = time.Now()
	q.mu.Unlock()
}

// TestConsumerHeartbeatReusedAcrossMessages runs short, long and failing
// handlers one after another on one handler goroutine (whose heartbeat and
// timer every message reuses): the long ones are extended, and no beat
// lands on a message early (as a beat scheduled for the message before
// would) or after a failed message's retry delay was set.
func TestConsumerHeartbeatReusedAcrossMessages(t *testing.T) {
	t.Parallel()
	const interval = 50 * time.Millisecond
	vt := 7 * time.Second
	mq := events.NewMemoryQueue(events.MemoryQueueConfig{VisibilityTimeout: vt})
	q := &beatQueue{MemoryQueue: mq, vt: vt, interval: interval, started: map[string]time.Time{}, retried: map[string]bool{}, beats: map[string]int{}}
	const n = 12
	for i := range n {
		env := events.MustNew(context.Background(), events.ScrapeRequested{ScrapeID: int64(i), URL: "https://shop.example/p"})
		body, err := env.Marshal()
		require.NoError(t, err)
		mq.Send(body, nil)
	}
	var mu sync.Mutex
	done := map[string]bool{}
	kind := func(m *events.Message) int { // by the messages' ids, m1..m12
		i, err := strconv.Atoi(m.ID[1:])
		require.NoError(t, err)
		return i % 3
	}
	h := events.HandlerFunc(func(ctx context.Context, env events.Envelope, m *events.Message) error {
		q.start(m.ID)
		defer func() { mu.Lock(); done[m.ID] = true; mu.Unlock() }()
		switch kind(m) {
		case 0: // long: many intervals
			time.Sleep(10 * interval)
			return nil
		case 1: // short
			return nil
		default: // fails after about one interval: the retry delay must stand
			time.Sleep(interval)
			return errors.New("try later")
		}
	})
	stop := runConsumer(t, q, h, events.ConsumerConfig{Pollers: 1, Concurrency: 1, WaitTime: 100 * time.Millisecond,
		VisibilityTimeout: vt, HeartbeatInterval: interval, Backoff: events.Backoff{Base: time.Minute, Max: time.Minute}})
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(done) == n }, time.Minute, 10*time.Millisecond)
	stop()

	q.mu.Lock()
	defer q.mu.Unlock()
	require.Empty(t, q.strays, "early or late beats")
	require.Len(t, q.retried, n/3)
	for i := 3; i <= n; i += 3 {
		require.Positive(t, q.beats["m"+strconv.Itoa(i)], "long handler m%d was not extended", i)
	}
}
