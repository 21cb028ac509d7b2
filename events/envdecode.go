package events

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeEnvelopeFast is DecodeEnvelope's fast path: a decoder over the
// envelope's fixed fields that handles only the plain form Envelope.Marshal
// writes (a JSON object whose keys are the exact field names or unrelated
// ASCII names, strings without escapes, a decimal version, an RFC 3339
// occurred_at, any valid JSON payload). It reports ok == false for
// anything else, valid or not, and the caller then decodes with
// encoding/json, so every body it declines gets encoding/json's result and
// error, and every body it accepts is one encoding/json accepts with the
// same result. FuzzDecodeEnvelope checks both against encoding/json.
//
// It allocates the envelope's strings as substrings of one copy of the
// body, and the payload as its own copy (so neither aliases body).
func decodeEnvelopeFast(body []byte) (env Envelope, ok bool) {
	d := envScanner{b: body}
	d.ws()
	if !d.eat('{') {
		return Envelope{}, false
	}
	var s string // one copy of body, the strings' backing, made on first use
	str := func(lo, hi int) string {
		if s == "" {
			s = string(body)
		}
		return s[lo:hi]
	}
	d.ws()
	if !d.eat('}') {
		for {
			klo, khi, kok := d.plainString()
			if !kok {
				return Envelope{}, false
			}
			d.ws()
			if !d.eat(':') {
				return Envelope{}, false
			}
			d.ws()
			switch f := envField(body[klo:khi]); f {
			case fieldID, fieldType, fieldCorrelationID, fieldDedupKey:
				lo, hi, vok := d.plainString()
				if !vok {
					return Envelope{}, false
				}
				v := str(lo, hi)
				switch f {
				case fieldID:
					env.ID = v
				case fieldType:
					env.Type = v
				case fieldCorrelationID:
					env.CorrelationID = v
				default:
					env.DedupKey = v
				}
			case fieldVersion:
				v, vok := d.decimal()
				if !vok {
					return Envelope{}, false
				}
				env.Version = v
			case fieldOccurredAt:
				// encoding/json hands the quoted literal, escapes and all,
				// to time.Time's UnmarshalJSON: so does this.
				lo := d.i
				if _, _, vok := d.plainString(); !vok {
					return Envelope{}, false
				}
				if err := env.OccurredAt.UnmarshalJSON(body[lo:d.i]); err != nil {
					return Envelope{}, false
				}
			case fieldPayload:
				lo, hi, vok := d.value()
				if !vok {
					return Envelope{}, false
				}
				env.Payload = append(json.RawMessage(nil), body[lo:hi]...)
			case fieldOther:
				if _, _, vok := d.value(); !vok {
					return Envelope{}, false
				}
			default: // a key encoding/json would match only case-insensitively, or not plain ASCII
				return Envelope{}, false
			}
			d.ws()
			if d.eat('}') {
				break
			}
			if !d.eat(',') {
				return Envelope{}, false
			}
			d.ws()
		}
	}
	d.ws()
	if d.i != len(body) {
		return Envelope{}, false
	}
	return env, true
}

// envelope fields as decodeEnvelopeFast tells keys apart.
const (
	fieldUnsure = iota // fall back to encoding/json
	fieldOther         // no field's name, even ignoring case: ignored
	fieldID
	fieldType
	fieldVersion
	fieldOccurredAt
	fieldCorrelationID
	fieldDedupKey
	fieldPayload
)

var envFieldNames = [...]struct {
	name  string
	field int
}{
	{"id", fieldID}, {"type", fieldType}, {"version", fieldVersion}, {"occurred_at", fieldOccurredAt},
	{"correlation_id", fieldCorrelationID}, {"dedup_key", fieldDedupKey}, {"payload", fieldPayload},
}

// envField classifies a key (its raw bytes, known to hold no escapes).
// encoding/json prefers an exact match and otherwise folds case (with
// Unicode folding for non-ASCII keys): only exact matches and keys that
// match no field even ASCII-case-insensitively are decided here.
func envField(key []byte) int {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return fieldUnsure
		}
	}
	for _, f := range envFieldNames {
		if string(key) == f.name {
			return f.field
		}
	}
	for _, f := range envFieldNames {
		if asciiEqualFold(key, f.name) {
			return fieldUnsure
		}
	}
	return fieldOther
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// envScanner walks a body for decodeEnvelopeFast.
type envScanner struct {
	b []byte
	i int
}

func (d *envScanner) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *envScanner) eat(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// plainString reads a string that encoding/json would decode to its own
// bytes: no escapes, no control characters, valid UTF-8. It returns the
// bounds of its contents, without the quotes.
func (d *envScanner) plainString() (lo, hi int, ok bool) {
	if !d.eat('"') {
		return 0, 0, false
	}
	lo = d.i
	ascii := true
	for ; d.i < len(d.b); d.i++ {
		c := d.b[d.i]
		switch {
		case c == '"':
			hi = d.i
			d.i++
			if !ascii && !utf8.Valid(d.b[lo:hi]) {
				return 0, 0, false
			}
			return lo, hi, true
		case c == '\\' || c < 0x20:
			return 0, 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return 0, 0, false
}

// decimal reads an integer without sign, fraction or exponent other than a
// plain JSON one (0 or a non-zero digit then digits, optionally negative),
// of at most 18 digits so that it cannot overflow.
func (d *envScanner) decimal() (int, bool) {
	lo := d.i
	d.eat('-')
	start := d.i
	for d.i < len(d.b) && '0' <= d.b[d.i] && d.b[d.i] <= '9' {
		d.i++
	}
	n := d.i - start
	if n == 0 || n > 18 || (n > 1 && d.b[start] == '0') {
		return 0, false
	}
	if d.i < len(d.b) {
		switch d.b[d.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	v, err := strconv.Atoi(string(d.b[lo:d.i]))
	if err != nil {
		return 0, false
	}
	return v, true
}

// value finds the end of the JSON value at d.i, by brackets and quotes, and
// accepts it if json.Valid does: then encoding/json, which checks the whole
// body with the same scanner, reads the same value there.
func (d *envScanner) value() (lo, hi int, ok bool) {
	lo = d.i
	depth := 0
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch c {
		case '"':
			d.i++
			for d.i < len(d.b) && d.b[d.i] != '"' {
				if d.b[d.i] == '\\' {
					d.i++
				}
				d.i++
			}
			if d.i >= len(d.b) {
				return 0, 0, false
			}
			d.i++
		case '{', '[':
			depth++
			d.i++
		case '}', ']':
			if depth == 0 {
				goto end
			}
			depth--
			d.i++
		case ',', ' ', '\t', '\n', '\r', ':':
			if depth == 0 {
				goto end
			}
			d.i++
		default:
			d.i++
		}
		if depth == 0 && (c == '"' || c == '}' || c == ']') {
			goto end
		}
	}
end:
	hi = d.i
	if hi == lo || !json.Valid(d.b[lo:hi]) {
		return 0, 0, false
	}
	return lo, hi, true
}
