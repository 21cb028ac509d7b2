package price

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by ParseDecimal, wrapped with the offending input.
var (
	// ErrSyntax means the text is not a plain decimal number.
	ErrSyntax = errors.New("invalid decimal number")
	// ErrRange means the amount does not fit int64 minor units.
	ErrRange = errors.New("amount out of range")
	// ErrPrecision means the number has non-zero digits below the currency's
	// minor unit (e.g. "12.5" KRW).
	ErrPrecision = errors.New("more fraction digits than the currency allows")
	// ErrNegative means the number is negative; prices never are.
	ErrNegative = errors.New("negative amount")
	// ErrCurrency means the currency is not an ISO 4217 code.
	ErrCurrency = errors.New("unknown currency code")
)

// ParseDecimal parses a plain machine number such as "12900", "2879.2",
// "2879.20", ".5" or "1.5E3" in the given ISO 4217 currency (as found in
// JSON-LD offers and meta tags) exactly, without float rounding. Surrounding
// ASCII blanks and a leading '+' are allowed; grouping separators are not.
// currency may be "" (Currency stays "" and exponent 2 applies) and is
// otherwise normalized to upper case.
func ParseDecimal(s, currency string) (Amount, error) {
	cur := ""
	if c := trimASCIISpace(currency); c != "" {
		if cur = normalizeCode(c); cur == "" {
			return Amount{}, fmt.Errorf("parse decimal %q: currency %q: %w", s, currency, ErrCurrency)
		}
	}
	d, err := parseDec(trimASCIISpace(s))
	if err != nil {
		return Amount{}, fmt.Errorf("parse decimal %q: %w", s, err)
	}
	// parseDec strips trailing fraction zeros, so any remaining fraction
	// digit beyond the exponent is non-zero.
	if d.scale > Exponent(cur) {
		return Amount{}, fmt.Errorf("parse decimal %q in %s: %w", s, exponentName(cur), ErrPrecision)
	}
	minor, ok := d.minor(Exponent(cur))
	if !ok {
		return Amount{}, fmt.Errorf("parse decimal %q: %w", s, ErrRange)
	}
	return Amount{Minor: minor, Currency: cur}, nil
}

func exponentName(cur string) string {
	if cur == "" {
		return "unknown currency"
	}
	return cur
}

// maxExp bounds the scientific exponent so "1e999999999" cannot loop or
// overflow int.
const maxExp = 40

// parseDec parses [+]digits[.digits][(e|E)[+-]digits] into an exact decimal.
func parseDec(s string) (dec, error) {
	if strings.HasPrefix(s, "-") {
		return dec{}, ErrNegative
	}
	s = strings.TrimPrefix(s, "+")
	var (
		d       dec
		digits  int
		seenDot bool
		i       int
	)
	for ; i < len(s); i++ {
		b := s[i]
		if isDigit(b) {
			digits++
			if d.mant == 0 && b == '0' {
				if seenDot {
					d.scale++
				}
				continue
			}
			m, ok := mulOK(d.mant, 10)
			if !ok {
				return dec{}, ErrRange
			}
			if d.mant, ok = addOK(m, int64(b-'0')); !ok {
				return dec{}, ErrRange
			}
			if seenDot {
				d.scale++
			}
			continue
		}
		if b == '.' && !seenDot {
			seenDot = true
			continue
		}
		break
	}
	if digits == 0 {
		return dec{}, ErrSyntax
	}
	if i < len(s) {
		e, err := exponentScale(s[i:])
		if err != nil {
			return dec{}, err
		}
		d.scale += e
	}
	return d.normalize()
}

// exponentScale parses an exponent "(e|E)[+-]digits", clamped at 1000,
// and returns what it adds to a decimal's scale.
func exponentScale(s string) (int, error) {
	if s[0] != 'e' && s[0] != 'E' {
		return 0, ErrSyntax
	}
	i := 1
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if i == len(s) {
		return 0, ErrSyntax
	}
	e := 0
	for ; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, ErrSyntax
		}
		if e = e*10 + int(s[i]-'0'); e > 1000 {
			e = 1000 // clamp; range checks in normalize reject or zero it
		}
	}
	if neg {
		return e, nil
	}
	return -e, nil
}

// normalize strips trailing zeros from d's fraction and turns a negative
// scale into an integer, rejecting results out of range or finer than
// maxExp digits.
func (d dec) normalize() (dec, error) {
	for d.scale > 0 && d.mant != 0 && d.mant%10 == 0 {
		d.mant /= 10
		d.scale--
	}
	if d.mant == 0 {
		return dec{}, nil
	}
	if d.scale < 0 {
		if -d.scale >= len(pow10) {
			return dec{}, ErrRange
		}
		m, ok := mulOK(d.mant, pow10[-d.scale])
		if !ok {
			return dec{}, ErrRange
		}
		d.mant, d.scale = m, 0
	}
	if d.scale > maxExp {
		return dec{}, ErrPrecision
	}
	return d, nil
}
