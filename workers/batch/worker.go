package batch

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/store"
)

// Consumer names under which the batch worker records processed ticks.
const (
	consumerDigest  = "batch.digest"
	consumerCleanup = "batch.cleanup"
)

// Worker handles the batch queue's ticks.
type Worker struct {
	db    *sql.DB
	enq   Enqueuer
	pub   events.Publisher
	relay *store.Relay
	cfg   Config
	log   *slog.Logger
	loc   *time.Location
	now   func() time.Time
	after func(time.Duration) <-chan time.Time
}

// New returns a batch worker. enq receives re-scrape requests; pub, when not
// nil, is used to flush the outbox right after a digest commits (the
// service's relay publishes the rows otherwise).
func New(db *sql.DB, enq Enqueuer, pub events.Publisher, cfg Config, log *slog.Logger) (*Worker, error) {
	if db == nil || enq == nil {
		return nil, errors.New("batch: db and enqueuer are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	loc, err := time.LoadLocation(cfg.DigestTimezone)
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	w := &Worker{db: db, enq: enq, pub: pub, cfg: cfg, log: log.With("worker", "batch"), loc: loc,
		now: func() time.Time { return time.Now().UTC() }, after: time.After}
	if pub != nil {
		w.relay, err = store.NewRelay(db, pub, store.RelayConfig{Logger: log})
		if err != nil {
			return nil, fmt.Errorf("batch: %w", err)
		}
	}
	return w, nil
}

// Handle implements events.Handler for the batch queue. Messages are decoded
// with events.DecodeScheduled, so both schedule forms arrive here as
// envelopes whose Key is the tick's type and scheduled time.
func (w *Worker) Handle(ctx context.Context, env events.Envelope, _ *events.Message) error {
	switch env.Type {
	case events.TypeRescrapeDue:
		var t events.RescrapeDue
		if err := env.Decode(&t); err != nil {
			return err
		}
		if _, err := w.Rescrape(ctx, env.Key(), tickTime(t.ScheduledAt, env)); err != nil {
			return err
		}
		_, err := w.RequeueStale(ctx)
		return err
	case events.TypeDigestDaily:
		var t events.DigestDaily
		if err := env.Decode(&t); err != nil {
			return err
		}
		_, err := w.Digest(ctx, env.Key(), tickTime(t.ScheduledAt, env))
		return err
	case events.TypeCleanupDaily:
		var t events.CleanupDaily
		if err := env.Decode(&t); err != nil {
			return err
		}
		// A tick replayed (the local scheduler's catch-up at start, a
		// redelivery) after a finished cleanup does not run it again.
		if done, err := store.Processed(ctx, w.db, consumerCleanup, env.Key()); err != nil || done {
			return err
		}
		if _, err := w.Cleanup(ctx); err != nil {
			return err
		}
		_, err := store.Once(ctx, w.db, consumerCleanup, env.Key(), func(*sql.Tx) error { return nil })
		return err
	default:
		return events.Permanent(fmt.Errorf("batch: unexpected event type %q (%s)", env.Type, env.ID))
	}
}

func tickTime(scheduled time.Time, env events.Envelope) time.Time {
	if !scheduled.IsZero() {
		return scheduled.UTC()
	}
	return env.OccurredAt.UTC()
}
