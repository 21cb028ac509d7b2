package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// MemoryBus is an in-memory topic: it delivers published envelopes to every
// subscribed MemoryQueue whose type filter matches, like SNS with filter
// policies and raw delivery. It is for unit tests and single-process demos.
type MemoryBus struct {
	mu   sync.Mutex
	subs []memorySub
}

type memorySub struct {
	q     *MemoryQueue
	types []string
}

// NewMemoryBus returns an empty bus.
func NewMemoryBus() *MemoryBus { return &MemoryBus{} }

// Subscribe routes events whose type is in types to q.
func (b *MemoryBus) Subscribe(q *MemoryQueue, types ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs = append(b.subs, memorySub{q: q, types: types})
}

// Publish implements Publisher.
func (b *MemoryBus) Publish(ctx context.Context, envs ...Envelope) error {
	b.mu.Lock()
	subs := slices.Clone(b.subs)
	b.mu.Unlock()
	for _, env := range envs {
		body, err := env.Marshal()
		if err != nil {
			return fmt.Errorf("publish %s: %w", env.Type, err)
		}
		for _, s := range subs {
			if slices.Contains(s.types, env.Type) {
				s.q.Send(body, map[string]string{"type": env.Type})
			}
		}
	}
	return nil
}

// MemoryQueueConfig configures a MemoryQueue.
type MemoryQueueConfig struct {
	// Name of the queue. Default "memory".
	Name string
	// VisibilityTimeout hides a received message this long. Default 30s.
	VisibilityTimeout time.Duration
	// MaxReceiveCount moves a message to DLQ when it is received more often.
	// 0 means no redrive.
	MaxReceiveCount int
	// DLQ receives redriven and dead-lettered messages; may be nil.
	DLQ *MemoryQueue
}

// MemoryQueue is an in-memory Queue with SQS semantics: visibility
// timeouts, receive counts and redrive to a dead-letter queue.
type MemoryQueue struct {
	cfg  MemoryQueueConfig
	mu   sync.Mutex
	cond chan struct{}
	seq  int
	gen  int
	msgs []*memoryMsg
}

type memoryMsg struct {
	id        string
	body      []byte
	attrs     map[string]string
	visibleAt time.Time
	receives  int
	handle    string
}

// NewMemoryQueue returns an empty queue.
func NewMemoryQueue(cfg MemoryQueueConfig) *MemoryQueue {
	if cfg.Name == "" {
		cfg.Name = "memory"
	}
	if cfg.VisibilityTimeout <= 0 {
		cfg.VisibilityTimeout = 30 * time.Second
	}
	return &MemoryQueue{cfg: cfg, cond: make(chan struct{})}
}

// Name implements Queue.
func (q *MemoryQueue) Name() string { return q.cfg.Name }

// Send enqueues a raw message body.
func (q *MemoryQueue) Send(body []byte, attrs map[string]string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	q.msgs = append(q.msgs, &memoryMsg{id: "m" + strconv.Itoa(q.seq), body: slices.Clone(body), attrs: attrs})
	q.wakeLocked()
}

func (q *MemoryQueue) wakeLocked() {
	close(q.cond)
	q.cond = make(chan struct{})
}

// Receive implements Queue.
//
// Complexity (above 20): one pass over the messages under one lock does
// what SQS does in one call (hand out visible ones, redrive exhausted ones,
// find when the next becomes visible); split, the passes would have to
// drop and retake the lock between them.
func (q *MemoryQueue) Receive(ctx context.Context, maxN int, wait time.Duration) ([]*Message, error) {
	if maxN < 1 || maxN > 10 {
		return nil, fmt.Errorf("receive from %s: max must be 1..10, got %d", q.cfg.Name, maxN)
	}
	deadline := time.Now().Add(wait)
	for {
		q.mu.Lock()
		now := time.Now()
		var out []*Message
		var next time.Time
		kept := q.msgs[:0]
		var redriven []*memoryMsg
		for _, m := range q.msgs {
			if len(out) < maxN && !m.visibleAt.After(now) {
				if q.cfg.MaxReceiveCount > 0 && m.receives >= q.cfg.MaxReceiveCount && q.cfg.DLQ != nil {
					redriven = append(redriven, m)
					continue
				}
				m.receives++
				q.gen++
				m.handle = m.id + "#" + strconv.Itoa(q.gen)
				m.visibleAt = now.Add(q.cfg.VisibilityTimeout)
				out = append(out, &Message{ID: m.id, Body: slices.Clone(m.body), Attributes: m.attrs, ReceiveCount: m.receives, Handle: m.handle})
			} else if m.visibleAt.After(now) && (next.IsZero() || m.visibleAt.Before(next)) {
				next = m.visibleAt
			}
			kept = append(kept, m)
		}
		q.msgs = kept
		cond := q.cond
		q.mu.Unlock()
		for _, m := range redriven {
			q.cfg.DLQ.Send(m.body, m.attrs)
		}
		if len(out) > 0 || !time.Now().Before(deadline) {
			return out, nil
		}
		waitFor := time.Until(deadline)
		if !next.IsZero() && time.Until(next) < waitFor {
			waitFor = time.Until(next)
		}
		t := time.NewTimer(max(waitFor, time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-cond:
		case <-t.C:
		}
		t.Stop()
	}
}

func (q *MemoryQueue) findLocked(m *Message) (int, error) {
	for i, mm := range q.msgs {
		if mm.id == m.ID {
			if mm.handle != m.Handle {
				return -1, fmt.Errorf("%s: stale receipt handle for message %s", q.cfg.Name, m.ID)
			}
			return i, nil
		}
	}
	return -1, fmt.Errorf("%s: no message %s", q.cfg.Name, m.ID)
}

// Delete implements Queue.
func (q *MemoryQueue) Delete(ctx context.Context, msgs []*Message) ([]*Message, error) {
	if len(msgs) > 10 {
		return nil, fmt.Errorf("delete from %s: at most 10 per batch, got %d", q.cfg.Name, len(msgs))
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	var failed []*Message
	for _, m := range msgs {
		i, err := q.findLocked(m)
		if err != nil {
			failed = append(failed, m)
			continue
		}
		q.msgs = slices.Delete(q.msgs, i, i+1)
	}
	return failed, nil
}

// ChangeVisibility implements Queue.
func (q *MemoryQueue) ChangeVisibility(ctx context.Context, m *Message, d time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	i, err := q.findLocked(m)
	if err != nil {
		return err
	}
	q.msgs[i].visibleAt = time.Now().Add(d)
	q.wakeLocked()
	return nil
}

// DeadLetter implements Queue.
func (q *MemoryQueue) DeadLetter(ctx context.Context, m *Message, reason string) error {
	if q.cfg.DLQ == nil {
		return errors.New(q.cfg.Name + ": no dead-letter queue")
	}
	q.mu.Lock()
	i, err := q.findLocked(m)
	if err != nil {
		q.mu.Unlock()
		return err
	}
	mm := q.msgs[i]
	q.msgs = slices.Delete(q.msgs, i, i+1)
	q.mu.Unlock()
	attrs := map[string]string{"dead_letter_reason": reason}
	for k, v := range mm.attrs {
		attrs[k] = v
	}
	q.cfg.DLQ.Send(mm.body, attrs)
	return nil
}

// Depth implements Queue.
func (q *MemoryQueue) Depth(ctx context.Context) (int, int, error) {
	n := q.Len()
	d := 0
	if q.cfg.DLQ != nil {
		d = q.cfg.DLQ.Len()
	}
	return n, d, nil
}

// Len returns how many messages the queue holds, visible or not.
func (q *MemoryQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.msgs)
}
