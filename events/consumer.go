package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ddokso/ddokso/telemetry"
)

// Handler handles one event. Returning nil acknowledges the message; an
// error marked Permanent sends it to the dead-letter queue; any other error
// retries it later with backoff. Handlers must be idempotent.
type Handler interface {
	Handle(ctx context.Context, env Envelope, msg *Message) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, env Envelope, msg *Message) error

// Handle implements Handler.
func (f HandlerFunc) Handle(ctx context.Context, env Envelope, msg *Message) error {
	return f(ctx, env, msg)
}

// ConsumerConfig configures a Consumer. Zero values take the defaults.
type ConsumerConfig struct {
	// Pollers is the number of concurrent long-pollers, and of concurrent
	// DeleteMessageBatch calls acknowledging their messages. Default 2.
	Pollers int
	// Concurrency bounds the handlers running at once. Default 8.
	Concurrency int
	// MaxMessages per receive call, 1..10. Default 10.
	MaxMessages int
	// WaitTime is the long-poll wait, up to 20s. Default 20s.
	WaitTime time.Duration
	// VisibilityTimeout is the queue's visibility timeout; the heartbeat
	// extends in-flight messages by this much. Default 30s.
	VisibilityTimeout time.Duration
	// HeartbeatInterval is how often in-flight messages are extended.
	// Default VisibilityTimeout/3.
	HeartbeatInterval time.Duration
	// MaxReceiveCount is the handler's attempt budget: a message failing
	// on its MaxReceiveCount-th receive is dead-lettered at once. Keep it
	// below the queue's redrive limit (infra.Queue.Attempts vs
	// MaxReceiveCount), so the consumer, not SQS, decides. Default 5.
	MaxReceiveCount int
	// Backoff spaces retries. Defaults: 2s base, 10m max.
	Backoff Backoff
	// ShutdownTimeout bounds how long in-flight handlers may run after the
	// consumer is told to stop. Default 20s.
	ShutdownTimeout time.Duration
	// DeleteDelay is how long a successful message may wait to be deleted in
	// a batch with others. Default 20ms.
	DeleteDelay time.Duration
	// Decode turns a message body into an envelope. Default DecodeEnvelope.
	Decode func(body []byte) (Envelope, error)
	// Logger for the consumer. Default slog.Default().
	Logger *slog.Logger
	// Metrics to update. Default: private, unregistered metrics.
	Metrics *Metrics
}

func (c *ConsumerConfig) applyDefaults() {
	if c.Pollers == 0 {
		c.Pollers = 2
	}
	if c.Concurrency == 0 {
		c.Concurrency = 8
	}
	if c.MaxMessages == 0 {
		c.MaxMessages = 10
	}
	if c.WaitTime == 0 {
		c.WaitTime = 20 * time.Second
	}
	if c.VisibilityTimeout == 0 {
		c.VisibilityTimeout = 30 * time.Second
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = c.VisibilityTimeout / 3
	}
	if c.MaxReceiveCount == 0 {
		c.MaxReceiveCount = 5
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 20 * time.Second
	}
	if c.DeleteDelay == 0 {
		c.DeleteDelay = 20 * time.Millisecond
	}
	if c.Decode == nil {
		c.Decode = DecodeEnvelope
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics(nil)
	}
}

// Validate applies defaults and reports invalid settings.
func (c *ConsumerConfig) Validate() error {
	c.applyDefaults()
	switch {
	case c.Pollers < 1:
		return fmt.Errorf("consumer: pollers must be >= 1, got %d", c.Pollers)
	case c.Concurrency < 1:
		return fmt.Errorf("consumer: concurrency must be >= 1, got %d", c.Concurrency)
	case c.MaxMessages < 1 || c.MaxMessages > 10:
		return fmt.Errorf("consumer: max messages must be 1..10, got %d", c.MaxMessages)
	case c.WaitTime < 0 || c.WaitTime > 20*time.Second:
		return fmt.Errorf("consumer: wait time must be 0..20s, got %s", c.WaitTime)
	case c.VisibilityTimeout < time.Second:
		return fmt.Errorf("consumer: visibility timeout must be >= 1s, got %s", c.VisibilityTimeout)
	case c.HeartbeatInterval <= 0 || c.HeartbeatInterval >= c.VisibilityTimeout:
		return fmt.Errorf("consumer: heartbeat interval must be in (0, visibility timeout), got %s", c.HeartbeatInterval)
	case c.MaxReceiveCount < 1:
		return fmt.Errorf("consumer: max receive count must be >= 1, got %d", c.MaxReceiveCount)
	}
	return nil
}

