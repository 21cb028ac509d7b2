package events

import (
	"context"
	"time"
)

// Message is one delivery of a queue message.
type Message struct {
	// ID is the transport's message id (stable across redeliveries).
	ID string
	// Body is the raw message body.
	Body []byte
	// Attributes are the message attributes (the "type" attribute among them).
	Attributes map[string]string
	// ReceiveCount is how many times the message has been received, this time included.
	ReceiveCount int
	// Handle identifies this delivery to the transport (an SQS receipt handle).
	Handle string
}

// Publisher publishes events to the topic.
type Publisher interface {
	// Publish sends every envelope; it returns an error if any was not accepted.
	Publish(ctx context.Context, envs ...Envelope) error
}

// Queue is a driver for one work queue and its dead-letter queue, in the
// manner of go-cloud's pubsub drivers. Implementations: SQSQueue and MemoryQueue.
type Queue interface {
	// Name is the queue's name, used in logs and metrics.
	Name() string
	// Receive waits up to wait for at most max messages.
	Receive(ctx context.Context, max int, wait time.Duration) ([]*Message, error)
	// Delete acknowledges messages in one batch. It returns the messages that
	// could not be deleted (each will be redelivered) and an error for a failure
	// of the whole call.
	Delete(ctx context.Context, msgs []*Message) (failed []*Message, err error)
	// ChangeVisibility hides m for d from now (0 makes it visible at once).
	ChangeVisibility(ctx context.Context, m *Message, d time.Duration) error
	// DeadLetter moves m to the dead-letter queue at once, recording reason.
	DeadLetter(ctx context.Context, m *Message, reason string) error
	// Depth returns the approximate number of visible messages in the queue
	// and in its dead-letter queue.
	Depth(ctx context.Context) (queue, dlq int, err error)
}
