package price

import (
	"unicode"
	"unicode/utf8"
)

// This file holds the rules that read the words around a number to decide
// that it is not the item's price even though it looks like an amount:
// a threshold ("free shipping over $49", "5만원 이상"), a discount or reward
// ("$10 off", "500원 적립", "-5,000원"), a measure ("6 ft", "12\""), a
// quantity ("3 left") or a date ("March 3, 2024").

// thresholdBefore are words that make the amount after them a condition or
// a bound rather than a price: "orders over $49", "spend $100", "under $50",
// "save $10", "shipping: $5".
var thresholdBefore = [...]string{
	"over", "above", "under", "below", "spend", "least", "than", "min", "minimum",
	"save", "saving", "savings", "exceeding", "최소",
}

// thresholdAfter are words that make the amount before them a condition, a
// discount, a coupon or a reward: "5만원 이상", "$10 off", "1,000원 할인",
// "500원 적립", "3,000원 쿠폰".
var thresholdAfter = [...]string{
	"이상", "以上", "or more", "and up", "and above", "off", "할인", "적립", "쿠폰",
	"coupon", "cashback", "back",
}

var (
	thresholdAfterFirst = firstBytes(thresholdAfter[:]...)
	measureAfterFirst   = firstBytes(measureAfter[:]...)
)

// measureAfter are units that make a plain number a measure or a count
// ("6 ft", "12 in", "3 left", "2 개").
var measureAfter = [...]string{
	"ft", "feet", "foot", "in", "inch", "inches", "cm", "mm", "m", "km", "kg", "g",
	"lb", "lbs", "oz", "ml", "l", "gb", "tb", "mb", "mah", "w", "v", "hz", "pcs",
	"pc", "pack", "x", "left", "items", "item", "reviews", "ratings", "stars",
	"bd", "ba", "bed", "beds", "bath", "baths", "sq", "sqft",
	"인치", "개", "매", "명", "장", "권", "병", "세트", "일", "시간", "분", "년",
	"월", "회", "번", "위", "점", "건", "×",
}

// labelBefore are words that make the plain number after them a label,
// a size or a quantity ("size 12", "qty 2", "x 12").
var labelBefore = [...]string{
	"size", "qty", "quantity", "no", "model", "ver", "version", "step", "page",
	"pack", "vol", "x", "수량", "사이즈", "×",
}

// wordBack returns the word (a run of letters) that ends s[:i] after
// skipping blanks, colons, dots and '#' ("Vol.3", "No. 5", "Size: 12").
func wordBack(s string, i int) string {
	j := i
	for j > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		if !spaceRune(r) && r != ':' && r != '.' && r != '#' {
			break
		}
		j -= n
	}
	k := j
	for k > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:k])
		if !unicode.IsLetter(r) && r != '×' {
			break
		}
		k -= n
		if r == '×' {
			break
		}
	}
	return s[k:j]
}

// equalFold is ASCII case-insensitive string equality.
func equalFold(a, b string) bool {
	return len(a) == len(b) && indexFold(a, b) == 0
}

func inList(word string, list []string) bool {
	if word == "" {
		return false
	}
	for _, w := range list {
		if equalFold(word, w) {
			return true
		}
	}
	return false
}

// startsWithWord reports whether s[i:] (after blanks) starts with one of
// words followed by a non-letter (or the end).
func startsWithWord(s string, i int, words []string, first *byteSet) bool {
	j := skipSpaces(s, i)
	if j >= len(s) || !first[s[j]] {
		return false
	}
	for _, w := range words {
		if !hasPrefixFold(s[j:], w, true) {
			continue
		}
		if w == "할인" && hasPrefixFold(s[j+len(w):], "가", false) {
			continue // "할인가" is the sale price label
		}
		last, _ := utf8.DecodeLastRuneInString(w)
		if unicode.IsLetter(last) && letterAt(s, j+len(w)) {
			continue
		}
		return true
	}
	return false
}

// notItsPrice reports whether the amount written from s[start] to s[end]
// (currency included) is a threshold, discount, reward or negative amount
// rather than the item's price.
func notItsPrice(s string, start, end int) bool {
	if minusBefore(s, start) {
		return true
	}
	if inList(wordBack(s, start), thresholdBefore[:]) {
		return true
	}
	if end < len(s) && s[end] == '+' && (end+1 == len(s) || !isDigit(s[end+1])) {
		return true // "$49+"
	}
	return startsWithWord(s, end, thresholdAfter[:], thresholdAfterFirst)
}

