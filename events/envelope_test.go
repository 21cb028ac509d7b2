package events

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/telemetry"
)

// encodeMatchesMarshal checks that Encode returns the envelope New would
// and exactly the bytes Marshal writes for it.
func encodeMatchesMarshal(t *testing.T, corr string, p Payload, opts ...Option) {
	t.Helper()
	ctx := telemetry.WithCorrelationID(context.Background(), corr)
	env, body, err := Encode(ctx, p, opts...)
	require.NoError(t, err)
	want, err := env.Marshal()
	require.NoError(t, err)
	require.Equal(t, string(want), string(body))
	viaNew, err := New(ctx, p, opts...)
	require.NoError(t, err)
	viaNew.ID, viaNew.OccurredAt = env.ID, env.OccurredAt // fresh per call unless set by an option
	require.Equal(t, viaNew, env)
	back, err := DecodeEnvelope(body)
	require.NoError(t, err)
	require.Equal(t, env.Payload, back.Payload)
}

func TestEnvelopeEncodeIsMarshal(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 29, 13, 4, 5, 120, time.UTC)
	for _, c := range []struct {
		name string
		corr string
		p    Payload
		opts []Option
	}{
		{"plain", "", ScrapeRequested{ScrapeID: 7, URL: "https://shop.example/p/1", Reason: "user"}, nil},
		{"correlation", "req-1.2:3", ScrapeRequested{ScrapeID: 7, URL: "https://shop.example/p/1", ProductID: 9, UserID: "u1"}, nil},
		{"html in payload", "c", ScrapeRequested{ScrapeID: 7, URL: "https://shop.example/p/1?a=1&b=<2>"}, nil},
		{"options", "c", ScrapeRequested{ScrapeID: 1, URL: "https://a.example/"},
			[]Option{WithID("fixed-id"), WithDedupKey("scrape:1"), WithOccurredAt(at)}},
		{"zero nanoseconds", "", ScrapeRequested{ScrapeID: 1, URL: "https://a.example/"}, []Option{WithOccurredAt(at.Truncate(time.Second))}},
		{"escaped correlation", "a\"b\\c<d>&\u2028é\x01", ScrapeRequested{ScrapeID: 1, URL: "https://a.example/"}, nil},
		{"escaped dedup key", "", ScrapeRequested{ScrapeID: 1, URL: "https://a.example/"}, []Option{WithDedupKey("k&<>\"")}},
		{"year out of range", "", ScrapeRequested{ScrapeID: 1, URL: "https://a.example/"},
			[]Option{WithOccurredAt(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.name == "year out of range" {
				_, _, err := Encode(context.Background(), c.p, c.opts...)
				require.Error(t, err)
				_, err = MustNew(context.Background(), c.p, c.opts...).Marshal()
				require.Error(t, err)
				return
			}
			encodeMatchesMarshal(t, c.corr, c.p, c.opts...)
		})
	}
}

func TestEnvelopeEncodeValidates(t *testing.T) {
	t.Parallel()
	_, _, err := Encode(context.Background(), ScrapeRequested{ScrapeID: 1, URL: "https://a.example/"}, WithID(""))
	require.ErrorContains(t, err, "missing id")
}

// FuzzEnvelopeEncode holds Encode to Marshal's bytes for any correlation
// id, dedupe key and payload strings.
func FuzzEnvelopeEncode(f *testing.F) {
	f.Add("req-1", "", "https://shop.example/p/1", "user", int64(0))
	f.Add("a\"b", "k<&>", "https://a.example/?q=<x>&y=\u2028", "", int64(-1))
	f.Add("\xff", "\x7f", "\x00", "é", int64(1)<<40)
	f.Fuzz(func(t *testing.T, corr, key, url, reason string, sec int64) {
		var opts []Option
		if key != "" {
			opts = append(opts, WithDedupKey(key))
		}
		at := time.Unix(sec%(1<<35), sec%1e9)
		opts = append(opts, WithOccurredAt(at))
		p := ScrapeRequested{ScrapeID: sec, URL: url, Reason: reason}
		ctx := telemetry.WithCorrelationID(context.Background(), corr)
		env, body, err := Encode(ctx, p, opts...)
		ref := MustNew(ctx, p, opts...)
		ref.ID = env.ID
		want, werr := json.Marshal(ref)
		if werr != nil {
			require.Error(t, err)
			return
		}
		require.NoError(t, err)
		require.Equal(t, string(want), string(body))
	})
}

// BenchmarkEnvelopeEncode compares building and encoding a scrape.requested
// event with New and Marshal (the payload encoded twice) and with Encode.
func BenchmarkEnvelopeEncode(b *testing.B) {
	ctx := telemetry.WithCorrelationID(context.Background(), "0b6a1f9e-3c2d-4e5f-8a7b-9c0d1e2f3a4b")
	p := ScrapeRequested{ScrapeID: 123456, URL: "https://www.shop-example.com/products/12345", Reason: "user"}
	b.Run("New+Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			env, err := New(ctx, p)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := env.Marshal(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := Encode(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
