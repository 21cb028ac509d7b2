package emulator

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go/middleware"
)

// SNSPublisher is the part of the SNS client SESEvents uses.
type SNSPublisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// SESEvents plays SES's event publishing for moto. moto records every mail
// it accepts (/moto-api/data.json) but publishes no configuration-set
// events, so a consumer of SES Send events would never hear of them.
// SESEvents reads moto's record of raw messages and publishes one "Send"
// event per new message to an SNS topic, in SES's event-publishing format
// (eventType, mail.messageId, timestamp, source, destination, headers and
// tags), with the delay of one poll.
//
// The event's tags are those SES publishes: the EmailTags of the SendEmail
// call, which moto does not keep, so a client whose mail is played records
// them through RecordTags; for a mail sent without API tags, the tags of
// its X-SES-MESSAGE-TAGS header (the raw-message form, which SES removes
// from the headers as it reads it). As on SES, API tags win: a message
// with both gets only the API tags.
//
// It is test and local tooling: on AWS the configuration set's event
// destination does this.
type SESEvents struct {
	// Moto is moto's endpoint (its /moto-api/data.json is read).
	Moto string
	// SNS and TopicARN are where the events go.
	SNS      SNSPublisher
	TopicARN string
	// Interval between polls of Run; 500 ms when zero.
	Interval time.Duration
	// HTTP reads moto's record; http.DefaultClient when nil.
	HTTP *http.Client

	mu        sync.Mutex
	seen      map[string]bool
	apiTags   map[string]map[string][]string // by SES message id
	published int
}

// RecordTags is an SDK API option for the sesv2 client whose mail is
// played (sesv2.Options.APIOptions): it remembers each accepted SendEmail's
// EmailTags by the message id SES returned.
func (p *SESEvents) RecordTags(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("ddokso-ses-email-tags",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			req, ok := in.Parameters.(*sesv2.SendEmailInput)
			res, ok2 := out.Result.(*sesv2.SendEmailOutput)
			if err != nil || !ok || !ok2 || res == nil || len(req.EmailTags) == 0 {
				return out, md, err
			}
			tags := map[string][]string{}
			for _, t := range req.EmailTags {
				tags[aws.ToString(t.Name)] = append(tags[aws.ToString(t.Name)], aws.ToString(t.Value))
			}
			p.mu.Lock()
			if p.apiTags == nil {
				p.apiTags = map[string]map[string][]string{}
			}
			p.apiTags[aws.ToString(res.MessageId)] = tags
			p.mu.Unlock()
			return out, md, err
		}), middleware.After)
}

// Published returns how many events SNS has accepted so far.
func (p *SESEvents) Published() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.published
}

// Validate reports a configuration that cannot run.
func (p *SESEvents) Validate() error {
	switch {
	case p.Moto == "":
		return errors.New("ses events: Moto endpoint is empty")
	case p.SNS == nil:
		return errors.New("ses events: SNS client is nil")
	case p.TopicARN == "":
		return errors.New("ses events: TopicARN is empty")
	}
	return nil
}

// Run polls until ctx ends. Failed polls (moto or SNS down, e.g. during a
// restart) are retried on the next tick: a message is marked published
// only once SNS accepted its event.
func (p *SESEvents) Run(ctx context.Context) error {
	if err := p.Validate(); err != nil {
		return err
	}
	every := p.Interval
	if every <= 0 {
		every = 500 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		_, _ = p.Poll(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Poll publishes the events of the messages moto accepted since the last
// poll and returns how many it published.
func (p *SESEvents) Poll(ctx context.Context) (int, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	msgs, err := MotoSentMail(ctx, p.HTTP, p.Moto)
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	n := 0
	for _, m := range msgs {
		if m.ID == "" || p.seen[m.ID] {
			continue
		}
		body, err := sendEvent(m, p.apiTags[m.ID], time.Now().UTC())
		if err != nil {
			p.seen[m.ID] = true // a message SES would not have accepted either
			continue
		}
		if _, err := p.SNS.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(p.TopicARN), Message: aws.String(string(body))}); err != nil {
			return n, fmt.Errorf("publish SES send event for %s: %w", m.ID, err)
		}
		p.seen[m.ID] = true
		p.published++
		n++
	}
	return n, nil
}

// MotoRaw is one raw message in moto's record of the mail SES accepted.
type MotoRaw struct {
	ID           string   `json:"id"`
	Source       string   `json:"source"`
	Destinations []string `json:"destinations"`
	RawData      string   `json:"raw_data"`
}

// MotoSentMail returns the raw messages moto's SES has accepted, oldest
// first, from its /moto-api/data.json (hc nil: http.DefaultClient).
func MotoSentMail(ctx context.Context, hc *http.Client, moto string) ([]MotoRaw, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(moto, "/")+"/moto-api/data.json", nil)
	if err != nil {
		return nil, fmt.Errorf("moto data: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("moto data: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("moto data: %s", resp.Status)
	}
	var data struct {
		SES struct {
			RawMessage []MotoRaw `json:"RawMessage"`
		} `json:"ses"`
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("moto data: %w", err)
	}
	if err := json.Unmarshal(b, &data); err != nil {
		return nil, fmt.Errorf("moto data: %w", err)
	}
	return data.SES.RawMessage, nil
}

// sesHeader is one entry of an SES event's mail.headers.
type sesHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// sendEvent renders m as SES's event-publishing "Send" event; apiTags are
// the EmailTags of its SendEmail call, if known.
func sendEvent(m MotoRaw, apiTags map[string][]string, at time.Time) ([]byte, error) {
	raw := []byte(m.RawData)
	if dec, err := base64.StdEncoding.DecodeString(m.RawData); err == nil {
		raw = dec
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse raw message %s: %w", m.ID, err)
	}
	tags := map[string][]string{}
	var headers []sesHeader
	for name, values := range msg.Header {
		for _, v := range values {
			if strings.EqualFold(name, "X-SES-MESSAGE-TAGS") {
				for _, kv := range strings.Split(v, ",") {
					if k, val, ok := strings.Cut(strings.TrimSpace(kv), "="); ok {
						tags[k] = append(tags[k], val)
					}
				}
				continue
			}
			headers = append(headers, sesHeader{Name: name, Value: v})
		}
	}
	source := m.Source
	if a, err := mail.ParseAddress(source); err == nil {
		source = a.Address
	}
	if len(apiTags) > 0 {
		tags = map[string][]string{}
		for k, v := range apiTags {
			tags[k] = v
		}
	}
	if _, domain, ok := strings.Cut(source, "@"); ok {
		tags["ses:from-domain"] = []string{domain}
	}
	ev := map[string]any{
		"eventType": "Send",
		"mail": map[string]any{
			"timestamp":        at.Format("2006-01-02T15:04:05.000Z"),
			"source":           source,
			"messageId":        m.ID,
			"destination":      m.Destinations,
			"headersTruncated": false,
			"headers":          headers,
			"tags":             tags,
		},
		"send": map[string]any{},
	}
	return json.Marshal(ev)
}
