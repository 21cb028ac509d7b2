package events

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// snsNotification is the JSON document SNS puts on an SQS queue whose
// subscription does not have raw message delivery on (AWS SNS developer
// guide, "HTTP/HTTPS notification JSON format"; SQS endpoints get the same
// document): Type, MessageId, TopicArn, optional Subject, Message,
// Timestamp, SignatureVersion, Signature, SigningCertURL, UnsubscribeURL
// and, when the publisher set any, MessageAttributes.
type snsNotification struct {
	Type      string  `json:"Type"`
	MessageID string  `json:"MessageId"`
	TopicArn  string  `json:"TopicArn"`
	Message   *string `json:"Message"`
}

// UnwrapSNS returns the published message inside an SNS notification
// document, and ok == false (with body unchanged) for any other body. A
// subscription made without RawMessageDelivery (by hand, or by another
// tool) delivers every message in this wrapper; with raw delivery on, the
// body is the message itself. Every decoder of queue bodies calls it, so
// both subscription settings work.
func UnwrapSNS(body []byte) (msg []byte, ok bool, err error) {
	// An envelope never has a top-level TopicArn; the check keeps the
	// second JSON pass off the raw-delivery path.
	if !bytes.Contains(body, []byte(`"TopicArn"`)) {
		return body, false, nil
	}
	var n snsNotification
	if json.Unmarshal(body, &n) != nil || n.TopicArn == "" || n.Type == "" || n.MessageID == "" {
		return body, false, nil
	}
	if n.Type != "Notification" || n.Message == nil {
		return body, true, Permanent(fmt.Errorf("SNS %s message %s from %s carries no notification", n.Type, n.MessageID, n.TopicArn))
	}
	return []byte(*n.Message), true, nil
}