// minusBefore reports whether a minus sign is written right before s[i:]
// and is not a range connector between two numbers ("-5,000원" is a
// discount; "35,000-45,000원" is a range).
func minusBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, n := utf8.DecodeLastRuneInString(s[:i])
	if r != '-' && r != '−' && r != '–' {
		return false
	}
	j := skipSpacesBack(s, i-n)
	if j == 0 {
		return true
	}
	p, _ := utf8.DecodeLastRuneInString(s[:j])
	switch {
	case unicode.IsDigit(p):
		return false // a range: "35,000-45,000원"
	case unicode.IsLetter(p):
		return j < i-n // "할인 -5,000원", but not "A-5"
	}
	return true
}

// measureOrLabel reports whether the plain number s[start:end] (no currency
// next to it) is a measure, a count or a label: followed by a unit or a
// foot/inch mark, or preceded by a label word or a dimension sign.
func measureOrLabel(s string, start, end int) bool {
	if end < len(s) {
		r, _ := utf8.DecodeRuneInString(s[end:])
		switch r {
		case '\'', '"', '′', '″', '”', '’':
			return true
		}
	}
	if startsWithWord(s, end, measureAfter[:], measureAfterFirst) || yearAmongWords(s, start, end) {
		return true
	}
	return inList(wordBack(s, start), labelBefore[:])
}

// yearAmongWords reports whether s[start:end] is a four-digit year (1900 to
// 2099, no separators) in a text that also has words ("Q4 2024", "© 2023",
// "Since 1998"): a year, not an amount.
func yearAmongWords(s string, start, end int) bool {
	if end-start != 4 || !(s[start:start+2] == "19" || s[start:start+2] == "20") {
		return false
	}
	for i := start; i < end; i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

var monthNames = [...]string{
	"jan", "january", "feb", "february", "mar", "march", "apr", "april", "may",
	"jun", "june", "jul", "july", "aug", "august", "sep", "sept", "september",
	"oct", "october", "nov", "november", "dec", "december",
}

// isMonth reports whether w is an English month name written as a name
// ("Mar", "March", "MARCH"; not "mar" or "may", which are ordinary words).
func isMonth(w string) bool {
	if len(w) < 3 || !isUpper(w[0]) {
		return false
	}
	allUpper := true
	for i := 1; i < len(w); i++ {
		if !isUpper(w[i]) {
			allUpper = false
		}
	}
	if !allUpper {
		for i := 1; i < len(w); i++ {
			if isUpper(w[i]) {
				return false
			}
		}
	}
	return inList(w, monthNames[:])
}

// looksLikeDate reports whether s contains a date: a month name next to a
// number ("March 3, 2024", "3 Mar 2024") or three numbers joined by the same
// '/' or '-' ("12/25/2024", "2024-01-15"). Plain numbers in such text are
// never taken as a price.
func looksLikeDate(s string) bool {
	for i := 0; i < len(s); {
		switch {
		case isDigit(s[i]):
			if numericDateAt(s, i) {
				return true
			}
			for i < len(s) && isDigit(s[i]) {
				i++
			}
		case isLetter(s[i]):
			j := i
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			if (i == 0 || !letterBefore(s, i)) && !letterAt(s, j) && isMonth(s[i:j]) && monthNextToNumber(s, i, j) {
				return true
			}
			i = j
		default:
			i++
		}
	}
	return false
}

// monthNextToNumber reports whether the month name s[i:j] has a day or year
// number right after it ("Mar 3", "March. 2024") or a day before it ("3 Mar",
// "3rd March").
func monthNextToNumber(s string, i, j int) bool {
	k := j
	if k < len(s) && s[k] == '.' {
		k++
	}
	if k = skipSpaces(s, k); k < len(s) && isDigit(s[k]) {
		return true
	}
	k = skipSpacesBack(s, i)
	if k >= 2 {
		switch s[k-2 : k] {
		case "st", "nd", "rd", "th":
			k -= 2
		}
	}
	return k > 0 && isDigit(s[k-1])
}

// numericDateAt reports whether s[i:] starts with digits, '/' or '-',
// digits, the same separator, digits, with one of the numbers a four-digit
// year or all three at most two digits long ("1/2/24").
func numericDateAt(s string, i int) bool {
	var runs [3]int
	var sep byte
	for k := 0; k < 3; k++ {
		n := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			n++
		}
		if n == 0 || n > 4 {
			return false
		}
		runs[k] = n
		if k == 2 {
			break
		}
		if i >= len(s) || (s[i] != '/' && s[i] != '-') || (sep != 0 && s[i] != sep) {
			return false
		}
		sep = s[i]
		i++
	}
	if i < len(s) && isDigit(s[i]) {
		return false
	}
	return runs[0] == 4 || runs[2] == 4 || (runs[0] <= 2 && runs[1] <= 2 && runs[2] <= 2)
}
