package iamcheck

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"
)

// EnvCallLog names the environment variable that makes the ddokso binary
// record its AWS calls to the file it names (tests only).
const EnvCallLog = "DDOKSO_AWS_CALL_LOG"

// Call is one AWS API call as IAM sees it.
type Call struct {
	// Action is the IAM action, e.g. "sqs:SendMessage" (batch operations
	// are authorized as their single form: SendMessageBatch needs
	// sqs:SendMessage, PublishBatch needs sns:Publish).
	Action string `json:"action"`
	// Operation is the API operation called, e.g. "SendMessageBatch".
	Operation string `json:"operation"`
	// Resources are the ARNs IAM authorizes the call against.
	Resources []string `json:"resources"`
}

// iamPrefix maps the SDK's service ids to IAM's service prefixes.
var iamPrefix = map[string]string{"SQS": "sqs", "SNS": "sns", "SESv2": "ses", "Scheduler": "scheduler", "STS": "sts"}

// batchAction maps batch operations to the action IAM checks for them.
var batchAction = map[string]string{
	"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
	"ChangeMessageVisibilityBatch": "ChangeMessageVisibility", "PublishBatch": "Publish",
}

// Recorder is an SDK middleware (installed through aws.Config.APIOptions)
// appending every call, successful or not, as one JSON line to a file.
type Recorder struct {
	mu      sync.Mutex
	path    string
	account string // learnt from the first queue URL or ARN seen
}

// NewRecorder returns a recorder writing to path (created or appended).
func NewRecorder(path string) *Recorder { return &Recorder{path: path} }

// Install adds the recorder to cfg's API options.
func (r *Recorder) Install(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, r.add)
}

func (r *Recorder) add(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("ddokso-iam-recorder",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			r.record(ctx, in.Parameters, out.Result)
			return out, md, err
		}), middleware.After)
}

func (r *Recorder) record(ctx context.Context, params, result any) {
	svc, op := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
	prefix := iamPrefix[svc]
	if prefix == "" {
		prefix = strings.ToLower(svc)
	}
	action := op
	if a, ok := batchAction[op]; ok {
		action = a
	}
	region := awsmiddleware.GetRegion(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	c := Call{Action: prefix + ":" + action, Operation: op, Resources: r.resources(region, params, result)}
	b, _ := json.Marshal(c)
	f, err := os.OpenFile(r.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.Write(append(b, '\n'))
}

// arn builds an ARN in the aws partition.
func arn(service, region, account, resource string) string {
	return "arn:aws:" + service + ":" + region + ":" + account + ":" + resource
}

// queueARN is the ARN of the queue at an SQS queue URL (…/<account>/<name>).
func (r *Recorder) queueARN(region, queueURL string) string {
	u, err := url.Parse(queueURL)
	if err != nil {
		return "invalid-queue-url:" + queueURL
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 {
		return "invalid-queue-url:" + queueURL
	}
	acct, name := parts[len(parts)-2], parts[len(parts)-1]
	if r.account == "" {
		r.account = acct
	}
	return arn("sqs", region, acct, name)
}

func (r *Recorder) acct() string {
	if r.account == "" {
		return "*"
	}
	return r.account
}

// resources returns the ARNs IAM checks for one call (the service
// authorization reference's resource types for the action).
func (r *Recorder) resources(region string, params, result any) []string {
	switch in := params.(type) {
	case *sqs.GetQueueUrlInput:
		if out, ok := result.(*sqs.GetQueueUrlOutput); ok && out != nil && out.QueueUrl != nil {
			return []string{r.queueARN(region, aws.ToString(out.QueueUrl))}
		}
		return []string{arn("sqs", region, r.acct(), aws.ToString(in.QueueName))}
	case *sqs.ListQueuesInput:
		return []string{arn("sqs", region, r.acct(), "*")}
	case *sqs.StartMessageMoveTaskInput:
		return []string{aws.ToString(in.SourceArn)}
	case *sqs.ListMessageMoveTasksInput:
		return []string{aws.ToString(in.SourceArn)}
	case *sns.PublishInput:
		return []string{aws.ToString(in.TopicArn)}
	case *sns.PublishBatchInput:
		return []string{aws.ToString(in.TopicArn)}
	case *sns.GetTopicAttributesInput:
		return []string{aws.ToString(in.TopicArn)}
	case *sesv2.SendEmailInput:
		from := aws.ToString(in.FromEmailAddress)
		if a, err := mail.ParseAddress(from); err == nil {
			from = a.Address
		}
		out := []string{arn("ses", region, r.acct(), "identity/"+from)}
		if cs := aws.ToString(in.ConfigurationSetName); cs != "" {
			out = append(out, arn("ses", region, r.acct(), "configuration-set/"+cs))
		}
		return out
	}
	// Every other SQS call names its queue by URL.
	if q, ok := queueURLOf(params); ok {
		return []string{r.queueARN(region, q)}
	}
	return []string{"*"}
}

// queueURLOf returns the QueueUrl field of an SQS input.
func queueURLOf(params any) (string, bool) {
	b, err := json.Marshal(params)
	if err != nil {
		return "", false
	}
	var v struct{ QueueUrl *string }
	if json.Unmarshal(b, &v) != nil || v.QueueUrl == nil {
		return "", false
	}
	return *v.QueueUrl, true
}

// ReadCalls reads the calls a Recorder wrote to path.
func ReadCalls(path string) ([]Call, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read calls: %w", err)
	}
	defer f.Close()
	var out []Call
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		var c Call
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("read calls %s: %w", path, err)
		}
		out = append(out, c)
	}
	return out, sc.Err()
}
