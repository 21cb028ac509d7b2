package price

import "unicode/utf8"

// family groups currencies that share an ambiguous symbol; a caller's hint
// from the same family wins over the family's default.
type family uint8

const (
	famNone   family = iota
	famDollar        // $ -> USD unless the hint is another dollar currency
	famYen           // ¥ -> JPY unless the hint is CNY
	famRupee         // Rs -> INR unless the hint is another rupee
	famKrona         // kr -> the hinted krona/krone, else unknown
)

// unknownCode is the code of a marker whose currency only a hint can tell
// ("kr" is SEK, NOK, DKK or ISK): resolve turns it into the hint or "".
const unknownCode = "?"

// marker is a currency named in the text.
type marker struct {
	code string
	fam  family
	weak bool // a single-letter prefix ("R", "Q"): see weakNumberOK
	// at is where the marker starts (markerBefore) or ends (markerAfter)
	// in the text, so context around the whole amount can be read.
	at int
}

func (m marker) found() bool { return m.code != "" }

// resolve picks the currency for the marker given a normalized hint.
func (m marker) resolve(hint string) string {
	switch m.fam {
	case famDollar:
		if dollarCurrencies[hint] {
			return hint
		}
	case famYen:
		if hint == "CNY" || hint == "JPY" {
			return hint
		}
	case famRupee:
		if rupeeCurrencies[hint] {
			return hint
		}
	case famKrona:
		if kronaCurrencies[hint] {
			return hint
		}
	}
	if m.code == unknownCode {
		return ""
	}
	return m.code
}

var rupeeCurrencies = map[string]bool{
	"INR": true, "PKR": true, "LKR": true, "NPR": true, "MUR": true, "SCR": true,
}

var kronaCurrencies = map[string]bool{
	"SEK": true, "NOK": true, "DKK": true, "ISK": true,
}

var dollarCurrencies = map[string]bool{
	"USD": true, "CAD": true, "AUD": true, "NZD": true, "SGD": true, "HKD": true,
	"TWD": true, "MXN": true, "ARS": true, "CLP": true, "COP": true, "CUP": true,
	"DOP": true, "FJD": true, "JMD": true, "LRD": true, "NAD": true, "SBD": true,
	"SRD": true, "TTD": true, "XCD": true, "BSD": true, "BBD": true, "BZD": true,
	"BMD": true, "BND": true, "KYD": true, "GYD": true, "UYU": true,
}

// symbolMarker maps single-rune currency symbols (usable before or after the
// number) to their currency.
func symbolMarker(r rune) marker {
	switch r {
	case '₩', '￦', '원':
		return marker{code: "KRW"}
	case '$', '＄', '﹩':
		return marker{code: "USD", fam: famDollar}
	case '€':
		return marker{code: "EUR"}
	case '£', '￡':
		return marker{code: "GBP"}
	case '¥', '￥':
		return marker{code: "JPY", fam: famYen}
	case '円':
		return marker{code: "JPY"}
	case '元':
		return marker{code: "CNY"}
	case '₹':
		return marker{code: "INR"}
	case '₫':
		return marker{code: "VND"}
	case '₽':
		return marker{code: "RUB"}
	case '₺':
		return marker{code: "TRY"}
	case '฿':
		return marker{code: "THB"}
	case '₱':
		return marker{code: "PHP"}
	case '₪':
		return marker{code: "ILS"}
	case '₴':
		return marker{code: "UAH"}
	case '₦':
		return marker{code: "NGN"}
	}
	return marker{}
}

// dollarPrefixes are the letters written directly before "$" to name a
// specific dollar (or real) currency.
var dollarPrefixes = map[string]string{
	"US": "USD", "U": "USD", "C": "CAD", "CA": "CAD", "A": "AUD", "AU": "AUD",
	"NZ": "NZD", "S": "SGD", "SG": "SGD", "HK": "HKD", "NT": "TWD", "MX": "MXN",
	"R": "BRL",
}

