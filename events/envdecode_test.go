package events

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// envelopeSeeds are bodies for the differential fuzzer and the tests: what
// Envelope.Marshal writes, and the corners where a lax decoder would accept
// what encoding/json rejects or read something else.
func envelopeSeeds(t testing.TB) [][]byte {
	ctx := context.Background()
	var seeds [][]byte
	for _, p := range []Payload{
		ScrapeRequested{ScrapeID: 7, URL: "https://shop.example/p/1", ProductID: 3, Reason: "schedule"},
		ScrapeCompleted{ScrapeID: 7, URL: "https://shop.example/p/1?a=1&b=<2>", Outcome: OutcomeDone},
		NotifyRequested{Kind: "message", UserID: "u-1", Subject: "가격 알림", Text: "line\nbreak \"quoted\" \\ tab\t"},
		RescrapeDue{ScheduledAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)},
	} {
		env, err := New(ctx, p, WithDedupKey("dedupe:"+p.EventType()),
			WithOccurredAt(time.Date(2026, 11, 29, 10, 0, 0, 123456789, time.UTC)))
		require.NoError(t, err)
		env.CorrelationID = "corr-1"
		body, err := env.Marshal()
		require.NoError(t, err)
		seeds = append(seeds, body)
	}
	for _, s := range []string{
		`{"id":"a","type":"t","version":1,"occurred_at":"2026-11-29T10:00:00Z","payload":{}}`,
		` {"id":"a","type":"t","version":1,"payload":{"x":[1,2.5e3,-0,true,false,null,"s\u00e9\"\\"]}} ` + "\n",
		`{"id":"a","type":"t","version":1,"payload":{""}}`,
		`{"id":"a","type":"t","version":1,"payload":{"a":1,}}`,
		`{"id":"a","type":"t","version":1,"payload":[1,]}`,
		`{"id":"a","type":"t","version":1,"payload":null}`,
		`{"id":"a","type":"t","version":1,"payload":"x"}`,
		`{"id":"a","type":"t","version":1,"payload":01}`,
		`{"id":"a","type":"t","version":1,"payload":1.}`,
		`{"id":"a","type":"t","version":1,"payload":{}}x`,
		`{"id":"a","type":"t","version":1,"payload":{}},`,
		`{"id":"a","type":"t","version":1,"payload":{}`,
		"{\"i\x01d\":\"a\",\"type\":\"t\",\"version\":1,\"payload\":{}}",
		"{\"id\":\"a\x01\",\"type\":\"t\",\"version\":1,\"payload\":{}}",
		"{\"id\":\"a\xff\",\"type\":\"t\",\"version\":1,\"payload\":{}}",
		"{\"id\":\"a\",\"type\":\"t\",\"version\":1,\"payload\":{\"\xff\x01\":1}}",
		`{"ID":"a","Type":"t","VERSION":1,"payload":{}}`,
		`{"id":"a","type":"t","version":1,"dedup_\u212Aey":"k","payload":{}}`,
		"{\"id\":\"a\",\"type\":\"t\",\"ver\u017Fion\":1,\"payload\":{}}",
		`{"id":"a","type":"t","version":1,"\u0069d":"b","payload":{}}`,
		`{"id":"a","id":"b","type":"t","version":1,"version":2,"payload":{},"payload":[]}`,
		`{"id":"a","type":"t","version":1.0,"payload":{}}`,
		`{"id":"a","type":"t","version":1e0,"payload":{}}`,
		`{"id":"a","type":"t","version":-1,"payload":{}}`,
		`{"id":"a","type":"t","version":-0,"payload":{}}`,
		`{"id":"a","type":"t","version":99999999999999999999,"payload":{}}`,
		`{"id":"a","type":"t","version":"1","payload":{}}`,
		`{"id":"a","type":"t","version":null,"payload":{}}`,
		`{"id":null,"type":"t","version":1,"payload":{}}`,
		`{"id":5,"type":"t","version":1,"payload":{}}`,
		`{"id":"a","type":"t","version":1,"occurred_at":"2026-11-29T10:00:00+09:00","payload":{}}`,
		`{"id":"a","type":"t","version":1,"occurred_at":"2026-11-29 10:00:00Z","payload":{}}`,
		`{"id":"a","type":"t","version":1,"occurred_at":"2026-11-29T10:00:00\u005a","payload":{}}`,
		`{"id":"a","type":"t","version":1,"occurred_at":null,"payload":{}}`,
		`{"id":"a","type":"t","version":1,"occurred_at":"","payload":{}}`,
		`{"id":"a","type":"t","version":1,"extra":{"nested":[{"deep":"\""}]},"payload":{}}`,
		`{"id":"a","type":"t","version":1,"extra":tru,"payload":{}}`,
		`{"id":"a","type":"t","version":1,"payload":{}, "x" : 1 }`,
		`{"id":"a","type":"t","version":1}`,
		`{"id":"","type":"t","version":1,"payload":{}}`,
		`{"id":"a","type":"t","version":0,"payload":{}}`,
		`{}`, `{ }`, `null`, `[]`, `"x"`, `1`, ``, ` `, `{`, `}`, `{"id"}`, `{"id":}`, `{,}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

// checkDecodeAgainstJSON holds the fast decoder and DecodeEnvelope to
// encoding/json on body: the fast path may decline anything, but what it
// accepts encoding/json must accept with the same result; DecodeEnvelope
// must give decodeEnvelopeJSON's result and error.
func checkDecodeAgainstJSON(t *testing.T, body []byte) {
	var ref Envelope
	refErr := json.Unmarshal(body, &ref)
	work := append([]byte(nil), body...)
	fast, ok := decodeEnvelopeFast(work)
	clear(work) // the result must not alias the body
	if ok {
		require.NoError(t, refErr, "fast path accepted a body encoding/json rejects: %q", body)
		require.Equal(t, ref, fast, "fast path read %q differently", body)
	}

	got, err := DecodeEnvelope(body)
	want, wantErr := decodeEnvelopeJSON(body)
	if wantErr != nil {
		require.Error(t, err, "accepted %q", body)
		require.Equal(t, wantErr.Error(), err.Error())
		require.Equal(t, IsPermanent(wantErr), IsPermanent(err))
		return
	}
	require.NoError(t, err, "rejected %q", body)
	if ref.OccurredAt.IsZero() { // both defaulted it to their own now
		require.WithinDuration(t, want.OccurredAt, got.OccurredAt, time.Minute)
		got.OccurredAt, want.OccurredAt = time.Time{}, time.Time{}
	}
	require.Equal(t, want, got)
}

// FuzzDecodeEnvelope is the differential fuzzer of DecodeEnvelope against
// encoding/json: a body that encoding/json rejects must stay rejected (a
// poison message stays poison), with the same error.
//
//	go test ./events -run '^$' -fuzz FuzzDecodeEnvelope -fuzztime 5m
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range envelopeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecodeAgainstJSON(t, body)
	})
}

func TestDecodeEnvelopeSeedsAgainstJSON(t *testing.T) {
	t.Parallel()
	for _, s := range envelopeSeeds(t) {
		checkDecodeAgainstJSON(t, s)
	}
}

// TestDecodeEnvelopeFastPathTakesMarshalOutput keeps what the system sends
// on the fast path (otherwise the fast path silently stops paying).
func TestDecodeEnvelopeFastPathTakesMarshalOutput(t *testing.T) {
	t.Parallel()
	for _, body := range envelopeSeeds(t)[:4] {
		_, ok := decodeEnvelopeFast(body)
		require.True(t, ok, "declined %s", body)
	}
	for _, body := range []string{
		`{"id":"a","type":"t","version":1,"payload":{""}}`,
		"{\"i\x01d\":\"a\",\"type\":\"t\",\"version\":1,\"payload\":{}}",
	} {
		_, ok := decodeEnvelopeFast([]byte(body))
		require.False(t, ok, "accepted %q", body)
		_, err := DecodeEnvelope([]byte(body))
		require.Error(t, err)
		require.True(t, IsPermanent(err))
	}
}

func BenchmarkDecodeEnvelope(b *testing.B) {
	body := envelopeSeeds(b)[0]
	b.Run("ddokso", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeEnvelope(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeEnvelopeJSON(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
