package emulator

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSendEventFromRawMessage(t *testing.T) {
	t.Parallel()
	raw := "From: ddokso <alerts@ddokso.test>\r\nTo: u@example.com\r\nX-SES-MESSAGE-TAGS: ddokso-notification=42, campaign=drop\r\nSubject: hi\r\n\r\nbody\r\n"
	at := time.Date(2026, 11, 29, 1, 2, 3, 4_000_000, time.UTC)
	b, err := sendEvent(MotoRaw{ID: "m-1", Source: "alerts@ddokso.test", Destinations: []string{"u@example.com"}, RawData: raw}, nil, at)
	require.NoError(t, err)
	var ev struct {
		EventType string `json:"eventType"`
		Mail      struct {
			Timestamp   time.Time           `json:"timestamp"`
			MessageID   string              `json:"messageId"`
			Source      string              `json:"source"`
			Destination []string            `json:"destination"`
			Headers     []sesHeader         `json:"headers"`
			Tags        map[string][]string `json:"tags"`
		} `json:"mail"`
		Send *struct{} `json:"send"`
	}
	require.NoError(t, json.Unmarshal(b, &ev))
	require.Equal(t, "Send", ev.EventType)
	require.NotNil(t, ev.Send)
	require.Equal(t, "m-1", ev.Mail.MessageID)
	require.Equal(t, at, ev.Mail.Timestamp)
	require.Equal(t, []string{"u@example.com"}, ev.Mail.Destination)
	require.Equal(t, map[string][]string{"ddokso-notification": {"42"}, "campaign": {"drop"}, "ses:from-domain": {"ddokso.test"}}, ev.Mail.Tags)
	for _, h := range ev.Mail.Headers {
		require.NotEqual(t, "X-Ses-Message-Tags", h.Name, "SES removes the tags header")
	}
	require.Len(t, ev.Mail.Headers, 3)

	// With the call's EmailTags known, the event carries those alone, as
	// SES does when a message has both.
	b, err = sendEvent(MotoRaw{ID: "m-1", Source: "alerts@ddokso.test", Destinations: []string{"u@example.com"}, RawData: raw},
		map[string][]string{"ddokso-notification": {"43"}}, at)
	require.NoError(t, err)
	ev.Mail.Tags = nil
	require.NoError(t, json.Unmarshal(b, &ev))
	require.Equal(t, map[string][]string{"ddokso-notification": {"43"}, "ses:from-domain": {"ddokso.test"}}, ev.Mail.Tags)

	_, err = sendEvent(MotoRaw{ID: "m-2", RawData: "not a message"}, nil, at)
	require.Error(t, err)
}