// Consumer runs a Handler over a Queue: several long-pollers feed a bounded
// pool of handlers; successes are deleted in batches; failures are retried
// with exponential backoff (by changing the message's visibility); poison
// messages go to the dead-letter queue at once.
type Consumer struct {
	q   Queue
	h   Handler
	cfg ConsumerConfig
	log *slog.Logger
	qm  queueMetrics
}

// queueMetrics are the consumer's metric series for its queue, resolved
// once instead of by label on every message.
type queueMetrics struct {
	received, released, succeeded, failed, retried, deadLettered prometheus.Counter
	latency                                                      prometheus.Observer
}

func newQueueMetrics(m *Metrics, queue string) queueMetrics {
	return queueMetrics{
		received:     m.Received.WithLabelValues(queue),
		released:     m.Released.WithLabelValues(queue),
		succeeded:    m.Succeeded.WithLabelValues(queue),
		failed:       m.Failed.WithLabelValues(queue),
		retried:      m.Retried.WithLabelValues(queue),
		deadLettered: m.DeadLettered.WithLabelValues(queue),
		latency:      m.Latency.WithLabelValues(queue),
	}
}

// NewConsumer returns a consumer of q. It does not start until Run.
func NewConsumer(q Queue, h Handler, cfg ConsumerConfig) (*Consumer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Consumer{q: q, h: h, cfg: cfg, log: cfg.Logger.With("queue", q.Name()), qm: newQueueMetrics(cfg.Metrics, q.Name())}, nil
}

