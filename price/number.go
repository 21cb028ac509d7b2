package price

import (
	"math"
	"unicode/utf8"
)

// dec is an exact decimal mant / 10^scale with mant >= 0.
type dec struct {
	mant  int64
	scale int
}

var pow10 = [...]int64{
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
	10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000,
	1000000000000000, 10000000000000000, 100000000000000000, 1000000000000000000,
}

func mulOK(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	if a > math.MaxInt64/b {
		return 0, false
	}
	return a * b, true
}

func addOK(a, b int64) (int64, bool) {
	if a > math.MaxInt64-b {
		return 0, false
	}
	return a + b, true
}

// minor converts d to integer minor units with exponent exp, failing on
// overflow or when d has non-zero digits below the minor unit.
func (d dec) minor(exp int) (int64, bool) {
	switch {
	case d.scale == exp:
		return d.mant, true
	case d.scale < exp:
		if exp-d.scale >= len(pow10) {
			return 0, d.mant == 0
		}
		return mulOK(d.mant, pow10[exp-d.scale])
	default:
		if d.scale-exp >= len(pow10) {
			return 0, d.mant == 0
		}
		p := pow10[d.scale-exp]
		if d.mant%p != 0 {
			return 0, false
		}
		return d.mant / p, true
	}
}

// times multiplies d by an integer unit (10000 for 만) and requires an
// integer result.
func (d dec) times(unit int64) (int64, bool) {
	v, ok := mulOK(d.mant, unit)
	if !ok {
		return 0, false
	}
	if d.scale >= len(pow10) {
		return 0, v == 0
	}
	p := pow10[d.scale]
	if v%p != 0 {
		return 0, false
	}
	return v / p, true
}

// groupSpace reports whether r may separate digit groups when followed by
// exactly three digits ("1 234,56", "1'234.50").
func groupSpace(r rune) bool {
	return r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009' || r == '\'' || r == '’'
}

// chunk is the extent of one written number s[start:end] plus the facts
// needed to decide which separator is the decimal point.
type chunk struct {
	start, end int
	nDot       int
	nComma     int
	last       byte // last of '.' or ',' seen, 0 if none
	after      int  // digits after the last '.'/',' separator
	firstZero  bool // the integer group before that separator is exactly "0" (or empty: ".5")
	spaced     bool // the last separator is a decimal point followed by a blank ("12. 50")
}

// threeDigitsAt reports whether s[i:] is exactly three digits followed by a
// non-digit or the end of s.
func threeDigitsAt(s string, i int) bool {
	return i+3 <= len(s) && isDigit(s[i]) && isDigit(s[i+1]) && isDigit(s[i+2]) &&
		(i+3 == len(s) || !isDigit(s[i+3]))
}

// twoDigitsAt reports whether s[i:] is exactly two digits followed by a
// non-digit or the end of s.
func twoDigitsAt(s string, i int) bool {
	return i+2 <= len(s) && isDigit(s[i]) && isDigit(s[i+1]) && (i+2 == len(s) || !isDigit(s[i+2]))
}

// scanChunk reads the number starting at the digit s[i].
//
// s[i] may also be a '.' or ',' directly followed by a digit: a number
// written without its integer part (".5 €" is 0.50 EUR).
//
// Complexity (above 20): one byte scanner; whether a separator or blank
// continues the number depends on the digit run and separators seen so far
// in the same pass.
func scanChunk(s string, i int) chunk {
	c := chunk{start: i}
	run := 0        // length of the current digit run
	groupStart := i // start of the current digit run
	spaceGrouped := false
	for i < len(s) {
		b := s[i]
		if isDigit(b) {
			run++
			i++
			continue
		}
		if (b == '.' || b == ',') && i+1 < len(s) && isDigit(s[i+1]) {
			if b == '.' {
				c.nDot++
			} else {
				c.nComma++
			}
			c.last = b
			c.firstZero = (run == 0 || (run == 1 && s[groupStart] == '0')) && c.nDot+c.nComma == 1
			run = 0
			i++
			groupStart = i
			continue
		}
		if (b == '.' || b == ',') && run > 0 {
			// A decimal point followed by a blank and exactly two digits:
			// "12. 50", "1,234. 56", "1.234, 56 €". A comma only counts
			// after a thousands separator, since "12, 50" is more often a
			// list than a price.
			if r, n := utf8.DecodeRuneInString(s[i+1:]); i+1 < len(s) && spaceRune(r) && twoDigitsAt(s, i+1+n) &&
				(b == '.' || c.nDot > 0 || spaceGrouped) {
				if b == '.' {
					c.nDot++
				} else {
					c.nComma++
				}
				c.last, c.spaced = b, true
				i += 1 + n + 2
				break
			}
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if groupSpace(r) && run <= 3 && threeDigitsAt(s, i+n) {
			run = 0
			i += n
			groupStart = i
			spaceGrouped = true
			continue
		}
		break
	}
	c.end = i
	if c.last != 0 {
		// Count digits after the last '.'/',' up to the end.
		k := c.end
		for k > c.start && s[k-1] != c.last {
			k--
		}
		for j := k; j < c.end; j++ {
			if isDigit(s[j]) {
				c.after++
			}
		}
	}
	return c
}

// decimalSep decides which byte acts as decimal point for a currency with
// minor-unit exponent exp; 0 means the number has no fraction.
func (c chunk) decimalSep(exp int) byte {
	switch {
	case c.spaced:
		return c.last
	case c.nDot > 0 && c.nComma > 0:
		return c.last
	case c.nDot+c.nComma == 0:
		return 0
	case c.nDot+c.nComma > 1:
		return 0 // "1.234.567" or "1,234,567": grouping only
	case c.after == 3 && exp != 3 && !c.firstZero:
		return 0 // "12,900" / "12.900 ₫": a thousands separator
	default:
		return c.last
	}
}

// value interprets s[c.start:c.end] with the given decimal separator,
// validating digit grouping (interior groups of 2 or 3 digits, the group
// before the decimal point or end of 3 digits).
//
// Complexity (above 20): accumulating the digits and checking the grouping
// share one pass, since a group's validity depends on where the decimal
// separator fell.
func (c chunk) value(s string, decSep byte) (dec, bool) {
	if c.start < c.end && !isDigit(s[c.start]) && s[c.start] != decSep {
		return dec{}, false // ".123.456" is no number
	}
	var d dec
	seenDec := false
	grouped := false
	group := 0
	for i := c.start; i < c.end; {
		b := s[i]
		switch {
		case isDigit(b):
			m, ok := mulOK(d.mant, 10)
			if !ok {
				return dec{}, false
			}
			if d.mant, ok = addOK(m, int64(b-'0')); !ok {
				return dec{}, false
			}
			if seenDec {
				d.scale++
			}
			group++
			i++
			continue
		case decSep != 0 && b == decSep:
			if seenDec || (grouped && group != 3) || (i == c.start && !c.firstZero) {
				return dec{}, false
			}
			seenDec = true
			i++
			if c.spaced && i < c.end && !isDigit(s[i]) {
				_, n := utf8.DecodeRuneInString(s[i:])
				i += n
			}
			continue
		}
		// A grouping separator.
		if seenDec || (grouped && group != 3 && group != 2) {
			return dec{}, false
		}
		grouped = true
		group = 0
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	if !seenDec && grouped && group != 3 {
		return dec{}, false
	}
	return d, true
}
