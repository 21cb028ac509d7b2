package bench

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"
)

// sendCounter counts the SendMessageBatch calls an SQS client makes, as
// SDK middleware: operations (what the caller asked for), HTTP attempts
// (operations plus the SDK's own retries), entries sent, entries SQS
// reported as failed and operations that returned an error.
type sendCounter struct {
	calls, attempts, entries, failedEntries, errors atomic.Int64
}

// apply installs the counting middleware on an SQS client's options.
func (k *sendCounter) apply(o *sqs.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("ddoksoBenchSendCalls",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				if p, ok := in.Parameters.(*sqs.SendMessageBatchInput); ok {
					k.calls.Add(1)
					k.entries.Add(int64(len(p.Entries)))
					if err != nil {
						k.errors.Add(1)
					} else if r, ok := out.Result.(*sqs.SendMessageBatchOutput); ok {
						k.failedEntries.Add(int64(len(r.Failed)))
					}
				}
				return out, md, err
			}), middleware.Before)
		if err != nil {
			return err
		}
		// After the retry middleware: once per HTTP attempt.
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("ddoksoBenchSendAttempts",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				if middleware.GetOperationName(ctx) == "SendMessageBatch" {
					k.attempts.Add(1)
				}
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	})
}
