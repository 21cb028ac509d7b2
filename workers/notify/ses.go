package notify

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"slices"
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
// the recipient unchanged. The email's Tags go as SendEmail's EmailTags:
// for SES v2 tags are that API parameter ("If you specify message tags
// using both headers and API parameters, Amazon SES uses only the message
// tags provided by the API parameters"), so the configuration set's events
// carry them whatever SES does with the raw header. Throttling errors are retried with exponential
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
	if in.EmailTags, err = messageTags(e.Tags); err != nil {
		return "", fmt.Errorf("%w: %w", ErrPermanent, err)
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

// SESTag returns s as SES accepts a message tag name or value: ASCII
// letters, digits, '_' and '-' only (every other byte becomes '_'), at
// most 256 characters. An empty s stays empty (SES rejects it; sesTags
// reports it).
func SESTag(s string) string {
	b := []byte(s)
	if len(b) > 256 {
		b = b[:256]
	}
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			b[i] = '_'
		}
	}
	return string(b)
}

// sesTags returns tags with names and values made SES-safe by SESTag; an
// empty name or value, or two names that become one, is an error.
func sesTags(tags map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		sk, sv := SESTag(k), SESTag(v)
		if sk == "" || sv == "" {
			return nil, fmt.Errorf("SES message tag %q=%q: empty name or value", k, v)
		}
		if _, dup := out[sk]; dup {
			return nil, fmt.Errorf("SES message tag %q: two tags become %q", k, sk)
		}
		out[sk] = sv
	}
	return out, nil
}

// messageTags is tags as SendEmail's EmailTags, sorted by name.
func messageTags(tags map[string]string) ([]types.MessageTag, error) {
	safe, err := sesTags(tags)
	if err != nil {
		return nil, err
	}
	out := make([]types.MessageTag, 0, len(safe))
	for _, k := range slices.Sorted(maps.Keys(safe)) {
		out = append(out, types.MessageTag{Name: aws.String(k), Value: aws.String(safe[k])})
	}
	return out, nil
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
