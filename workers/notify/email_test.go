package notify

import (
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// parsedMail is a raw message decoded the way a mail client would.
type parsedMail struct {
	Header mail.Header
	Subj   string
	Text   string
	HTML   string
}

func parseRaw(t *testing.T, raw string) parsedMail {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	require.NoError(t, err)
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	require.NoError(t, err)
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	require.NoError(t, err)
	p := parsedMail{Header: m.Header, Subj: subj}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		b, err := io.ReadAll(part)
		require.NoError(t, err)
		if strings.HasPrefix(part.Header.Get("Content-Type"), "text/html") {
			p.HTML = string(b)
		} else {
			p.Text = string(b)
		}
	}
	return p
}

func TestTargetAlertEmail(t *testing.T) {
	t.Parallel()
	f := setup(t)
	pid := f.product("에어팟 프로")
	wid := f.watch(pid, RuleTarget, ptr(250000), true, false)

	ev := priceChanged(pid, "에어팟 프로", 289000, 249000)
	f.handle(ev)
	f.handle(ev) // the same event delivered twice

	sent := f.sentTo(f.email)
	require.Len(t, sent, 1)
	m := parseRaw(t, sent[0].Raw)
	require.Equal(t, "[똑소] 에어팟 프로 가격이 249,000원으로 내렸어요", m.Subj)
	token := SignUnsubscribe("test-secret", wid, f.userID)
	require.Equal(t, "<http://localhost:8080/api/v1/unsubscribe?token="+token+">", m.Header.Get("List-Unsubscribe"))
	require.Equal(t, "List-Unsubscribe=One-Click", m.Header.Get("List-Unsubscribe-Post"))
	require.Contains(t, m.Text, "289,000원 → 249,000원 (-13%)")
	require.Contains(t, m.Text, "http://localhost:3000/products/")
	require.Contains(t, m.HTML, `<img src="https://img.example.com/p.jpg"`)
	require.Contains(t, m.HTML, "<s>289,000원</s> → <strong>249,000원</strong>")
	require.Equal(t, []string{StatusSent}, f.statuses(ChannelEmail))

	var provider string
	require.NoError(t, f.db.QueryRow(`SELECT provider_message_id FROM notifications WHERE user_id = ?`, f.userID).Scan(&provider))
	require.Equal(t, sent[0].ID, provider, "provider message id recorded")
}

func TestTargetHysteresis(t *testing.T) {
	t.Parallel()
	f := setup(t)
	pid := f.product("wobble")
	f.watch(pid, RuleTarget, ptr(10000), true, false)

	// Wobble around the target (band 2% → re-arm above 10,200) for 10 events.
	prices := []int64{10500, 9900, 10100, 9950, 10150, 9800, 10050, 9900, 10180, 9850, 10100}
	for i := 1; i < len(prices); i++ {
		f.handle(priceChanged(pid, "wobble", prices[i-1], prices[i]))
	}
	require.Len(t, f.sentTo(f.email), 1, "one alert until re-armed")

	f.handle(priceChanged(pid, "wobble", 10100, 10300)) // above the band: re-arm
	require.Len(t, f.sentTo(f.email), 1)
	f.handle(priceChanged(pid, "wobble", 10300, 9700))
	sent := f.sentTo(f.email)
	require.Len(t, sent, 2)
	require.Equal(t, "[똑소] wobble 가격이 9,700원으로 내렸어요", parseRaw(t, sent[1].Raw).Subj)
}
