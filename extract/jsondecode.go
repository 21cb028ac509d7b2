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
	return decodeAllSkipping(b, nil)
}

// errJSON is decodeAll's error: b is not a sequence of JSON values.
var errJSON = errors.New("extract: invalid JSON")

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

// decodeAllSkipping is decodeAll without the values of the object members
// for which skip(depth, key) is true (depth 1 for the members of a
// top-level object): they are checked as decodeAll checks them, so the
// error is the same, but neither decoded nor kept. A nil skip skips
// nothing.
func decodeAllSkipping(b []byte, skip func(depth int, key string) bool) ([]any, error) {
	d := jsonDecoder{b: b, skip: skip}
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

// jsonDecoder reads JSON values from b at i; members for which skip is
// true are skipped.
type jsonDecoder struct {
	b    []byte
	i    int
	skip func(depth int, key string) bool
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
		if d.skip != nil && d.skip(depth, k) {
			if err := d.skipValue(depth); err != nil {
				return nil, err
			}
		} else {
			v, err := d.value(depth)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		if more, err := d.next('}'); err != nil || !more {
			return m, err
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
		if more, err := d.next(']'); err != nil || !more {
			return a, err
		}
	}
}

// skipValue moves d.i past one value at depth containers deep, checking
// it as value does.
func (d *jsonDecoder) skipValue(depth int) error {
	if d.i >= len(d.b) {
		return errJSON
	}
	switch c := d.b[d.i]; {
	case c == '{' || c == '[':
		return d.skipContainer(depth + 1)
	case c == '"':
		end, _, _, err := d.scanString()
		d.i = end + 1
		return err
	case c == '-' || c >= '0' && c <= '9':
		return d.skipNumber()
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	}
	return errJSON
}

// skipContainer moves d.i past the object or array at d.i.
func (d *jsonDecoder) skipContainer(depth int) error {
	if depth > maxJSONDepth {
		return errJSON
	}
	obj := d.b[d.i] == '{'
	closer := byte(']')
	if obj {
		closer = '}'
	}
	d.i++
	d.space()
	if d.i < len(d.b) && d.b[d.i] == closer {
		d.i++
		return nil
	}
	for {
		if obj {
			if d.i >= len(d.b) || d.b[d.i] != '"' {
				return errJSON
			}
			end, _, _, err := d.scanString()
			if err != nil {
				return err
			}
			d.i = end + 1
			d.space()
			if d.i >= len(d.b) || d.b[d.i] != ':' {
				return errJSON
			}
			d.i++
			d.space()
		}
		if err := d.skipValue(depth); err != nil {
			return err
		}
		if more, err := d.next(closer); err != nil || !more {
			return err
		}
	}
}

// next reads what follows a member or an element: a comma (more to
// come, reported true) or closer (the object or array ends).
func (d *jsonDecoder) next(closer byte) (bool, error) {
	d.space()
	if d.i >= len(d.b) {
		return false, errJSON
	}
	switch d.b[d.i] {
	case ',':
		d.i++
		d.space()
		return true, nil
	case closer:
		d.i++
		return false, nil
	default:
		return false, errJSON
	}
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? as a
// json.Number of its text.
func (d *jsonDecoder) number() (any, error) {
	start := d.i
	if err := d.skipNumber(); err != nil {
		return nil, err
	}
	return json.Number(d.b[start:d.i]), nil
}

// skipNumber moves d.i past the number at d.i.
func (d *jsonDecoder) skipNumber() error {
	b, i := d.b, d.i
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return errJSON
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return errJSON
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
			return errJSON
		}
		i = j
	}
	d.i = i
	return nil
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
	start := d.i + 1
	end, escaped, high, err := d.scanString()
	if err != nil {
		return "", err
	}
	d.i = end + 1
	s := d.b[start:end]
	if !escaped && (!high || utf8.Valid(s)) {
		return string(s), nil
	}
	return unquote(s), nil
}

// scanString checks the string literal at d.i (a '"') and returns the
// index of its closing quote, whether it has an escape and whether it has
// a byte of 0x80 or above. It goes from quote to quote and escape to
// escape with IndexByte and checks the runs between them eight bytes at a
// time.
func (d *jsonDecoder) scanString() (end int, escaped, high bool, err error) {
	b := d.b
	i := d.i + 1
next:
	for {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return 0, false, false, errJSON
		}
		q += i
		for {
			k := bytes.IndexByte(b[i:q], '\\')
			if k < 0 {
				break
			}
			k += i
			ctl, hi := byteClasses(b[i:k])
			if ctl {
				return 0, false, false, errJSON
			}
			high = high || hi
			escaped = true
			i = k + 1 // the escaped byte; i <= q < len(b)
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+4 >= len(b) || hex4(b[i+1:i+5]) < 0 {
					return 0, false, false, errJSON
				}
				i += 5
			default:
				return 0, false, false, errJSON
			}
			if i > q {
				continue next // the quote at q was escaped
			}
		}
		ctl, hi := byteClasses(b[i:q])
		if ctl {
			return 0, false, false, errJSON
		}
		return q, escaped, high || hi, nil
	}
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