// Run consumes until ctx is cancelled, then stops receiving, lets in-flight
// handlers finish within ShutdownTimeout, releases messages it never
// started, flushes pending deletes and returns nil.
func (c *Consumer) Run(ctx context.Context) error {
	// Handlers run on a context that outlives ctx by ShutdownTimeout.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	c.log.Info("consumer started", "pollers", c.cfg.Pollers, "concurrency", c.cfg.Concurrency)

	del := newDeleter(c.q, c.cfg.DeleteDelay, c.cfg.Pollers, c.log, c.cfg.Metrics)
	delDone := make(chan struct{})
	go func() { del.run(); close(delDone) }()

	// Concurrency long-lived handler goroutines, each with its own
	// heartbeat: no goroutine, timer or stack growth per message. A poller
	// holds a token for each message it hands over, so work never holds
	// more than Concurrency messages and never blocks a poller.
	tokens := make(chan struct{}, c.cfg.Concurrency)
	work := make(chan *Message, c.cfg.Concurrency)
	var inflight, workers sync.WaitGroup
	for range c.cfg.Concurrency {
		workers.Go(func() {
			hb := c.newHeartbeat()
			for m := range work {
				c.process(workCtx, m, del, hb)
				<-tokens
				inflight.Done()
			}
		})
	}
	var pollers sync.WaitGroup
	for range c.cfg.Pollers {
		pollers.Add(1)
		go func() {
			defer pollers.Done()
			c.poll(ctx, tokens, work, &inflight)
		}()
	}
	<-ctx.Done()
	start := time.Now()
	c.log.Info("consumer draining: no new receives; waiting for open long polls, then in-flight handlers",
		"long_poll_max_wait", c.cfg.WaitTime, "busy_slots", len(tokens), "handler_grace", c.cfg.ShutdownTimeout)
	pollers.Wait()

	done := make(chan struct{})
	go func() { inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(c.cfg.ShutdownTimeout):
		c.log.Warn("shutdown timeout: cancelling in-flight handlers", "timeout", c.cfg.ShutdownTimeout)
		cancelWork()
		<-done
	}
	close(work)
	workers.Wait()
	del.close()
	<-delDone
	c.log.Info("consumer stopped", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// tokenGather is how long a poller that holds fewer handler slots than a
// full batch waits for more before it asks for messages.
const tokenGather = time.Millisecond

func (c *Consumer) poll(ctx context.Context, tokens chan struct{}, work chan<- *Message, inflight *sync.WaitGroup) {
	gather := time.NewTimer(tokenGather)
	gather.Stop()
	for {
		// Take at least one handler slot before asking for messages, so we
		// never hold messages we cannot start.
		select {
		case tokens <- struct{}{}:
		case <-ctx.Done():
			return
		}
		n := 1
	more:
		for n < c.cfg.MaxMessages {
			select {
			case tokens <- struct{}{}:
				n++
			default:
				break more
			}
		}
		// Slots that are not free yet are often about to be: the handlers
		// of this poller's last batch have only just started. Give them
		// tokenGather to finish rather than ask for a short batch, which
		// costs a whole receive call for fewer messages.
		if full := min(c.cfg.MaxMessages, c.cfg.Concurrency); n < full {
			gather.Reset(tokenGather)
		wait:
			for n < full {
				select {
				case tokens <- struct{}{}:
					n++
				case <-gather.C:
					break wait
				case <-ctx.Done():
					break wait
				}
			}
			gather.Stop()
			if ctx.Err() != nil {
				for range n {
					<-tokens
				}
				return
			}
		}
		// The receive itself is not cancelled by shutdown: a long poll cut
		// short can leave messages hidden for a whole visibility timeout.
		// Shutdown therefore waits for at most one WaitTime, then releases
		// whatever the last receive returned.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.WaitTime+10*time.Second)
		msgs, err := c.q.Receive(rctx, n, c.cfg.WaitTime)
		cancel()
		for range n - len(msgs) {
			<-tokens
		}
		if err != nil {
			if ctx.Err() != nil {
				c.release(msgs, tokens)
				return
			}
			c.log.Error("receive failed", "err", err)
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
				return
			}
			continue
		}
		if ctx.Err() != nil {
			c.release(msgs, tokens)
			return
		}
		c.qm.received.Add(float64(len(msgs)))
		inflight.Add(len(msgs))
		for _, m := range msgs {
			work <- m
		}
	}
}

// release makes messages that were received but never started visible again.
func (c *Consumer) release(msgs []*Message, tokens chan struct{}) {
	for _, m := range msgs {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := c.q.ChangeVisibility(ctx, m, 0); err != nil {
			c.log.Warn("release unstarted message", "message_id", m.ID, "err", err)
		}
		cancel()
		c.qm.released.Inc()
		<-tokens
	}
}

// process handles one message on a handler goroutine, whose heartbeat hb
// extends the message's visibility while the handler runs.
func (c *Consumer) process(ctx context.Context, m *Message, del *deleter, hb *heartbeat) {
	env, err := c.cfg.Decode(m.Body)
	if err != nil {
		c.deadLetter(ctx, m, fmt.Errorf("undecodable message: %w", err))
		return
	}
	ctx = telemetry.WithCorrelationID(ctx, env.CorrelationID)
	// The message's logger is built only on the paths that log: the
	// common path (handled, acknowledged) logs nothing.
	log := func() *slog.Logger { return c.messageLog(env.ID, env.Type, m) }

	start := time.Now()
	hb.start(ctx, m, env.ID, env.Type, start)
	err = c.safeHandle(ctx, env, m)
	c.qm.latency.Observe(time.Since(start).Seconds())
	hb.stop()

	if err == nil {
		c.qm.succeeded.Inc()
		del.add(m)
		return
	}
	c.qm.failed.Inc()
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	switch {
	case ctx.Err() != nil:
		// Cancelled by shutdown: not the message's fault, let it come back soon.
		log().WarnContext(ctx, "handler interrupted by shutdown", "err", err)
		if cerr := c.q.ChangeVisibility(bg, m, 0); cerr != nil {
			log().Warn("release interrupted message", "err", cerr)
		}
	case IsPermanent(err):
		c.deadLetter(ctx, m, err)
	case m.ReceiveCount >= c.cfg.MaxReceiveCount:
		c.deadLetter(ctx, m, fmt.Errorf("out of retries after %d attempts: %w", m.ReceiveCount, err))
	default:
		delay := c.cfg.Backoff.Delay(m.ReceiveCount)
		log().WarnContext(ctx, "handler failed, retrying", "err", err, "retry_in", delay)
		if cerr := c.q.ChangeVisibility(bg, m, delay); cerr != nil {
			log().Warn("schedule retry", "err", cerr)
		}
		c.qm.retried.Inc()
	}
}

func (c *Consumer) safeHandle(ctx context.Context, env Envelope, m *Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panic: %v", r)
		}
	}()
	return c.h.Handle(ctx, env, m)
}

func (c *Consumer) deadLetter(ctx context.Context, m *Message, cause error) {
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	c.log.ErrorContext(ctx, "dead-lettering message", "message_id", m.ID, "attempt", m.ReceiveCount, "err", cause)
	if err := c.q.DeadLetter(bg, m, cause.Error()); err != nil {
		// The queue's redrive policy still moves it after maxReceiveCount.
		c.log.Error("dead-letter failed; leaving to redrive", "message_id", m.ID, "err", err)
		return
	}
	c.qm.deadLettered.Inc()
}

// messageLog is the logger for lines about one message.
func (c *Consumer) messageLog(eventID, eventType string, m *Message) *slog.Logger {
	return c.log.With("event_id", eventID, "event_type", eventType, "message_id", m.ID, "attempt", m.ReceiveCount)
}

