package batch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"golang.org/x/sync/errgroup"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/infra"
)

// SQSSendMessageAPI is the part of the SQS client LocalScheduler uses.
type SQSSendMessageAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// LocalScheduler is the local stand-in for EventBridge Scheduler, used by
// `ddokso run` because the emulators never fire schedules. At each of a
// schedule's firing times it puts on the batch queue exactly the message the
// real schedule delivers: the events.NewTick body for the schedule's type
// and scheduled time, and nothing else. EventBridge Scheduler's SQS target
// sets no message attributes (its SqsParameters hold only MessageGroupId),
// so neither does the stand-in. It is off outside `run`: in AWS the real
// schedules fire.
type LocalScheduler struct {
	client    SQSSendMessageAPI
	url       string
	schedules []infra.Schedule
	log       *slog.Logger
	now       func() time.Time
}

// NewLocalScheduler returns a scheduler putting the schedules' ticks on the
// queue at batchQueueURL.
func NewLocalScheduler(client *sqs.Client, batchQueueURL string, schedules []infra.Schedule, log *slog.Logger) *LocalScheduler {
	return newLocalScheduler(client, batchQueueURL, schedules, log)
}

func newLocalScheduler(client SQSSendMessageAPI, url string, schedules []infra.Schedule, log *slog.Logger) *LocalScheduler {
	if log == nil {
		log = slog.Default()
	}
	return &LocalScheduler{client: client, url: url, schedules: schedules, log: log.With("component", "local-scheduler"),
		now: time.Now}
}

// Run fires the schedules until ctx is done; it returns nil on
// cancellation and an error only for an invalid schedule. At start it first
// fires each schedule's latest past firing (CatchUp), so a tick missed while
// the process was down is handled once it is up again.
func (s *LocalScheduler) Run(ctx context.Context) error {
	for _, sc := range s.schedules {
		if _, err := NextFiring(sc, s.now()); err != nil {
			return err
		}
	}
	s.CatchUp(ctx)
	g, ctx := errgroup.WithContext(ctx)
	for _, sc := range s.schedules {
		g.Go(func() error { return s.runOne(ctx, sc) })
	}
	err := g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func (s *LocalScheduler) runOne(ctx context.Context, sc infra.Schedule) error {
	s.log.InfoContext(ctx, "local schedule started", "schedule", sc.Name, "type", sc.Type, "every", sc.Every, "at", sc.At)
	for {
		next, err := NextFiring(sc, s.now())
		if err != nil {
			return err
		}
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
		if err := s.Fire(ctx, sc, next); err != nil {
			// Like Scheduler, a missed firing is not replayed; log and go on.
			s.log.ErrorContext(ctx, "local schedule firing failed", "schedule", sc.Name, "err", err)
		}
	}
}

// CatchUp fires, for each schedule, its latest firing at or before now.
// The batch worker handles each tick once (rescrape ticks keep their
// progress in batch_ticks, the digest and cleanup record their tick's key),
// so a firing that was handled before the process stopped is a no-op and
// one that was missed while it was down runs now. Only the latest missed
// firing is replayed: it covers everything the earlier ones would have
// (all products due by then, the latest digest day, a full cleanup).
func (s *LocalScheduler) CatchUp(ctx context.Context) {
	for _, sc := range s.schedules {
		prev, err := PrevFiring(sc, s.now())
		if err != nil {
			continue // Run has reported it
		}
		if err := s.Fire(ctx, sc, prev); err != nil {
			s.log.ErrorContext(ctx, "local schedule catch-up failed", "schedule", sc.Name, "err", err)
		}
	}
}

// Fire puts the tick of schedule sc scheduled at `at` on the queue.
func (s *LocalScheduler) Fire(ctx context.Context, sc infra.Schedule, at time.Time) error {
	env := events.NewTick(sc.Type, at)
	body, err := env.Marshal()
	if err != nil {
		return fmt.Errorf("tick %s: %w", sc.Name, err)
	}
	_, err = s.client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    &s.url,
		MessageBody: aws.String(string(body)),
	})
	if err != nil {
		return fmt.Errorf("send %s tick: %w", sc.Name, err)
	}
	s.log.InfoContext(ctx, "local schedule fired", "schedule", sc.Name, "type", sc.Type, "scheduled_at", env.OccurredAt)
	return nil
}

// PrevFiring returns the latest firing of sc at or before now.
func PrevFiring(sc infra.Schedule, now time.Time) (time.Time, error) {
	next, err := NextFiring(sc, now)
	if err != nil {
		return time.Time{}, err
	}
	if sc.At != "" && sc.Every%(24*time.Hour) == 0 {
		loc := time.UTC
		if sc.Timezone != "" {
			loc, _ = time.LoadLocation(sc.Timezone) // NextFiring loaded it
		}
		return next.In(loc).AddDate(0, 0, -int(sc.Every/(24*time.Hour))).UTC(), nil
	}
	return next.Add(-sc.Every).UTC(), nil
}

// NextFiring returns the first firing of sc strictly after now: for a
// schedule with At ("HH:MM" in its Timezone) the next such local time, then
// every Every; otherwise the next multiple of Every since the Unix epoch
// (rate schedules).
func NextFiring(sc infra.Schedule, now time.Time) (time.Time, error) {
	if sc.Every <= 0 {
		return time.Time{}, fmt.Errorf("schedule %s: period must be positive", sc.Name)
	}
	if sc.At == "" {
		return now.Truncate(sc.Every).Add(sc.Every).UTC(), nil
	}
	loc := time.UTC
	if sc.Timezone != "" {
		var err error
		if loc, err = time.LoadLocation(sc.Timezone); err != nil {
			return time.Time{}, fmt.Errorf("schedule %s: %w", sc.Name, err)
		}
	}
	hm, err := time.Parse("15:04", strings.TrimSpace(sc.At))
	if err != nil {
		return time.Time{}, fmt.Errorf("schedule %s: at %q: %w", sc.Name, sc.At, err)
	}
	local := now.In(loc)
	next := time.Date(local.Year(), local.Month(), local.Day(), hm.Hour(), hm.Minute(), 0, 0, loc)
	for !next.After(now) {
		if sc.Every%(24*time.Hour) == 0 {
			next = next.AddDate(0, 0, int(sc.Every/(24*time.Hour)))
		} else {
			next = next.Add(sc.Every)
		}
	}
	return next.UTC(), nil
}
