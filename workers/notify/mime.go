package notify

import (
	"bytes"
	"fmt"
	"maps"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"
)

// Email is one message to send.
type Email struct {
	// From is the sender, display name allowed ("ddokso <alerts@x>").
	From string
	// To is the recipient address.
	To      string
	Subject string
	// Text and HTML are the two alternative bodies.
	Text string
	HTML string
	// Headers are extra headers, e.g. List-Unsubscribe.
	Headers map[string]string
	// Tags are SES message tags. The SES mailer sends them as SendEmail's
	// EmailTags (what SES v2 documents; SES publishes them in the
	// mail.tags of every event of the message), and BuildMIME also writes
	// them as the X-SES-MESSAGE-TAGS header, the form SendRawEmail and SMTP
	// read, so the message keeps its tags on any raw path. SES accepts only
	// ASCII letters, digits, '_' and '-' in names and values (at most 256
	// characters): other characters become '_' (SESTag).
	Tags map[string]string
}

// tagsHeader renders tags, made SES-safe by SESTag, as an
// X-SES-MESSAGE-TAGS value.
func tagsHeader(tags map[string]string) (string, error) {
	safe, err := sesTags(tags)
	if err != nil {
		return "", err
	}
	parts := make([]string, 0, len(safe))
	for _, k := range slices.Sorted(maps.Keys(safe)) {
		parts = append(parts, k+"="+safe[k])
	}
	return strings.Join(parts, ", "), nil
}

// BuildMIME renders e as an RFC 5322 message: multipart/alternative with a
// quoted-printable UTF-8 text and HTML part and an RFC 2047 encoded subject.
// e.Tags become the X-SES-MESSAGE-TAGS header.
func BuildMIME(e Email, now time.Time) ([]byte, error) {
	from, err := mail.ParseAddress(e.From)
	if err != nil {
		return nil, fmt.Errorf("parse sender %q: %w", e.From, err)
	}
	to, err := mail.ParseAddress(e.To)
	if err != nil {
		return nil, fmt.Errorf("parse recipient %q: %w", e.To, err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	hdr := func(k, v string) {
		if strings.ContainsAny(v, "\r\n") {
			v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
		}
		fmt.Fprintf(&buf, "%s: %s\r\n", k, v)
	}
	hdr("From", from.String())
	hdr("To", to.String())
	hdr("Subject", mime.BEncoding.Encode("UTF-8", e.Subject))
	hdr("Date", now.Format(time.RFC1123Z))
	hdr("MIME-Version", "1.0")
	for _, k := range slices.Sorted(maps.Keys(e.Headers)) {
		hdr(textproto.CanonicalMIMEHeaderKey(k), e.Headers[k])
	}
	if len(e.Tags) > 0 {
		v, err := tagsHeader(e.Tags)
		if err != nil {
			return nil, err
		}
		hdr("X-SES-MESSAGE-TAGS", v)
	}
	hdr("Content-Type", "multipart/alternative; boundary=\""+mw.Boundary()+"\"")
	buf.WriteString("\r\n")
	for _, p := range []struct{ typ, body string }{{"text/plain", e.Text}, {"text/html", e.HTML}} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", p.typ+"; charset=UTF-8")
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := mw.CreatePart(h)
		if err != nil {
			return nil, err
		}
		qw := quotedprintable.NewWriter(pw)
		if _, err := qw.Write([]byte(p.body)); err != nil {
			return nil, err
		}
		if err := qw.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
