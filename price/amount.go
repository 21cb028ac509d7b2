package price

import (
	"fmt"
	"strconv"

	"golang.org/x/text/currency"
)

// Amount is a money amount in integer minor units of an ISO 4217 currency.
type Amount struct {
	// Minor is the amount in minor units (KRW 12900 -> 12900, USD 12.99 -> 1299).
	Minor int64
	// Currency is the upper-case ISO 4217 code, or "" when unknown.
	Currency string
}

// Decimal renders the amount in major units as a decimal string: "12900" for
// KRW 12900, "12.99" for USD 1299, "1234.56" for EUR 123456. The number of
// fraction digits is always Exponent(a.Currency), so USD 1200 is "12.00".
func (a Amount) Decimal() string {
	var buf [32]byte
	return string(a.appendDecimal(buf[:0]))
}

func (a Amount) appendDecimal(b []byte) []byte {
	exp := Exponent(a.Currency)
	if exp == 0 {
		return strconv.AppendInt(b, a.Minor, 10)
	}
	// Work on the unsigned magnitude so math.MinInt64 renders correctly.
	mag := uint64(a.Minor)
	if a.Minor < 0 {
		b = append(b, '-')
		mag = -mag
	}
	var digits [24]byte
	d := strconv.AppendUint(digits[:0], mag, 10)
	for len(d) <= exp { // left-pad so there is at least one integer digit
		d = append([]byte{'0'}, d...)
	}
	cut := len(d) - exp
	b = append(b, d[:cut]...)
	b = append(b, '.')
	return append(b, d[cut:]...)
}

// String renders the amount as "12.99 USD" (or just the decimal when the
// currency is unknown).
func (a Amount) String() string {
	if a.Currency == "" {
		return a.Decimal()
	}
	return a.Decimal() + " " + a.Currency
}

// DefaultExponent is the minor-unit exponent assumed for unknown or empty
// currencies.
const DefaultExponent = 2

// isoExponents lists every ISO 4217 currency whose minor unit is not 2 digits.
// The table follows ISO 4217 (not CLDR, which differs for e.g. IQD, ALL, RSD
// and several cash-rounded currencies).
var isoExponents = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0,
	"KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0,
	"XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// Exponent returns the number of minor-unit digits of an ISO 4217 currency
// (KRW 0, JPY 0, USD 2, EUR 2, BHD 3 ...). Case is ignored; unknown or empty
// codes give DefaultExponent (2).
func Exponent(code string) int {
	if len(code) != 3 {
		return DefaultExponent
	}
	var up [3]byte
	for i := 0; i < 3; i++ {
		c := code[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		up[i] = c
	}
	if e, ok := isoExponents[string(up[:])]; ok {
		return e
	}
	return DefaultExponent
}

// normalizeCode returns the canonical upper-case ISO 4217 code for s, or ""
// when s is empty or not an ISO 4217 currency. The returned string is static
// (no allocation).
func normalizeCode(s string) string {
	if len(s) != 3 {
		return ""
	}
	u, err := currency.ParseISO(s)
	if err != nil {
		return ""
	}
	code := u.String()
	if code == "XXX" {
		return ""
	}
	return code
}

// CurrencyCode returns the canonical upper-case ISO 4217 code for code
// ("krw" -> "KRW"), or an error wrapping ErrCurrency when code is not a
// current or historic ISO 4217 currency known to golang.org/x/text/currency
// ("XYZ", "dollars", "").
func CurrencyCode(code string) (string, error) {
	c := normalizeCode(trimASCIISpace(code))
	if c == "" {
		return "", fmt.Errorf("currency %q: %w", code, ErrCurrency)
	}
	return c, nil
}
