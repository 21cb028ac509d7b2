package infra

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ddokso/ddokso/events"
)

// Clients are the AWS API clients Apply and Resolve use.
type Clients struct {
	SNS       *sns.Client
	SQS       *sqs.Client
	Scheduler *scheduler.Client
}

// NewClients builds the clients from one SDK config (its endpoint, region
// and credentials come from the SDK's own environment variables).
func NewClients(cfg aws.Config) Clients {
	return Clients{SNS: sns.NewFromConfig(cfg), SQS: sqs.NewFromConfig(cfg), Scheduler: scheduler.NewFromConfig(cfg)}
}

// QueueRef locates one applied queue and its DLQ.
type QueueRef struct {
	URL, ARN, DLQURL, DLQARN string
}

// Resolved holds the physical addresses of an applied topology.
type Resolved struct {
	TopicARN    string
	SESTopicARN string
	Queues      map[string]QueueRef
}

// Queue returns an events.Queue driver for the logical queue name.
func (r Resolved) Queue(c *sqs.Client, logical string) (*events.SQSQueue, error) {
	ref, ok := r.Queues[logical]
	if !ok {
		return nil, fmt.Errorf("queue %q is not in the topology", logical)
	}
	return events.NewSQSQueue(c, logical, ref.URL, ref.DLQURL), nil
}

// ApplyOptions tunes Apply.
type ApplyOptions struct {
	// SchedulerRoleARN is the role the schedules assume to send to the queue.
	// Schedules are skipped when it is empty.
	SchedulerRoleARN string
}

// Apply creates or updates every resource of t. It is idempotent: running it
// again changes nothing that is already right.
func (t Topology) Apply(ctx context.Context, c Clients, opts ApplyOptions) (Resolved, error) {
	if err := t.Validate(); err != nil {
		return Resolved{}, err
	}
	res := Resolved{Queues: map[string]QueueRef{}}
	topic, err := c.SNS.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(t.TopicName())})
	if err != nil {
		return res, fmt.Errorf("create topic %s: %w", t.TopicName(), err)
	}
	res.TopicARN = aws.ToString(topic.TopicArn)
	sesTopic, err := c.SNS.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(t.SESTopicName())})
	if err != nil {
		return res, fmt.Errorf("create topic %s: %w", t.SESTopicName(), err)
	}
	res.SESTopicARN = aws.ToString(sesTopic.TopicArn)

	for _, q := range t.Queues {
		ref, err := t.applyQueue(ctx, c, q, res)
		if err != nil {
			return res, err
		}
		res.Queues[q.Name] = ref
	}
	if opts.SchedulerRoleARN != "" && c.Scheduler != nil {
		for _, s := range t.Schedules {
			if err := t.applySchedule(ctx, c, s, res.Queues[s.Queue].ARN, opts.SchedulerRoleARN); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

func (t Topology) applyQueue(ctx context.Context, c Clients, q Queue, res Resolved) (QueueRef, error) {
	var ref QueueRef
	var err error
	ref.DLQURL, ref.DLQARN, err = ensureQueue(ctx, c.SQS, t.DLQName(q.Name), map[string]string{
		"MessageRetentionPeriod": "1209600",
	})
	if err != nil {
		return ref, err
	}
	redrive, _ := jsonString(map[string]string{"deadLetterTargetArn": ref.DLQARN, "maxReceiveCount": strconv.Itoa(q.MaxReceiveCount)})
	topicARN := res.TopicARN
	if q.SESEvents {
		topicARN = res.SESTopicARN
	}
	attrs := map[string]string{
		"VisibilityTimeout":      strconv.Itoa(int(q.VisibilityTimeout.Seconds())),
		"MessageRetentionPeriod": strconv.Itoa(int(q.Retention.Seconds())),
		"RedrivePolicy":          redrive,
	}
	ref.URL, ref.ARN, err = ensureQueue(ctx, c.SQS, t.QueueName(q.Name), attrs)
	if err != nil {
		return ref, err
	}
	if len(q.Types) == 0 && !q.SESEvents {
		return ref, nil
	}
	policy, _ := jsonString(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid": "AllowTopic", "Effect": "Allow",
			"Principal": map[string]string{"Service": "sns.amazonaws.com"},
			"Action":    "sqs:SendMessage", "Resource": ref.ARN,
			"Condition": map[string]any{"ArnEquals": map[string]string{"aws:SourceArn": topicARN}},
		}},
	})
	if _, err := c.SQS.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &ref.URL, Attributes: map[string]string{"Policy": policy}}); err != nil {
		return ref, fmt.Errorf("set policy on %s: %w", t.QueueName(q.Name), err)
	}
	subAttrs := map[string]string{"RawMessageDelivery": "true"}
	if fp := q.FilterPolicy(); fp != "" {
		subAttrs["FilterPolicy"] = fp
	}
	if _, err := c.SNS.Subscribe(ctx, &sns.SubscribeInput{
		TopicArn: &topicARN, Protocol: aws.String("sqs"), Endpoint: &ref.ARN,
		Attributes: subAttrs, ReturnSubscriptionArn: true,
	}); err != nil {
		return ref, fmt.Errorf("subscribe %s to %s: %w", t.QueueName(q.Name), topicARN, err)
	}
	return ref, nil
}

