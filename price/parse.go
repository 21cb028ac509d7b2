package price

import (
	"unicode"
	"unicode/utf8"
)

// Reading is what Read finds in a price text.
type Reading struct {
	// Amount is the price; zero when Free or when nothing was found.
	Amount Amount
	// Found reports that the text states a price (possibly zero).
	Found bool
	// Free reports that the stated price is zero: "Free", "무료", "0,00",
	// "₩0". A free item is found, not missing.
	Free bool
}

// Parse reads a price from free text such as "₩12,900", "12만 9천원",
// "1.234,56 €", "US$12.99" or "판매가 12,900원". It is Read without the
// free flag: ok is Reading.Found, and a free item is a zero Amount.
func Parse(text, currencyHint string) (Amount, bool) {
	r := Read(text, currencyHint)
	return r.Amount, r.Found
}

// Read reads a price from free text such as "₩12,900", "12만 9천원",
// "1.234,56 €", "US$12.99", "3.250 KD", "RM 12.90", ".5 €" or "Free".
//
// Found is false when the text holds no price: "가격문의", "품절", "무료배송",
// "", a bare percentage ("23%"), numbers that cannot be a price
// ("2024.01.15", "March 3, 2024", "6 ft", "12\"", "3 left"), a threshold or
// discount rather than the item's price ("free shipping over $49",
// "5만원 이상", "$10 off", "500원 적립"), or a negative amount ("-5,000원",
// a discount line; prices are never negative).
//
// Selection: the first number written next to a currency (symbol, ISO code,
// "원", "円", "KD", "руб." ...) wins, so discount noise like "23% 9,900원"
// yields 9900. When no number names a currency, the first plain number is
// used with currencyHint, unless the text carries a "no price" phrase such
// as "가격문의" or "sold out", or a date.
//
// Currency: the text's currency wins over currencyHint, except for ambiguous
// symbols where a hint of the same family refines it ("$" with hint "CAD" is
// CAD, "¥" with hint "CNY" is CNY, "Rs" with hint "PKR" is PKR, "kr" is the
// hinted krona or unknown). Korean units (만, 천 ...) without any currency
// mean KRW. When neither the text nor the hint gives a currency, Currency is
// "" and Minor is scaled by DefaultExponent (2): Read("12.99", "") is
// {1299, ""}.
//
// Separators: with both '.' and ',' present the last one is the decimal
// point; a single separator followed by exactly three digits is a thousands
// separator unless the currency has three minor digits (KWD, BHD, OMR, JOD,
// TND, IQD, LYD) or the integer part is "0" or missing (".500"); any other
// single separator is a decimal point, also when a blank follows it before
// two digits ("12. 50", "1.234, 56 €"). Space, NBSP, narrow NBSP and
// apostrophes group thousands. Fraction digits below the currency's minor
// unit must be zero ("12.50원" is rejected).
//
// Zero: a zero amount is found (and Free) when written with a currency
// ("₩0", "0원"), with a decimal fraction ("0,00"), or as a free word alone
// or after a price label ("Free", "무료", "Price: Free"); a bare "0" is not a
// price. Amounts that overflow int64 minor units are rejected.
func Read(text, currencyHint string) Reading {
	hint := normalizeCode(trimASCIISpace(currencyHint))
	var (
		fallback, zero       Amount
		haveFallbk, haveZero bool
	)
	for i := 0; i < len(text); {
		if !isDigit(text[i]) && !leadingSeparatorAt(text, i) {
			_, n := utf8.DecodeRuneInString(text[i:])
			i += n
			continue
		}
		cand, next, ok := candidateAt(text, i, hint)
		i = next
		if !ok {
			continue
		}
		if cand.marked {
			return reading(cand.amount)
		}
		switch {
		case cand.amount.Minor > 0 && !haveFallbk:
			fallback, haveFallbk = cand.amount, true
		case cand.amount.Minor == 0 && !haveZero:
			zero, haveZero = cand.amount, true
		}
	}
	plainOK := (haveFallbk || haveZero) && !containsNoPricePhrase(text) && !looksLikeDate(text)
	switch {
	case plainOK && haveFallbk:
		return reading(fallback)
	case plainOK && haveZero:
		return reading(zero)
	case isFreeText(text):
		return Reading{Amount: Amount{Currency: hint}, Found: true, Free: true}
	}
	return Reading{}
}

func reading(a Amount) Reading {
	return Reading{Amount: a, Found: true, Free: a.Minor == 0}
}

// leadingSeparatorAt reports whether s[i] is a '.' or ',' that starts a
// number without integer part (".5 €", "$.99"): a digit follows, and no
// letter, digit or separator precedes ("No.5" and "...5" are not numbers).
func leadingSeparatorAt(s string, i int) bool {
	if (s[i] != '.' && s[i] != ',') || i+1 >= len(s) || !isDigit(s[i+1]) {
		return false
	}
	if i == 0 {
		return true
	}
	p := s[i-1]
	return !isDigit(p) && p != '.' && p != ',' && !letterBefore(s, i)
}

