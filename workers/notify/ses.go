package notify

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
)

// Mailer sends one email and returns the provider's message id.
// Errors wrapping ErrPermanent will not succeed on retry.
type Mailer interface {
	Send(ctx context.Context, e Email) (messageID string, err error)
}

// ErrPermanent marks delivery errors that retrying cannot fix (rejected
// message, unverified sender, gone push subscription...).
var ErrPermanent = errors.New("permanent delivery failure")

type sesMailer struct {
	client *sesv2.Client
	cfg    Config
}

// NewSESMailer returns a Mailer that sends raw MIME through sesv2
// SendEmail (Content.Raw), so custom headers such as List-Unsubscribe reach
// the recipient unchanged. Throttling errors are retried with exponential
// backoff (cfg.SendRetries, cfg.SendBackoff).
func NewSESMailer(client *sesv2.Client, cfg Config) Mailer {
	return &sesMailer{client: client, cfg: cfg}
}

func (m *sesMailer) Send(ctx context.Context, e Email) (string, error) {
	raw, err := BuildMIME(e, time.Now())
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	from, _ := mail.ParseAddress(e.From) // BuildMIME parsed it already
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(from.Address),
		Destination:      &types.Destination{ToAddresses: []string{e.To}},
		Content:          &types.EmailContent{Raw: &types.RawMessage{Data: raw}},
	}
	if m.cfg.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(m.cfg.ConfigurationSet)
	}
	backoff := m.cfg.SendBackoff
	for attempt := 0; ; attempt++ {
		out, err := m.client.SendEmail(ctx, in)
		if err == nil {
			return aws.ToString(out.MessageId), nil
		}
		if !isThrottle(err) || attempt >= m.cfg.SendRetries {
			if isRejection(err) {
				return "", fmt.Errorf("ses send to %s: %w: %w", e.To, ErrPermanent, err)
			}
			return "", fmt.Errorf("ses send to %s: %w", e.To, err)
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return "", fmt.Errorf("ses send to %s: %w (after throttling: %v)", e.To, ctx.Err(), err)
		}
		backoff *= 2
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func isThrottle(err error) bool {
	switch apiCode(err) {
	case "TooManyRequestsException", "Throttling", "ThrottlingException", "LimitExceededException":
		return true
	}
	return false
}

func isRejection(err error) bool {
	switch apiCode(err) {
	case "MessageRejected", "BadRequestException", "MailFromDomainNotVerifiedException", "NotFoundException":
		return true
	}
	return false
}
