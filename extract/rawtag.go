package extract

// The tokenizer's TagName and TagAttr copy every name, key and value they
// return; over a large page those copies are a fifth of the scan. For tags
// that need none of the tokenizer's rewriting (NUL bytes, carriage returns,
// character references, upper case) the name and attributes are the raw
// bytes of the token, so the scan reads them from Tokenizer.Raw with the
// same state machine as the tokenizer's readTag (golang.org/x/net/html
// token.go). TestRawTagMatchesTokenizer and FuzzRawTag hold the two equal.

// rawAttr is one attribute of a start tag, as slices of the raw token.
type rawAttr struct {
	key, val []byte
}

func isTagSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'
}

// skipTagSpace returns the offset of the first non-space byte from i.
func skipTagSpace(raw []byte, i int) int {
	for i < len(raw) && isTagSpace(raw[i]) {
		i++
	}
	return i
}

// plainName reports whether b needs no rewriting as a tag name or key.
func plainName(b []byte) bool {
	for _, c := range b {
		if c == 0 || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// plainValue reports whether b needs no rewriting as an attribute value.
func plainValue(b []byte) bool {
	for _, c := range b {
		if c == 0 || c == '\r' || c == '&' {
			return false
		}
	}
	return true
}

// rawTagName returns the name of a start (skip 1) or end (skip 2) tag token
// from its raw bytes, and the offset after it.
func rawTagName(raw []byte, skip int) ([]byte, int) {
	if skip >= len(raw) {
		return nil, len(raw)
	}
	i := skip + 1 // after the name's first byte, a letter
	for i < len(raw) {
		c := raw[i]
		if isTagSpace(c) || c == '/' || c == '>' {
			break
		}
		i++
	}
	return raw[skip:i], i
}

// rawStartTag splits the raw bytes of a start tag token into its name and
// the attributes the tokenizer saves (non-empty keys, first occurrence of
// each), appended to attrs. plain is false when the tokenizer would rewrite
// any of them; the results must then not be used.
func rawStartTag(raw []byte, attrs []rawAttr) (name []byte, out []rawAttr, plain bool) {
	if len(raw) < 3 || raw[0] != '<' {
		return nil, attrs, false
	}
	name, i := rawTagName(raw, 1)
	if !plainName(name) {
		return nil, attrs, false
	}
	n := len(raw)
	if i < n && isTagSpace(raw[i]) {
		i++ // readTagName consumes the white space that ends the name
	}
	i = skipTagSpace(raw, i)
	for i < n {
		if raw[i] == '>' {
			break
		}
		// readTagAttrKey
		ks := i
		for i < n {
			c := raw[i]
			i++
			if c == '=' && ks+1 == i {
				continue // a leading '=' belongs to the name
			}
			if c == '=' || isTagSpace(c) || c == '/' || c == '>' {
				i--
				break
			}
		}
		ke := i
		// readTagAttrVal
		vs, ve := i, i
		i = skipTagSpace(raw, i)
		if i < n {
			c := raw[i]
			i++
			switch {
			case c == '/':
			case c != '=':
				i--
			default:
				i = skipTagSpace(raw, i)
				if i < n {
					q := raw[i]
					i++
					switch q {
					case '>':
						i--
					case '\'', '"':
						vs = i
						for i < n && raw[i] != q {
							i++
						}
						ve = i
						if i < n {
							i++
						}
					default:
						vs = i - 1
						for i < n && !isTagSpace(raw[i]) && raw[i] != '>' {
							i++
						}
						ve = i
						if i < n && raw[i] != '>' {
							i++
						}
					}
				}
			}
		}
		key, val := raw[ks:ke], raw[vs:ve]
		if len(key) > 0 {
			if !plainName(key) || !plainValue(val) {
				return nil, attrs, false
			}
			dup := false
			for _, a := range attrs {
				if string(a.key) == string(key) {
					dup = true
					break
				}
			}
			if !dup {
				attrs = append(attrs, rawAttr{key, val})
			}
		}
		i = skipTagSpace(raw, i)
	}
	return name, attrs, true
}
