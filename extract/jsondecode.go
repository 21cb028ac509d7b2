package extract

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeAll decodes the JSON values in b one after another into the
// shapes encoding/json gives an `any` with UseNumber (map[string]any,
// []any, json.Number, string, bool, nil) and returns them with the first
// error, exactly as a json.Decoder loop does (FuzzDecodeAll checks that on
// every input). It reads each value in one pass; the Decoder scans a value
// twice (once to find its end, once to decode it), which on a store
// front's state object was most of an extraction's time beyond the parse.
func decodeAll(b []byte) ([]any, error) {
	d := jsonDecoder{b: b}
	var out []any
	for {
		d.space()
		if d.i == len(d.b) {
			return out, nil
		}
		v, err := d.value(0)
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
}

// errJSON is decodeAll's error: b is not a sequence of JSON values.
var errJSON = errors.New("extract: invalid JSON")

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

// jsonDecoder reads JSON values from b at i.
type jsonDecoder struct {
	b []byte
	i int
}

func (d *jsonDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\r', '\n':
			d.i++
		default:
			return
		}
	}
}

// value reads one value at depth containers deep.
func (d *jsonDecoder) value(depth int) (any, error) {
	if d.i >= len(d.b) {
		return nil, errJSON
	}
	switch c := d.b[d.i]; {
	case c == '{':
		return d.object(depth + 1)
	case c == '[':
		return d.array(depth + 1)
	case c == '"':
		return d.string()
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, errJSON
}

func (d *jsonDecoder) literal(word string) error {
	if len(d.b)-d.i < len(word) || string(d.b[d.i:d.i+len(word)]) != word {
		return errJSON
	}
	d.i += len(word)
	return nil
}

func (d *jsonDecoder) object(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, errJSON
	}
	d.i++ // {
	m := make(map[string]any)
	d.space()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return m, nil
	}
	for {
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, errJSON
		}
		k, err := d.string()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, errJSON
		}
		d.i++
		d.space()
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		m[k] = v
		d.space()
		if d.i >= len(d.b) {
			return nil, errJSON
		}
		switch d.b[d.i] {
		case ',':
			d.i++
			d.space()
		case '}':
			d.i++
			return m, nil
		default:
			return nil, errJSON
		}
	}
}

func (d *jsonDecoder) array(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, errJSON
	}
	d.i++ // [
	a := make([]any, 0)
	d.space()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return a, nil
	}
	for {
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		d.space()
		if d.i >= len(d.b) {
			return nil, errJSON
		}
		switch d.b[d.i] {
		case ',':
			d.i++
			d.space()
		case ']':
			d.i++
			return a, nil
		default:
			return nil, errJSON
		}
	}
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? as a
// json.Number of its text.
func (d *jsonDecoder) number() (any, error) {
	b, start := d.b, d.i
	i := d.i
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return nil, errJSON
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return nil, errJSON
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return nil, errJSON
		}
		i = j
	}
	d.i = i
	return json.Number(b[start:i]), nil
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// string reads a string literal at d.i (a '"'): the escapes JSON allows,
// no control characters; invalid UTF-8 and unpaired surrogates become
// U+FFFD, as encoding/json decodes them.
func (d *jsonDecoder) string() (string, error) {
	b := d.b
	start := d.i + 1
	// Most strings have no escape: up to the next quote, checked eight
	// bytes at a time.
	if q := bytes.IndexByte(b[start:], '"'); q >= 0 {
		s := b[start : start+q]
		if bytes.IndexByte(s, '\\') < 0 {
			ctl, high := byteClasses(s)
			if ctl {
				return "", errJSON
			}
			d.i = start + q + 1
			if !high || utf8.Valid(s) {
				return string(s), nil
			}
			return unquote(s), nil
		}
	}
	ascii, escaped := true, false
	i := start
	for ; ; i++ {
		if i >= len(b) {
			return "", errJSON
		}
		c := b[i]
		if c == '"' {
			break
		}
		if c < 0x20 {
			return "", errJSON
		}
		if c >= utf8.RuneSelf {
			ascii = false
			continue
		}
		if c != '\\' {
			continue
		}
		escaped = true
		i++
		if i >= len(b) {
			return "", errJSON
		}
		switch b[i] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		case 'u':
			if i+4 >= len(b) || hex4(b[i+1:i+5]) < 0 {
				return "", errJSON
			}
			i += 4
		default:
			return "", errJSON
		}
	}
	d.i = i + 1
	s := b[start:i]
	if !escaped && (ascii || utf8.Valid(s)) {
		return string(s), nil
	}
	return unquote(s), nil
}

// byteClasses reports whether s has a control byte (below 0x20) and
// whether it has a byte of 0x80 or above.
func byteClasses(s []byte) (ctl, high bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	var acc, hi uint64
	for len(s) >= 8 {
		x := binary.LittleEndian.Uint64(s)
		acc |= (x - 0x20*ones) &^ x & highs // a byte below 0x20
		hi |= x & highs
		s = s[8:]
	}
	for _, c := range s {
		if c < 0x20 {
			acc = 1
		}
		if c >= 0x80 {
			hi = 1
		}
	}
	return acc != 0, hi != 0
}

// hex4 is the value of four hex digits, or -1.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// unquote decodes the body of a checked string literal as encoding/json
// does.
func unquote(s []byte) string {
	out := make([]byte, 0, len(s)+2*utf8.UTFMax)
	for r := 0; r < len(s); {
		if s[r] != '\\' {
			// A run up to the next escape: copied whole when it is valid
			// UTF-8 (a backslash never continues a UTF-8 sequence), else
			// rune by rune with U+FFFD for each invalid byte.
			j := bytes.IndexByte(s[r:], '\\')
			if j < 0 {
				j = len(s) - r
			}
			run := s[r : r+j]
			r += j
			if utf8.Valid(run) {
				out = append(out, run...)
				continue
			}
			for len(run) > 0 {
				rr, size := utf8.DecodeRune(run)
				out = utf8.AppendRune(out, rr)
				run = run[size:]
			}
			continue
		}
		r++ // the escape
		switch s[r] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			rr := hex4(s[r+1:])
			r += 5
			if utf16.IsSurrogate(rr) {
				if r+5 < len(s) && s[r] == '\\' && s[r+1] == 'u' {
					if dec := utf16.DecodeRune(rr, hex4(s[r+2:])); dec != unicode.ReplacementChar {
						out = utf8.AppendRune(out, dec)
						r += 6
						continue
					}
				}
				rr = unicode.ReplacementChar
			}
			out = utf8.AppendRune(out, rr)
			continue
		default: // " \ /
			out = append(out, s[r])
		}
		r++
	}
	return string(out)
}
