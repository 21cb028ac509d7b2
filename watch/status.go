package watch

import (
	"slices"
	"strings"
)

// The delivery statuses of an alert (notifications.status): the notify
// worker writes exactly these and GET /me/notifications filters by exactly
// these.
const (
	// Queued is an alert waiting to be sent, or to be retried.
	Queued = "queued"
	// Sent is an alert the provider accepted.
	Sent = "sent"
	// Failed is an alert that ran out of attempts.
	Failed = "failed"
	// Capped is an alert held back by the user's daily cap.
	Capped = "capped"
	// Deferred is an alert waiting for the end of the user's quiet hours.
	Deferred = "deferred"
	// Skipped is an alert its channel could not deliver (no push
	// subscription, push off, no address, address suppressed, watch
	// unsubscribed, or no longer true when its quiet hours ended).
	Skipped = "skipped"
)

var statuses = []string{Queued, Deferred, Sent, Failed, Skipped, Capped}

// Statuses returns the delivery statuses, in the order a notification goes
// through them.
func Statuses() []string { return slices.Clone(statuses) }

// ValidStatus reports whether name is a delivery status.
func ValidStatus(name string) bool { return slices.Contains(statuses, name) }

// StatusList is the statuses as prose ("queued, deferred, … or capped"),
// for error messages and API documentation.
func StatusList() string {
	return strings.Join(statuses[:len(statuses)-1], ", ") + " or " + statuses[len(statuses)-1]
}
