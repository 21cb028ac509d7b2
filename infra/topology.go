package infra

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/ddokso/ddokso/events"
)

// Logical queue names.
const (
	QueueScrap  = "scrap"
	QueueNotify = "notify"
	QueueBatch  = "batch"
	// QueueSES receives SES bounce and complaint notifications.
	QueueSES = "ses-events"
)

// Queue is one work queue and its dead-letter queue.
type Queue struct {
	// Name is the logical name; the physical name is "<prefix>-<name>".
	Name string
	// Types are the event types the queue's subscription lets through.
	// Empty means the queue is not subscribed to the event topic.
	Types []string
	// SESEvents subscribes the queue to the SES notification topic instead.
	SESEvents bool
	// VisibilityTimeout of the queue.
	VisibilityTimeout time.Duration
	// Attempts is the consumer's budget of handler attempts: after that
	// many failed attempts it dead-letters the message itself.
	Attempts int
	// MaxReceiveCount before SQS moves a message to the DLQ: the backstop
	// for messages no handler finishes. It is set well above Attempts
	// because receives that reach no handler count too: a consumer killed
	// during a long poll (a crash, a deploy) leaves the poll open, and SQS
	// hands it messages that then come back after the visibility timeout
	// with a higher receive count. With the two equal, a healthy message
	// could reach the DLQ without ever failing.
	MaxReceiveCount int
	// Retention of messages in the queue; the DLQ keeps them 14 days.
	Retention time.Duration
}

// FilterPolicy returns the queue's SNS subscription filter policy (on the
// "type" message attribute), or "" when it has none.
func (q Queue) FilterPolicy() string {
	if len(q.Types) == 0 {
		return ""
	}
	b, _ := json.Marshal(map[string][]string{"type": q.Types})
	return string(b)
}

// Schedule is an EventBridge Scheduler schedule that puts a batch tick on a queue.
type Schedule struct {
	// Name is the logical name; the physical name is "<prefix>-<name>".
	Name string
	// Expression is the schedule expression, e.g. "rate(10 minutes)".
	Expression string
	// Timezone for cron expressions.
	Timezone string
	// Type is the event type the tick carries.
	Type string
	// Queue is the logical name of the target queue.
	Queue string
	// Every is the period the local scheduler stand-in uses for Expression.
	Every time.Duration
	// At, for daily schedules, is the local time of day ("09:00").
	At string
}

// Topology is the whole messaging topology.
type Topology struct {
	// Prefix of every physical name. Default "ddokso".
	Prefix    string
	Queues    []Queue
	Schedules []Schedule
}

// Default returns ddokso's topology with the given name prefix.
func Default(prefix string) Topology {
	if prefix == "" {
		prefix = "ddokso"
	}
	return Topology{
		Prefix: prefix,
		Queues: []Queue{
			{Name: QueueScrap, Types: []string{events.TypeScrapeRequested}, VisibilityTimeout: 120 * time.Second, Attempts: 5, MaxReceiveCount: 10, Retention: 4 * 24 * time.Hour},
			{Name: QueueNotify, Types: []string{events.TypePriceChanged, events.TypeNotifyRequested}, VisibilityTimeout: 60 * time.Second, Attempts: 5, MaxReceiveCount: 10, Retention: 4 * 24 * time.Hour},
			{Name: QueueBatch, Types: []string{events.TypeRescrapeDue, events.TypeDigestDaily, events.TypeCleanupDaily}, VisibilityTimeout: 300 * time.Second, Attempts: 3, MaxReceiveCount: 10, Retention: 24 * time.Hour},
			{Name: QueueSES, SESEvents: true, VisibilityTimeout: 60 * time.Second, Attempts: 5, MaxReceiveCount: 10, Retention: 4 * 24 * time.Hour},
		},
		Schedules: []Schedule{
			{Name: "rescrape-due", Expression: "rate(10 minutes)", Timezone: "UTC", Type: events.TypeRescrapeDue, Queue: QueueBatch, Every: 10 * time.Minute},
			{Name: "digest-daily", Expression: "cron(0 9 * * ? *)", Timezone: "Asia/Seoul", Type: events.TypeDigestDaily, Queue: QueueBatch, Every: 24 * time.Hour, At: "09:00"},
			{Name: "cleanup-daily", Expression: "cron(30 4 * * ? *)", Timezone: "Asia/Seoul", Type: events.TypeCleanupDaily, Queue: QueueBatch, Every: 24 * time.Hour, At: "04:30"},
		},
	}
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// Validate checks names, limits and references.
func (t Topology) Validate() error {
	if !namePattern.MatchString(t.Prefix) {
		return fmt.Errorf("topology: prefix %q must be 1-40 of [A-Za-z0-9_-]", t.Prefix)
	}
	seen := map[string]bool{}
	for _, q := range t.Queues {
		if !namePattern.MatchString(q.Name) || seen[q.Name] {
			return fmt.Errorf("topology: bad or duplicate queue name %q", q.Name)
		}
		seen[q.Name] = true
		if q.VisibilityTimeout < time.Second || q.VisibilityTimeout > 12*time.Hour {
			return fmt.Errorf("topology: queue %s visibility timeout %s out of range", q.Name, q.VisibilityTimeout)
		}
		if q.MaxReceiveCount < 1 || q.MaxReceiveCount > 1000 {
			return fmt.Errorf("topology: queue %s maxReceiveCount %d out of range", q.Name, q.MaxReceiveCount)
		}
		if q.Attempts < 1 || q.Attempts > q.MaxReceiveCount {
			return fmt.Errorf("topology: queue %s attempts %d must be in [1, maxReceiveCount %d]", q.Name, q.Attempts, q.MaxReceiveCount)
		}
	}
	for _, s := range t.Schedules {
		if !seen[s.Queue] {
			return fmt.Errorf("topology: schedule %s targets unknown queue %q", s.Name, s.Queue)
		}
		if s.Every <= 0 {
			return fmt.Errorf("topology: schedule %s needs a local period", s.Name)
		}
	}
	return nil
}

// TopicName is the physical name of the event topic.
func (t Topology) TopicName() string { return t.Prefix + "-events" }

// SESTopicName is the physical name of the SES notification topic.
func (t Topology) SESTopicName() string { return t.Prefix + "-ses-events" }

// QueueName is the physical name of a logical queue.
func (t Topology) QueueName(logical string) string { return t.Prefix + "-" + logical }

// DLQName is the physical name of a logical queue's dead-letter queue.
func (t Topology) DLQName(logical string) string { return t.Prefix + "-" + logical + "-dlq" }

// ScheduleName is the physical name of a schedule.
func (t Topology) ScheduleName(logical string) string { return t.Prefix + "-" + logical }

// Queue returns the logical queue with the given name.
func (t Topology) Queue(name string) (Queue, bool) {
	for _, q := range t.Queues {
		if q.Name == name {
			return q, true
		}
	}
	return Queue{}, false
}
