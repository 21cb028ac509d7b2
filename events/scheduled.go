package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// eventBridgeEvent is the envelope EventBridge wraps around events it
// delivers to an SQS target.
type eventBridgeEvent struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Time       time.Time       `json:"time"`
	Detail     json.RawMessage `json:"detail"`
}

// DecodeScheduled decodes a batch-queue message in either form a schedule can
// deliver:
//   - EventBridge Scheduler raw input: the target Input is a ddokso Envelope
//     (see ScheduleInput), or
//   - an EventBridge event envelope ({"detail-type": ..., "detail": {...}}),
//     whose detail-type is the event type and detail the payload.
//
// The tick's dedupe key is its type plus its scheduled time, so the same tick
// delivered twice has one effect.
func DecodeScheduled(body []byte) (Envelope, error) {
	if bytes.Contains(body, []byte(`"detail-type"`)) {
		var ev eventBridgeEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			return Envelope{}, Permanent(fmt.Errorf("decode eventbridge event: %w", err))
		}
		if ev.DetailType == "" || ev.ID == "" {
			return Envelope{}, Permanent(fmt.Errorf("decode eventbridge event: missing id or detail-type"))
		}
		detail := ev.Detail
		if len(detail) == 0 || string(detail) == "null" {
			detail = json.RawMessage(`{}`)
		}
		var tick Tick
		_ = json.Unmarshal(detail, &tick)
		if tick.ScheduledAt.IsZero() {
			tick.ScheduledAt = ev.Time
			detail, _ = json.Marshal(tick)
		}
		return Envelope{
			ID: ev.ID, Type: ev.DetailType, Version: 1, OccurredAt: ev.Time.UTC(),
			DedupKey: tickKey(ev.DetailType, tick.ScheduledAt), Payload: detail,
		}, nil
	}
	env, err := DecodeEnvelope(body)
	if err != nil {
		return Envelope{}, err
	}
	if env.DedupKey == "" {
		var tick Tick
		if json.Unmarshal(env.Payload, &tick) == nil && !tick.ScheduledAt.IsZero() {
			env.DedupKey = tickKey(env.Type, tick.ScheduledAt)
		}
	}
	return env, nil
}

func tickKey(typ string, at time.Time) string {
	return typ + "@" + at.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// ScheduleInput is the Scheduler target Input that makes a schedule deliver
// an Envelope of type typ: Scheduler substitutes the execution id and the
// scheduled time at each firing.
func ScheduleInput(typ string) string {
	return fmt.Sprintf(`{"id":"<aws.scheduler.execution-id>","type":%q,"version":1,`+
		`"occurred_at":"<aws.scheduler.scheduled-time>","payload":{"scheduled_at":"<aws.scheduler.scheduled-time>"}}`, typ)
}

// NewTick builds the envelope a schedule of type typ delivers for the firing
// at scheduledAt, exactly as ScheduleInput renders it (used by the local
// scheduler stand-in).
func NewTick(typ string, scheduledAt time.Time) Envelope {
	at := scheduledAt.UTC().Truncate(time.Second)
	payload, _ := json.Marshal(Tick{ScheduledAt: at})
	return Envelope{
		ID: "local-" + typ + "-" + at.Format("20060102T150405Z"), Type: typ, Version: 1,
		OccurredAt: at, DedupKey: tickKey(typ, at), Payload: payload,
	}
}