// candidate is one number found in the text.
type candidate struct {
	amount Amount
	marked bool // written next to a currency
}

// Korean / CJK numeral units.
const (
	unitNone = 0
)

// unitOf returns the multiplier of a numeral unit rune, whether it is a
// "big" unit (만, 억, 조 reset the small section) and whether it is Hangul.
func unitOf(r rune) (mult int64, big, hangul bool) {
	switch r {
	case '십':
		return 10, false, true
	case '백':
		return 100, false, true
	case '천':
		return 1000, false, true
	case '만':
		return 10000, true, true
	case '억':
		return 100000000, true, true
	case '조':
		return 1000000000000, true, true
	case '十':
		return 10, false, false
	case '百':
		return 100, false, false
	case '千':
		return 1000, false, false
	case '万', '萬':
		return 10000, true, false
	case '億', '亿':
		return 100000000, true, false
	}
	return unitNone, false, false
}

// candidateAt reads the number starting at the digit text[i], including a
// chain of numeral units ("12만 9천"), and the currency written around it.
// next is where scanning continues.
func candidateAt(text string, i int, hint string) (cand candidate, next int, ok bool) {
	first := scanChunk(text, i)
	u, ok := readUnits(text, first)
	next = u.end
	if !ok || spacedTail(text, first) || spacedHead(text, u.end) {
		return candidate{}, next, false
	}

	// Percentages are never prices ("23%", "23 %").
	if !u.used && percentAt(text, u.end) {
		return candidate{}, next, false
	}

	// The amount's extent in the text, currency included.
	m, from, to := markerAround(text, first, u)
	if !m.found() && (!plainNumber(text, first.start, u.end) || measureOrLabel(text, first.start, u.end)) {
		return candidate{}, next, false
	}
	if notItsPrice(text, from, to) {
		return candidate{}, next, false
	}
	cur := hint
	if m.found() {
		cur = m.resolve(hint)
	} else if u.hangul && cur == "" {
		cur = "KRW"
	}
	exp := Exponent(cur)

	minor, ok := minorOf(text, first, u, exp)
	if !ok {
		return candidate{}, next, false
	}
	if minor == 0 && !m.found() && (u.used || first.decimalSep(exp) == 0) {
		return candidate{}, next, false // a bare "0" is a count, "0,00" a price
	}
	return candidate{amount: Amount{Minor: minor, Currency: cur}, marked: m.found()}, next, true
}

// markerAround finds the currency marker of the number from first to
// u.end and the amount's extent [from, to) in text, currency included: a
// marker before the number (a weak one only where the number fits it),
// else one after it unless the number is glued to letters, else the one
// after the high end of a range the number starts.
func markerAround(text string, first chunk, u units) (m marker, from, to int) {
	from, to = first.start, u.end
	m = markerBefore(text, first.start)
	if m.found() {
		from = m.at
		if m.weak && !weakNumberOK(text, first, u.end, skipSpacesBack(text, first.start) != first.start) {
			m = marker{}
			from = first.start
		}
	}
	// A number glued to ASCII letters before it ("R510", "SM-R510") is a model
	// name whatever follows it.
	glued := !m.found() && first.start > 0 && isLetter(text[first.start-1])
	if !m.found() && !glued {
		if m = markerAfter(text, u.end); m.weak && (u.used || first.last == 0) {
			m = marker{} // "3 BD" is three bedrooms; "3.250 BD" is money
		}
		if m.found() {
			to = m.at
		}
	}
	if !m.found() {
		// The low end of a range takes the currency written after the high
		// end: "35,000 ~ 45,000원", "3만~5만원".
		m = rangeMarker(text, u.end)
	}
	return m, from, to
}

// percentAt reports whether a percent sign follows position i, after
// spaces.
func percentAt(text string, i int) bool {
	j := skipSpaces(text, i)
	if j >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[j:])
	return r == '%' || r == '％'
}

// minorOf is the amount in minor units of a currency with exponent exp:
// the numeral-unit total when units were used, else the number first.
func minorOf(text string, first chunk, u units, exp int) (int64, bool) {
	if u.used {
		return mulOK(u.major, pow10[exp])
	}
	d, ok := first.value(text, first.decimalSep(exp))
	if !ok {
		return 0, false
	}
	return d.minor(exp)
}

// units is the result of reading a numeral-unit chain.
type units struct {
	used   bool  // at least one unit was applied
	hangul bool  // a Hangul unit (만, 천 ...) was used: the amount is in KRW
	major  int64 // whole major units, valid when used
	end    int   // end of the consumed text
}