// textCodes are the ISO codes recognised when written next to a number. The
// list is deliberately curated: every ISO code would turn words such as
// "ALL", "TOP" or "TRY" into currencies.
var textCodes = map[string]string{
	"KRW": "KRW", "USD": "USD", "EUR": "EUR", "JPY": "JPY", "CNY": "CNY",
	"RMB": "CNY", "GBP": "GBP", "CHF": "CHF", "BRL": "BRL", "INR": "INR",
	"VND": "VND", "CAD": "CAD", "AUD": "AUD", "NZD": "NZD", "HKD": "HKD",
	"TWD": "TWD", "SGD": "SGD", "MXN": "MXN", "THB": "THB", "PHP": "PHP",
	"IDR": "IDR", "MYR": "MYR", "RUB": "RUB", "PLN": "PLN", "SEK": "SEK",
	"NOK": "NOK", "DKK": "DKK", "CZK": "CZK", "HUF": "HUF", "ILS": "ILS",
	"AED": "AED", "SAR": "SAR", "ZAR": "ZAR", "BHD": "BHD", "KWD": "KWD",
	"OMR": "OMR", "JOD": "JOD", "TND": "TND", "IQD": "IQD", "LYD": "LYD",
	"QAR": "QAR", "EGP": "EGP", "PKR": "PKR", "LKR": "LKR", "NPR": "NPR",
	"BDT": "BDT", "GTQ": "GTQ", "PEN": "PEN", "CLP": "CLP",
	"COP": "COP", "ARS": "ARS", "UAH": "UAH", "RON": "RON", "BGN": "BGN",
	"KZT": "KZT", "NGN": "NGN", "KES": "KES",
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLetter(c byte) bool {
	return ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z')
}
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// spaceRune reports whether r is a blank that may sit between a number and
// its currency: ASCII space/tab, NBSP, narrow NBSP, thin space.
func spaceRune(r rune) bool {
	return r == ' ' || r == '\t' || r == '\u00a0' || r == '\u202f' || r == '\u2009' || r == '\u3000'
}

// skipSpacesBack returns the index before any blanks that end s[:i].
func skipSpacesBack(s string, i int) int {
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		if !spaceRune(r) {
			break
		}
		i -= n
	}
	return i
}

// skipSpaces returns the index after any blanks starting at s[i:].
func skipSpaces(s string, i int) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !spaceRune(r) {
			break
		}
		i += n
	}
	return i
}

// markerBefore finds a currency written just before s[i:] ("₩", "US$",
// "CHF ").
func markerBefore(s string, i int) marker {
	j := skipSpacesBack(s, i)
	if j == 0 {
		return marker{}
	}
	r, n := utf8.DecodeLastRuneInString(s[:j])
	if m := symbolMarker(r); m.found() {
		m.at = j - n
		if m.fam == famDollar {
			k := j - n
			p := k
			for p > 0 && k-p < 3 && isUpper(s[p-1]) {
				p--
			}
			if p < k && (p == 0 || !isLetter(s[p-1])) {
				if code, ok := dollarPrefixes[s[p:k]]; ok {
					return marker{code: code, at: p}
				}
			}
		}
		return m
	}
	if j >= 3 && isUpper(s[j-1]) && isUpper(s[j-2]) && isUpper(s[j-3]) && (j == 3 || !isLetter(s[j-4])) {
		if code, ok := textCodes[s[j-3:j]]; ok {
			return marker{code: code, at: j - 3}
		}
	}
	if w, ok := wordBefore(s, j); ok {
		return marker{code: w.code, fam: w.fam, weak: w.weak, at: j - len(w.word)}
	}
	return marker{}
}

// markerAfter finds a currency written just after s[:i] ("원", " €", " USD").
func markerAfter(s string, i int) marker {
	j := skipSpaces(s, i)
	if j >= len(s) {
		return marker{}
	}
	r, n := utf8.DecodeRuneInString(s[j:])
	if m := symbolMarker(r); m.found() {
		m.at = j + n
		return m
	}
	if j+3 <= len(s) && isUpper(s[j]) && isUpper(s[j+1]) && isUpper(s[j+2]) && (j+3 == len(s) || !isLetter(s[j+3])) {
		if code, ok := textCodes[s[j:j+3]]; ok {
			return marker{code: code, at: j + 3}
		}
	}
	if w, ok := wordAfter(s, j); ok {
		return marker{code: w.code, fam: w.fam, weak: w.weak, at: j + len(w.word)}
	}
	return marker{}
}

// noPricePhrases mean "there is no price" when no explicit currency amount is
// present ("가격문의 010-1234-5678" must not become a price of 10).
var noPricePhrases = [...]string{
	"가격문의", "문의", "품절", "판매중지", "판매종료", "판매중단", "재고없음",
	"sold out", "soldout", "out of stock", "call for price", "price on request",
	"unavailable",
}

// containsNoPricePhrase reports whether s holds one of noPricePhrases, ASCII
// case-insensitively.
func containsNoPricePhrase(s string) bool {
	for _, p := range noPricePhrases {
		if indexFold(s, p) >= 0 {
			return true
		}
	}
	return false
}

// indexFold is strings.Index with ASCII case folding, allocation free.
func indexFold(s, sub string) int {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		match := true
		for k := 0; k < n; k++ {
			a, b := s[i+k], sub[k]
			if 'A' <= a && a <= 'Z' {
				a += 'a' - 'A'
			}
			if a != b {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}