func ensureQueue(ctx context.Context, c *sqs.Client, name string, attrs map[string]string) (url, arn string, err error) {
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: attrs})
	var exists *sqstypes.QueueNameExists
	switch {
	case errors.As(err, &exists):
		got, gerr := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name})
		if gerr != nil {
			return "", "", fmt.Errorf("get queue %s: %w", name, gerr)
		}
		url = aws.ToString(got.QueueUrl)
		if _, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: attrs}); err != nil {
			return "", "", fmt.Errorf("update queue %s: %w", name, err)
		}
	case err != nil:
		return "", "", fmt.Errorf("create queue %s: %w", name, err)
	default:
		url = aws.ToString(out.QueueUrl)
		// CreateQueue with the same name and other attributes is refused by
		// AWS but accepted by some emulators; set them to be sure.
		if _, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: attrs}); err != nil {
			return "", "", fmt.Errorf("update queue %s: %w", name, err)
		}
	}
	arn, err = queueARN(ctx, c, url)
	return url, arn, err
}

func queueARN(ctx context.Context, c *sqs.Client, url string) (string, error) {
	got, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return "", fmt.Errorf("get arn of %s: %w", url, err)
	}
	return got.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], nil
}

func (t Topology) applySchedule(ctx context.Context, c Clients, s Schedule, targetARN, roleARN string) error {
	name := t.ScheduleName(s.Name)
	target := &schedtypes.Target{Arn: &targetARN, RoleArn: &roleARN, Input: aws.String(events.ScheduleInput(s.Type))}
	window := &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff}
	_, err := c.Scheduler.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
		Name: &name, ScheduleExpression: &s.Expression, ScheduleExpressionTimezone: &s.Timezone,
		Target: target, FlexibleTimeWindow: window, State: schedtypes.ScheduleStateEnabled,
		Description: aws.String("ddokso " + s.Type + " tick"),
	})
	var conflict *schedtypes.ConflictException
	if errors.As(err, &conflict) {
		_, err = c.Scheduler.UpdateSchedule(ctx, &scheduler.UpdateScheduleInput{
			Name: &name, ScheduleExpression: &s.Expression, ScheduleExpressionTimezone: &s.Timezone,
			Target: target, FlexibleTimeWindow: window, State: schedtypes.ScheduleStateEnabled,
		})
	}
	if err != nil {
		return fmt.Errorf("apply schedule %s: %w", name, err)
	}
	return nil
}

// Resolve looks up the physical addresses of an already applied topology
// without creating anything (for processes whose role may not create).
func (t Topology) Resolve(ctx context.Context, c Clients) (Resolved, error) {
	res := Resolved{Queues: map[string]QueueRef{}}
	for _, q := range t.Queues {
		var ref QueueRef
		for _, pair := range []struct {
			name     string
			url, arn *string
		}{{t.QueueName(q.Name), &ref.URL, &ref.ARN}, {t.DLQName(q.Name), &ref.DLQURL, &ref.DLQARN}} {
			got, err := c.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(pair.name)})
			if err != nil {
				return res, fmt.Errorf("resolve queue %s (run `ddokso infra up`?): %w", pair.name, err)
			}
			*pair.url = aws.ToString(got.QueueUrl)
			if *pair.arn, err = queueARN(ctx, c.SQS, *pair.url); err != nil {
				return res, err
			}
		}
		res.Queues[q.Name] = ref
	}
	// Topics live in the same account and region as the queues.
	for _, ref := range res.Queues {
		parts := strings.SplitN(ref.ARN, ":", 6)
		if len(parts) == 6 {
			base := "arn:" + parts[1] + ":sns:" + parts[3] + ":" + parts[4] + ":"
			res.TopicARN, res.SESTopicARN = base+t.TopicName(), base+t.SESTopicName()
		}
		break
	}
	return res, nil
}
