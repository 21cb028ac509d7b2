package fetch

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/korean"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeBody converts body to UTF-8 and returns it with the name of the
// source encoding. The charset comes from, in order: a byte order mark, the
// Content-Type header, a <meta> declaration, then sniffing. Sniffing looks at
// the whole body (not just the first 1024 bytes): valid UTF-8 stays as is,
// otherwise a body that decodes cleanly as CP949 (a superset of EUC-KR, the
// legacy encoding of Korean shops) is taken as CP949, else windows-1252.
// A declared UTF-8 that is not valid UTF-8 but is clean CP949 is treated as
// CP949 too, a common misconfiguration on older Korean sites; a legacy charset
// named only by a <meta> over a body of valid multi-byte UTF-8 is UTF-8.
//
// Non-text media types without a charset parameter are returned unchanged.
func decodeBody(body []byte, contentType string) ([]byte, string) {
	if len(body) == 0 {
		return body, ""
	}
	mediaType, params, _ := mime.ParseMediaType(contentType)
	if mediaType == "" {
		mediaType, _, _ = mime.ParseMediaType(http.DetectContentType(body))
	}
	if !isTextual(mediaType) && params["charset"] == "" {
		return body, ""
	}

	enc, name, certain := charset.DetermineEncoding(body, contentType)
	switch {
	case name == "utf-8":
		if utf8.Valid(body) {
			return bytes.TrimPrefix(body, utf8BOM), "utf-8"
		}
		if certain && bytes.HasPrefix(body, utf8BOM) {
			break // a BOM is authoritative; decode replacing invalid bytes
		}
		if out, ok := decodeStrict(korean.EUCKR, body); ok {
			return out, "euc-kr"
		}
	case !certain && name != "windows-1252" && utf8.Valid(body) && hasMultibyte(body):
		// A <meta> naming a legacy charset (say euc-kr) over a body that is
		// valid UTF-8 with multi-byte text is wrong: legacy CJK text is
		// practically never valid UTF-8. Saved pages, whose HTTP header is
		// lost, often keep such a stale declaration.
		return bytes.TrimPrefix(body, utf8BOM), "utf-8"
	case name == "windows-1252" && !certain:
		// No (or a probably wrong latin-1) declaration: sniff the whole body.
		if utf8.Valid(body) {
			return bytes.TrimPrefix(body, utf8BOM), "utf-8"
		}
		if out, ok := decodeStrict(korean.EUCKR, body); ok {
			return out, "euc-kr"
		}
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body, ""
	}
	return bytes.TrimPrefix(out, utf8BOM), name
}

// decodeStrict decodes body with e and reports whether it did so without any
// invalid or unmapped sequence.
func decodeStrict(e encoding.Encoding, body []byte) ([]byte, bool) {
	out, err := e.NewDecoder().Bytes(body)
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
		return nil, false
	}
	return out, true
}

// hasMultibyte reports whether body has a byte outside ASCII.
func hasMultibyte(body []byte) bool {
	for _, b := range body {
		if b >= 0x80 {
			return true
		}
	}
	return false
}

// isTextual reports whether a media type carries text that should be
// decoded.
func isTextual(mediaType string) bool {
	switch {
	case strings.HasPrefix(mediaType, "text/"),
		mediaType == "application/xhtml+xml",
		mediaType == "application/xml",
		strings.HasSuffix(mediaType, "+xml"):
		return true
	}
	return false
}
