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
	// Tags are SES message tags. They travel in the X-SES-MESSAGE-TAGS
	// header, which SES reads and removes before delivery, and come back
	// in the mail.tags of every event SES publishes for the message.
	// Names and values may hold only ASCII letters, digits, '_', '-', '.'
	// and '@' (SES's rule).
	Tags map[string]string
}

// tagsHeader renders tags as an X-SES-MESSAGE-TAGS value.
func tagsHeader(tags map[string]string) (string, error) {
	parts := make([]string, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if !validTag(k) || !validTag(tags[k]) {
			return "", fmt.Errorf("SES message tag %q=%q: only letters, digits, _ - . @ allowed", k, tags[k])
		}
		parts = append(parts, k+"="+tags[k])
	}
	return strings.Join(parts, ", "), nil
}

func validTag(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.', r == '@':
		default:
			return false
		}
	}
	return true
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
