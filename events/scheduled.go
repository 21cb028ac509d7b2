package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// eventBridgeEvent is the event EventBridge delivers to an SQS target
// (EventBridge user guide, "Amazon EventBridge events": version, id,
// detail-type, source, account, time, region, resources, detail).
type eventBridgeEvent struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Time       time.Time       `json:"time"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// tickTypes are the event types a schedule may deliver.
var tickTypes = []string{TypeRescrapeDue, TypeDigestDaily, TypeCleanupDaily}

// ruleTickType maps the name of an EventBridge scheduled rule to the tick
// type it names: a rule "<prefix>-rescrape-due" (the schedule names of
// infra.Default, the type with '.' written '-') fires rescrape.due.
func ruleTickType(ruleARN string) (string, bool) {
	_, name, ok := strings.Cut(ruleARN, ":rule/")
	if !ok {
		return "", false
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 { // rule/<bus>/<name>
		name = name[i+1:]
	}
	for _, t := range tickTypes {
		suffix := strings.ReplaceAll(t, ".", "-")
		if name == suffix || strings.HasSuffix(name, "-"+suffix) {
			return t, true
		}
	}
	return "", false
}

// DecodeScheduled decodes a batch-queue message in each form a schedule
// can deliver, with or without SNS's notification wrapper (UnwrapSNS):
//   - EventBridge Scheduler's SQS target Input with its context attributes
//     filled: a ddokso Envelope (see ScheduleInput);
//   - an EventBridge scheduled rule's event (source "aws.events",
//     detail-type "Scheduled Event", detail {}): the tick of the schedule
//     its rule is named after (ruleTickType), scheduled at the event's
//     time; a rule named after no schedule is rejected permanently;
//   - an event put on a bus by a tool (PutEvents; its source may not start
//     with "aws."): detail-type names the tick type, detail may hold
//     scheduled_at. Any other detail-type is rejected permanently.
//
// The tick's dedupe key is its type plus its scheduled time, so the same
// firing delivered twice, or in two forms, has one effect.
func DecodeScheduled(body []byte) (Envelope, error) {
	body, _, err := UnwrapSNS(body)
	if err != nil {
		return Envelope{}, err
	}
	if bytes.Contains(body, []byte(`"detail-type"`)) {
		return decodeEventBridge(body)
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

// decodeEventBridge is DecodeScheduled for the EventBridge event forms.
func decodeEventBridge(body []byte) (Envelope, error) {
	var ev eventBridgeEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return Envelope{}, Permanent(fmt.Errorf("decode eventbridge event: %w", err))
	}
	if ev.DetailType == "" || ev.ID == "" || ev.Time.IsZero() {
		return Envelope{}, Permanent(fmt.Errorf("decode eventbridge event: missing id, detail-type or time"))
	}
	var typ string
	switch {
	case ev.Source == "aws.events" && ev.DetailType == "Scheduled Event":
		for _, r := range ev.Resources {
			if t, ok := ruleTickType(r); ok {
				typ = t
				break
			}
		}
		if typ == "" {
			return Envelope{}, Permanent(fmt.Errorf("eventbridge scheduled event %s: rule %v names no ddokso schedule (a rule's name must end in -rescrape-due, -digest-daily or -cleanup-daily)", ev.ID, ev.Resources))
		}
	case strings.HasPrefix(ev.Source, "aws."):
		return Envelope{}, Permanent(fmt.Errorf("eventbridge event %s: %s %q is not a schedule", ev.ID, ev.Source, ev.DetailType))
	case slices.Contains(tickTypes, ev.DetailType):
		typ = ev.DetailType
	default:
		return Envelope{}, Permanent(fmt.Errorf("eventbridge event %s from %s: detail-type %q is not a ddokso tick", ev.ID, ev.Source, ev.DetailType))
	}
	var tick Tick
	if len(ev.Detail) > 0 && string(ev.Detail) != "null" {
		if err := json.Unmarshal(ev.Detail, &tick); err != nil {
			return Envelope{}, Permanent(fmt.Errorf("eventbridge event %s: detail: %w", ev.ID, err))
		}
	}
	if tick.ScheduledAt.IsZero() {
		tick.ScheduledAt = ev.Time
	}
	tick.ScheduledAt = tick.ScheduledAt.UTC()
	payload, err := json.Marshal(tick)
	if err != nil {
		return Envelope{}, Permanent(fmt.Errorf("eventbridge event %s: %w", ev.ID, err))
	}
	return Envelope{
		ID: ev.ID, Type: typ, Version: 1, OccurredAt: ev.Time.UTC(),
		DedupKey: tickKey(typ, tick.ScheduledAt), Payload: payload,
	}, nil
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
