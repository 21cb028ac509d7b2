package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ddokso/ddokso/events"
)

// TypeSESNotification is the envelope type DecodeSESEvent produces.
const TypeSESNotification = "ses.notification"

// sesNotification is an SES bounce/complaint notification (SNS
// notification or event-publishing form).
type sesNotification struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Bounce           *struct {
		BounceType        string `json:"bounceType"`
		BounceSubType     string `json:"bounceSubType"`
		BouncedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
	} `json:"complaint"`
	Mail struct {
		MessageID string    `json:"messageId"`
		Timestamp time.Time `json:"timestamp"`
	} `json:"mail"`
}

func (n sesNotification) kind() string {
	if n.NotificationType != "" {
		return n.NotificationType
	}
	return n.EventType
}

func (n sesNotification) recipients() []string {
	var out []string
	if n.Bounce != nil {
		for _, r := range n.Bounce.BouncedRecipients {
			out = append(out, normalizeEmail(r.EmailAddress))
		}
	}
	if n.Complaint != nil {
		for _, r := range n.Complaint.ComplainedRecipients {
			out = append(out, normalizeEmail(r.EmailAddress))
		}
	}
	sort.Strings(out)
	return out
}

// DecodeSESEvent turns a raw SES notification (SNS RawMessageDelivery; a
// full SNS envelope is unwrapped too) into an envelope of type
// "ses.notification" whose payload is the SES JSON. The id is stable per
// notification (message id, type and recipients), so redeliveries dedupe.
// Use it as ConsumerConfig.Decode of the "ses-events" queue.
func DecodeSESEvent(body []byte) (events.Envelope, error) {
	var sns struct {
		Type    string `json:"Type"`
		Message string `json:"Message"`
	}
	if json.Unmarshal(body, &sns) == nil && sns.Type == "Notification" && sns.Message != "" {
		body = []byte(sns.Message)
	}
	var n sesNotification
	if err := json.Unmarshal(body, &n); err != nil {
		return events.Envelope{}, events.Permanent(fmt.Errorf("decode SES notification: %w", err))
	}
	if n.kind() == "" {
		return events.Envelope{}, events.Permanent(errors.New("decode SES notification: no notificationType or eventType"))
	}
	h := sha256.Sum256([]byte(n.Mail.MessageID + "\x1f" + n.kind() + "\x1f" + strings.Join(n.recipients(), ",")))
	at := n.Mail.Timestamp
	if at.IsZero() {
		at = time.Now().UTC()
	}
	return events.Envelope{
		ID: "ses-" + hex.EncodeToString(h[:16]), Type: TypeSESNotification, Version: 1,
		OccurredAt: at.UTC(), Payload: json.RawMessage(body),
	}, nil
}

// HandleSESEvent keeps the suppression list: permanent bounces and
// complaints add their recipients; transient bounces are only logged.
// Adding an address twice is harmless, so redelivery is safe.
func (w *Worker) HandleSESEvent(ctx context.Context, env events.Envelope, msg *events.Message) error {
	if env.Type != TypeSESNotification {
		return events.Permanent(fmt.Errorf("notify: unexpected event type %q on SES queue", env.Type))
	}
	var n sesNotification
	if err := json.Unmarshal(env.Payload, &n); err != nil {
		return events.Permanent(fmt.Errorf("decode SES notification %s: %w", env.ID, err))
	}
	var reason, detail string
	switch n.kind() {
	case "Bounce":
		if n.Bounce == nil || n.Bounce.BounceType != "Permanent" {
			w.log.InfoContext(ctx, "transient SES bounce ignored", "event_id", env.ID, "recipients", n.recipients())
			return nil
		}
		reason, detail = "bounce", n.Bounce.BounceType+"/"+n.Bounce.BounceSubType
	case "Complaint":
		reason = "complaint"
		if n.Complaint != nil {
			detail = n.Complaint.ComplaintFeedbackType
		}
	default:
		w.log.InfoContext(ctx, "SES notification ignored", "event_id", env.ID, "type", n.kind())
		return nil
	}
	for _, addr := range n.recipients() {
		if addr == "" {
			continue
		}
		if _, err := w.db.ExecContext(ctx, `
INSERT INTO email_suppressions (email, reason, detail) VALUES (?, ?, ?)
ON DUPLICATE KEY UPDATE reason = VALUES(reason), detail = VALUES(detail)`, addr, reason, nullStr(truncate(detail, 1000))); err != nil {
			return fmt.Errorf("suppress %s: %w", addr, err)
		}
		w.log.InfoContext(ctx, "address suppressed", "reason", reason, "ses_message_id", n.Mail.MessageID)
	}
	return nil
}