// readUnits reads the numeral units following the number first: "3만",
// "12만 9천", "1억 2천만", "1.5만", "3만 5000". Units must decrease; a trailing
// plain number must be smaller than the last unit. ok is false when a unit
// is applied to an invalid number or the result overflows.
//
// Complexity (above 20): the chain's grammar lives in one loop; the running
// total, the current section, the last big and small unit and the pending
// number are state every step reads and updates, and each step's overflow
// check must stop the chain.
func readUnits(text string, first chunk) (units, bool) {
	var (
		u                  = units{end: first.end}
		total, section     int64
		lastBig, lastSmall = math64Max, math64Max
		pending            = first
		havePending        = true
	)
	for {
		j := skipSpaces(text, u.end)
		if j >= len(text) {
			break
		}
		r, n := utf8.DecodeRuneInString(text[j:])
		mult, big, hangul := unitOf(r)
		if mult == unitNone {
			if !u.used || havePending || !isDigit(text[j]) {
				break
			}
			pending, havePending = scanChunk(text, j), true
			u.end = pending.end
			continue
		}
		var pv int64
		if havePending {
			d, ok := pending.value(text, pending.decimalSep(0))
			if !ok {
				return u, false
			}
			if pv, ok = d.times(mult); !ok {
				return u, false
			}
		}
		if big {
			if mult >= lastBig || (!havePending && section == 0) {
				break
			}
			sv, ok := mulOK(section, mult)
			if !ok {
				return u, false
			}
			if sv, ok = addOK(sv, pv); !ok {
				return u, false
			}
			if total, ok = addOK(total, sv); !ok {
				return u, false
			}
			section, lastBig, lastSmall = 0, mult, math64Max
		} else {
			if !havePending || mult >= lastSmall {
				break
			}
			var ok bool
			if section, ok = addOK(section, pv); !ok {
				return u, false
			}
			lastSmall = mult
		}
		u.used, havePending = true, false
		u.hangul = u.hangul || hangul
		u.end = j + n
	}
	if !u.used {
		return u, true
	}
	if havePending {
		// Trailing plain number after units ("3만 5000"): a smaller whole
		// number, otherwise it is left for the next candidate.
		limit := min(lastSmall, lastBig)
		d, ok := pending.value(text, pending.decimalSep(0))
		if ok && d.scale == 0 && d.mant < limit {
			if section, ok = addOK(section, d.mant); !ok {
				return u, false
			}
		} else {
			u.end = skipSpacesBack(text, pending.start)
		}
	}
	var ok bool
	u.major, ok = addOK(total, section)
	return u, ok
}

const math64Max = int64(^uint64(0) >> 1)

func trimASCIISpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// rangeMarker returns the currency after the second number of a range that
// starts at s[i:] with a connector such as "~" or "-".
func rangeMarker(s string, i int) marker {
	j := skipSpaces(s, i)
	if j >= len(s) {
		return marker{}
	}
	r, n := utf8.DecodeRuneInString(s[j:])
	switch r {
	case '~', '-', '–', '—', '〜', '～':
	default:
		return marker{}
	}
	j = skipSpaces(s, j+n)
	if j >= len(s) || !isDigit(s[j]) {
		return marker{}
	}
	u, ok := readUnits(s, scanChunk(s, j))
	if !ok {
		return marker{}
	}
	return markerAfter(s, u.end)
}

// plainNumber reports whether the number without currency at s[start:end]
// can stand for a price: not part of a model name ("A4", "x2") and not a
// quantity with a unit word ("2개", "500ml", "3만명").
func plainNumber(s string, start, end int) bool {
	if start > 0 && isLetter(s[start-1]) {
		return false
	}
	if end < len(s) {
		r, _ := utf8.DecodeRuneInString(s[end:])
		if unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// spacedHead reports whether the number ending at s[end] is followed by a
// separator, a blank and two digits that scanChunk did not take as its
// spaced decimal part ("12, 50 €"): 12 or 12.50, so no amount.
func spacedHead(s string, end int) bool {
	if end+1 >= len(s) || (s[end] != '.' && s[end] != ',') {
		return false
	}
	r, n := utf8.DecodeRuneInString(s[end+1:])
	return spaceRune(r) && twoDigitsAt(s, end+1+n)
}

// spacedTail reports whether the number c is two digits written after a
// number, a separator and a blank that scanChunk did not take as a spaced
// decimal part ("12, 50 €", "1.234. 56"): it may be cents or a number of
// its own, so it is no amount.
func spacedTail(s string, c chunk) bool {
	if c.end-c.start != 2 || c.last != 0 {
		return false
	}
	j := c.start
	r, n := utf8.DecodeLastRuneInString(s[:j])
	if !spaceRune(r) {
		return false
	}
	j -= n
	return j >= 2 && (s[j-1] == '.' || s[j-1] == ',') && isDigit(s[j-2])
}
