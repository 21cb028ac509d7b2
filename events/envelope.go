package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/ddokso/ddokso/telemetry"
)

// Envelope is the wire form of every ddokso event.
type Envelope struct {
	// ID is unique per event (a UUID); consumers use it as the default dedupe key.
	ID string `json:"id"`
	// Type names the event, e.g. "scrape.requested".
	Type string `json:"type"`
	// Version is the payload schema version for Type.
	Version int `json:"version"`
	// OccurredAt is when the fact the event reports happened (UTC).
	OccurredAt time.Time `json:"occurred_at"`
	// CorrelationID ties together every event caused by one request.
	CorrelationID string `json:"correlation_id,omitempty"`
	// DedupKey, when set, identifies the effect rather than the event: two
	// events with the same key have the same effect and handlers apply it once.
	DedupKey string `json:"dedup_key,omitempty"`
	// Payload is the type's payload struct as JSON.
	Payload json.RawMessage `json:"payload"`
}

// Option adjusts an envelope built by New.
type Option func(*Envelope)

// WithDedupKey sets the envelope's dedupe key.
func WithDedupKey(key string) Option { return func(e *Envelope) { e.DedupKey = key } }

// WithID sets the envelope's id instead of a fresh UUID.
func WithID(id string) Option { return func(e *Envelope) { e.ID = id } }

// WithOccurredAt sets when the event happened instead of now.
func WithOccurredAt(t time.Time) Option { return func(e *Envelope) { e.OccurredAt = t.UTC() } }

// New builds an envelope around payload. The type and version come from the
// payload (see Payload); the correlation id comes from ctx.
func New(ctx context.Context, payload Payload, opts ...Option) (Envelope, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode %s payload: %w", payload.EventType(), err)
	}
	env := Envelope{
		ID:            uuid.NewString(),
		Type:          payload.EventType(),
		Version:       payload.EventVersion(),
		OccurredAt:    time.Now().UTC(),
		CorrelationID: telemetry.CorrelationID(ctx),
		Payload:       raw,
	}
	for _, o := range opts {
		o(&env)
	}
	return env, nil
}

// Encode is New followed by Marshal, with the payload encoded once: the
// envelope's JSON is written around the payload bytes New produced
// (json.Marshal's output is already compact and HTML-escaped, so
// json.Marshal(env) would copy it unchanged). The bytes are exactly
// Marshal's.
func Encode(ctx context.Context, payload Payload, opts ...Option) (Envelope, []byte, error) {
	env, err := New(ctx, payload, opts...)
	if err != nil {
		return Envelope{}, nil, err
	}
	if err := env.Validate(); err != nil {
		return Envelope{}, nil, err
	}
	if body, ok := appendEnvelope(make([]byte, 0, 160+len(env.Payload)), env); ok {
		return env, body, nil
	}
	body, err := json.Marshal(env)
	if err != nil {
		return Envelope{}, nil, fmt.Errorf("encode %s envelope: %w", env.Type, err)
	}
	return env, body, nil
}

// appendEnvelope appends json.Marshal(e)'s bytes for an envelope whose
// Payload is json.Marshal output, when every string field is plain
// printable ASCII that encoding/json writes unescaped and OccurredAt
// encodes without error; otherwise it reports false.
func appendEnvelope(b []byte, e Envelope) ([]byte, bool) {
	if !plainJSON(e.ID) || !plainJSON(e.Type) || !plainJSON(e.CorrelationID) || !plainJSON(e.DedupKey) {
		return b, false
	}
	at, err := e.OccurredAt.MarshalJSON()
	if err != nil {
		return b, false
	}
	b = append(b, `{"id":"`...)
	b = append(b, e.ID...)
	b = append(b, `","type":"`...)
	b = append(b, e.Type...)
	b = append(b, `","version":`...)
	b = strconv.AppendInt(b, int64(e.Version), 10)
	b = append(b, `,"occurred_at":`...)
	b = append(b, at...)
	if e.CorrelationID != "" {
		b = append(b, `,"correlation_id":"`...)
		b = append(b, e.CorrelationID...)
		b = append(b, '"')
	}
	if e.DedupKey != "" {
		b = append(b, `,"dedup_key":"`...)
		b = append(b, e.DedupKey...)
		b = append(b, '"')
	}
	b = append(b, `,"payload":`...)
	b = append(b, e.Payload...)
	return append(b, '}'), true
}

// plainJSON reports whether encoding/json writes s as is between quotes:
// printable ASCII other than the quote, the backslash and the HTML
// characters it escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// MustNew is New for payloads that cannot fail to encode (plain structs);
// it panics on error and is meant for tests and examples.
func MustNew(ctx context.Context, payload Payload, opts ...Option) Envelope {
	env, err := New(ctx, payload, opts...)
	if err != nil {
		panic(err)
	}
	return env
}

// Key is the dedupe key handlers should use: DedupKey when set, else ID.
func (e Envelope) Key() string {
	if e.DedupKey != "" {
		return e.DedupKey
	}
	return e.ID
}

// Decode unmarshals the payload into v after checking that v's type matches.
func (e Envelope) Decode(v Payload) error {
	if v.EventType() != e.Type {
		return Permanent(fmt.Errorf("decode %s event %s into %s payload", e.Type, e.ID, v.EventType()))
	}
	if e.Version > v.EventVersion() {
		return Permanent(fmt.Errorf("decode %s event %s: version %d is newer than supported %d", e.Type, e.ID, e.Version, v.EventVersion()))
	}
	if err := json.Unmarshal(e.Payload, v); err != nil {
		return Permanent(fmt.Errorf("decode %s event %s: %w", e.Type, e.ID, err))
	}
	if vv, ok := v.(interface{ Validate() error }); ok {
		if err := vv.Validate(); err != nil {
			return Permanent(fmt.Errorf("invalid %s event %s: %w", e.Type, e.ID, err))
		}
	}
	return nil
}

// Marshal encodes the envelope as JSON.
func (e Envelope) Marshal() ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(e)
}

// Validate reports whether the envelope has the fields every event needs.
func (e Envelope) Validate() error {
	switch {
	case e.ID == "":
		return errors.New("envelope: missing id")
	case e.Type == "":
		return errors.New("envelope: missing type")
	case e.Version < 1:
		return fmt.Errorf("envelope %s: version must be >= 1", e.ID)
	case len(e.Payload) == 0:
		return fmt.Errorf("envelope %s: missing payload", e.ID)
	}
	return nil
}

// DecodeEnvelope parses a message body holding an Envelope, as SNS
// delivers it with raw message delivery on (the body is the envelope) or
// off (the envelope is the Message of an SNS notification document, see
// UnwrapSNS). Bodies that are not a valid envelope are reported as
// permanent failures (they go to the DLQ without burning retries).
func DecodeEnvelope(body []byte) (Envelope, error) {
	body, _, err := UnwrapSNS(body)
	if err != nil {
		return Envelope{}, err
	}
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Envelope{}, Permanent(fmt.Errorf("decode envelope: %w", err))
	}
	return checkEnvelope(env)
}

// checkEnvelope validates a decoded envelope and defaults its OccurredAt.
func checkEnvelope(env Envelope) (Envelope, error) {
	if err := env.Validate(); err != nil {
		return Envelope{}, Permanent(err)
	}
	if env.OccurredAt.IsZero() {
		env.OccurredAt = time.Now().UTC()
	}
	return env, nil
}