// heartbeat extends the visibility of the message its handler goroutine is
// handling every HeartbeatInterval. Each handler goroutine has one, with
// one timer, reused for every message: most handlers finish long before
// the first beat, so per message it costs a timer reset and stop. stop
// returns only when no beat is in progress and none will start for that
// message, so a beat can never override the retry delay set after the
// handler.
type heartbeat struct {
	c *Consumer
	t *time.Timer
	// active is set from start to stop; cancel, while a beat is in
	// progress, cuts it short. stop uses both without waiting for mu.
	active atomic.Bool
	cancel atomic.Pointer[context.CancelFunc]

	mu sync.Mutex // held by start, stop and a beat in progress
	// The message being handled, and when its next beat is due: a beat
	// that finds itself early was scheduled for an earlier message (its
	// timer fired while that message's stop waited for mu) and does nothing.
	ctx                context.Context
	m                  *Message
	eventID, eventType string
	due                time.Time
}

func (c *Consumer) newHeartbeat() *heartbeat {
	h := &heartbeat{c: c}
	h.t = time.AfterFunc(time.Hour, h.beat)
	h.t.Stop()
	return h
}

// start begins beating for m, whose handler started at now.
func (h *heartbeat) start(ctx context.Context, m *Message, eventID, eventType string, now time.Time) {
	h.mu.Lock()
	h.ctx, h.m, h.eventID, h.eventType = ctx, m, eventID, eventType
	h.due = now.Add(h.c.cfg.HeartbeatInterval)
	h.active.Store(true)
	h.t.Reset(h.c.cfg.HeartbeatInterval)
	h.mu.Unlock()
}

// stop ends the beats of the message given to start.
func (h *heartbeat) stop() {
	h.active.Store(false)
	if cancel := h.cancel.Load(); cancel != nil {
		(*cancel)() // cuts short a beat in progress
	}
	h.mu.Lock()
	h.t.Stop()
	h.ctx, h.m = nil, nil
	h.mu.Unlock()
}

func (h *heartbeat) beat() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.active.Load() || time.Now().Before(h.due) {
		return
	}
	ctx, cancel := context.WithCancel(h.ctx)
	h.cancel.Store(&cancel)
	// stop sets active before it looks for cancel: either it saw cancel,
	// or this sees that it stopped.
	if h.active.Load() {
		if err := h.c.q.ChangeVisibility(ctx, h.m, h.c.cfg.VisibilityTimeout); err != nil && !errors.Is(err, context.Canceled) {
			h.c.messageLog(h.eventID, h.eventType, h.m).Warn("visibility heartbeat failed", "err", err)
		}
	}
	h.cancel.Store(nil)
	cancel()
	if h.active.Load() {
		h.due = time.Now().Add(h.c.cfg.HeartbeatInterval)
		h.t.Reset(h.c.cfg.HeartbeatInterval)
	}
}

// deleter batches acknowledgements into DeleteMessageBatch calls, up to
// parallel calls at once (one per poller, so deleting keeps pace with
// receiving).
type deleter struct {
	q        Queue
	delay    time.Duration
	parallel int
	log      *slog.Logger
	metrics  *Metrics
	in       chan *Message
}

func newDeleter(q Queue, delay time.Duration, parallel int, log *slog.Logger, m *Metrics) *deleter {
	return &deleter{q: q, delay: delay, parallel: max(parallel, 1), log: log, metrics: m, in: make(chan *Message, 100)}
}

func (d *deleter) add(m *Message) { d.in <- m }
func (d *deleter) close()         { close(d.in) }

func (d *deleter) run() {
	var batch []*Message
	var timer <-chan time.Time
	var calls sync.WaitGroup
	slots := make(chan struct{}, d.parallel)
	flush := func() {
		if len(batch) > 0 {
			b := batch
			slots <- struct{}{}
			calls.Go(func() {
				defer func() { <-slots }()
				d.flush(b)
			})
			batch = nil
		}
		timer = nil
	}
	for {
		select {
		case m, ok := <-d.in:
			if !ok {
				flush()
				calls.Wait()
				return
			}
			batch = append(batch, m)
			if len(batch) == 10 {
				flush()
			} else if timer == nil {
				timer = time.After(d.delay)
			}
		case <-timer:
			flush()
		}
	}
}

func (d *deleter) flush(batch []*Message) {
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		failed, err := d.q.Delete(ctx, batch)
		cancel()
		if err == nil {
			for _, m := range failed {
				// Redelivered later; the handler's dedupe makes that harmless.
				d.log.Warn("delete failed for message", "message_id", m.ID)
			}
			return
		}
		if attempt == 3 {
			d.log.Error("delete batch failed; messages will be redelivered", "count", len(batch), "err", err)
			return
		}
		time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
	}
}
