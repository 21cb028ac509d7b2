package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ddokso/ddokso/events"
)

// TypeSESNotification is the envelope type DecodeSESEvent produces.
const TypeSESNotification = "ses.notification"

// TagNotification is the SES message tag that carries the notifications
// row id of every email the worker sends; SES returns it in the mail.tags
// of the events it publishes, which lets HandleSESEvent find the row.
const TagNotification = "ddokso-notification"

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
		MessageID string              `json:"messageId"`
		Timestamp time.Time           `json:"timestamp"`
		Tags      map[string][]string `json:"tags"`
	} `json:"mail"`
}

// notificationID is the row id in the mail's TagNotification tag; ok is
// false when the mail carries none (not sent by this worker) or a bad one.
func (n sesNotification) notificationID() (int64, bool) {
	v := n.Mail.Tags[TagNotification]
	if len(v) != 1 {
		return 0, false
	}
	id, err := strconv.ParseInt(v[0], 10, 64)
	return id, err == nil && id > 0
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

// DecodeSESEvent turns an SES notification (event publishing or the
// classic bounce/complaint notification; with SNS raw message delivery on,
// or inside SNS's notification document, unwrapped by events.UnwrapSNS)
// into an envelope of type
// "ses.notification" whose payload is the SES JSON. The id is stable per
// notification (message id, type and recipients), so redeliveries dedupe.
// Use it as ConsumerConfig.Decode of the "ses-events" queue.
func DecodeSESEvent(body []byte) (events.Envelope, error) {
	body, _, err := events.UnwrapSNS(body)
	if err != nil {
		return events.Envelope{}, err
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
// complaints add their recipients; transient and undetermined bounces are
// only logged. Adding an address twice is harmless, so redelivery is safe.
// Reject (SES found a virus and sent nothing), DeliveryDelay (SES keeps
// retrying), Open, Click, Rendering Failure and Subscription events change
// nothing ddokso keeps: they are logged and acknowledged, never retried or
// dead-lettered.
//
// Send and Delivery events are SES's receipt for a message it accepted:
// the notifications row named by the message's TagNotification tag is
// marked sent (with SES's message id) unless it already is. This is what
// keeps a worker that died between SES accepting a mail and recording it
// from having the sweeper send the mail a second time (see deliver).
// Marking a sent row sent again changes nothing, so redelivery is safe.
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
	case "Send", "Delivery":
		return w.recordReceipt(ctx, env, n)
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
	case "Reject":
		id, _ := n.notificationID()
		w.log.WarnContext(ctx, "SES rejected a mail after accepting it", "event_id", env.ID, "notification_id", id, "ses_message_id", n.Mail.MessageID)
		return nil
	default:
		w.log.InfoContext(ctx, "SES notification acknowledged", "event_id", env.ID, "type", n.kind())
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

// recordReceipt marks the row an SES Send/Delivery event names as sent.
// A failed row becomes sent too: SES's receipt is the truth about whether
// the mail left (a send call can fail after SES accepted the message).
func (w *Worker) recordReceipt(ctx context.Context, env events.Envelope, n sesNotification) error {
	id, ok := n.notificationID()
	if !ok {
		w.log.InfoContext(ctx, "SES receipt without a notification tag ignored", "event_id", env.ID, "ses_message_id", n.Mail.MessageID)
		return nil
	}
	at := n.Mail.Timestamp.UTC()
	if at.IsZero() {
		at = w.now().UTC()
	}
	res, err := w.db.ExecContext(ctx, `
UPDATE notifications SET status = ?, provider_message_id = COALESCE(provider_message_id, ?), sent_at = COALESCE(sent_at, ?), error = NULL
WHERE id = ? AND channel = ? AND status IN (?, ?)`,
		StatusSent, nullStr(n.Mail.MessageID), at, id, ChannelEmail, StatusQueued, StatusFailed)
	if err != nil {
		return fmt.Errorf("record SES receipt for notification %d: %w", id, err)
	}
	if k, _ := res.RowsAffected(); k > 0 {
		w.log.InfoContext(ctx, "notification marked sent by its SES receipt", "notification_id", id, "ses_message_id", n.Mail.MessageID, "event", n.kind())
	}
	return nil
}
