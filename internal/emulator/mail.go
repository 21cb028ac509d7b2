package emulator

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// ReadableMail is a sent message decoded for a person: `ddokso dev mail`.
type ReadableMail struct {
	ID          string `json:"id"`
	From        string `json:"from"`
	To          string `json:"to"`
	Subject     string `json:"subject"`
	Unsubscribe string `json:"unsubscribe,omitempty"` // the List-Unsubscribe URL
	Text        string `json:"text"`
}

// DecodeMail decodes a raw MIME message: headers (RFC 2047 words), and the
// text/plain part of a multipart body, transfer encoding undone.
func DecodeMail(id, raw string) (ReadableMail, error) {
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		return ReadableMail{}, fmt.Errorf("mail %s: %w", id, err)
	}
	dec := new(mime.WordDecoder)
	header := func(k string) string {
		v := m.Header.Get(k)
		if d, err := dec.DecodeHeader(v); err == nil {
			return d
		}
		return v
	}
	out := ReadableMail{ID: id, From: header("From"), To: header("To"), Subject: header("Subject"),
		Unsubscribe: strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")}
	text, err := textPart(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
	if err != nil {
		return out, fmt.Errorf("mail %s: %w", id, err)
	}
	out.Text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	return out, nil
}

func textPart(contentType, encoding string, body io.Reader) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return "", nil
			}
			if err != nil {
				return "", err
			}
			s, err := textPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if err != nil || s != "" {
				return s, err
			}
		}
	}
	if mt != "text/plain" {
		return "", nil
	}
	var r io.Reader = body
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		b, err := io.ReadAll(body)
		if err != nil {
			return "", err
		}
		d, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(b), nil)))
		if err != nil {
			return "", err
		}
		return string(d), nil
	}
	b, err := io.ReadAll(r)
	return string(b), err
}
