package price

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	t.Parallel()

	tests := []struct {
		text, hint string
		want       Amount
	}{
		// Korean won, symbol and suffix forms.
		{"₩12,900", "", Amount{12900, "KRW"}},
		{"￦12,900", "", Amount{12900, "KRW"}},
		{"12,900원", "", Amount{12900, "KRW"}},
		{"12,900 원", "", Amount{12900, "KRW"}},
		{"KRW 12,900", "", Amount{12900, "KRW"}},
		{"12,900 KRW", "", Amount{12900, "KRW"}},
		{"판매가 12,900원", "", Amount{12900, "KRW"}},
		{"쿠폰할인가 9,900원", "", Amount{9900, "KRW"}},
		{"12,900원~", "", Amount{12900, "KRW"}},
		{"23% 9,900원", "", Amount{9900, "KRW"}},
		{"23%할인 9,900원 12,900원", "", Amount{9900, "KRW"}},
		{"₩0", "", Amount{0, "KRW"}},
		{"0원", "", Amount{0, "KRW"}},
		{"1,234,567원", "", Amount{1234567, "KRW"}},
		// Korean numeral units.
		{"3만원", "", Amount{30000, "KRW"}},
		{"12만 9천원", "", Amount{129000, "KRW"}},
		{"1만2천원", "", Amount{12000, "KRW"}},
		{"3만 5000원", "", Amount{35000, "KRW"}},
		{"1.5만원", "", Amount{15000, "KRW"}},
		{"1억 2천만원", "", Amount{120000000, "KRW"}},
		{"3만", "", Amount{30000, "KRW"}},
		{"1万円", "", Amount{10000, "JPY"}},
		// Dollars.
		{"US$12.99", "", Amount{1299, "USD"}},
		{"$12.99", "", Amount{1299, "USD"}},
		{"$ 1,299.00", "", Amount{129900, "USD"}},
		{"12.99 USD", "", Amount{1299, "USD"}},
		{"$12.99", "CAD", Amount{1299, "CAD"}},
		{"C$12.99", "", Amount{1299, "CAD"}},
		{"HK$128", "", Amount{12800, "HKD"}},
		{"Now $12.99 (was $15.99), save 20%", "", Amount{1299, "USD"}},
		// Euro with every separator convention.
		{"1.234,56 €", "", Amount{123456, "EUR"}},
		{"1 234,56 €", "", Amount{123456, "EUR"}},
		{"1\u00a0234,56\u00a0€", "", Amount{123456, "EUR"}},
		{"1\u202f234,56\u202f€", "", Amount{123456, "EUR"}},
		{"€1,234.56", "", Amount{123456, "EUR"}},
		{"12,99 €", "", Amount{1299, "EUR"}},
		{"EUR 5", "", Amount{500, "EUR"}},
		// Yen and yuan.
		{"1,280円", "", Amount{1280, "JPY"}},
		{"¥1,280", "", Amount{1280, "JPY"}},
		{"￥1,280", "", Amount{1280, "JPY"}},
		{"¥99.50", "CNY", Amount{9950, "CNY"}},
		{"99元", "", Amount{9900, "CNY"}},
		// Others.
		{"£9.99", "", Amount{999, "GBP"}},
		{"R$ 1.234,56", "", Amount{123456, "BRL"}},
		{"CHF 1'234.50", "", Amount{123450, "CHF"}},
		{"CHF 1’234.50", "", Amount{123450, "CHF"}},
		{"₹1,23,456.00", "", Amount{12345600, "INR"}},
		{"12.900 ₫", "", Amount{12900, "VND"}},
		{"1.250.000₫", "", Amount{1250000, "VND"}},
		{"BHD 1.234", "", Amount{1234, "BHD"}},
		// Hints for bare numbers.
		{"1,234", "KRW", Amount{1234, "KRW"}},
		{"12,99", "EUR", Amount{1299, "EUR"}},
		{"12900", "krw", Amount{12900, "KRW"}},
		{"1.234", "", Amount{123400, ""}},
		{"12.99", "", Amount{1299, ""}},
		{"1.234", "BHD", Amount{1234, "BHD"}},
		{"0.500", "USD", Amount{50, "USD"}},
		// The text's currency beats the hint.
		{"$12.99", "KRW", Amount{1299, "USD"}},
		{"12,900원", "USD", Amount{12900, "KRW"}},
		// An invalid hint is ignored.
		{"12.99", "dollars", Amount{1299, ""}},
		// Ranges take the low end with the currency written after the high end.
		{"35,000 ~ 45,000원", "", Amount{35000, "KRW"}},
		{"3만~5만원", "", Amount{30000, "KRW"}},
		{"₩12,900 ~ ₩15,000", "", Amount{12900, "KRW"}},
		// Quantities and model numbers are skipped.
		{"1+1 9,900원", "", Amount{9900, "KRW"}},
		{"A4 100매 5,900원", "", Amount{5900, "KRW"}},
		{"2개 묶음 12,900", "KRW", Amount{12900, "KRW"}},
		{"최저가 12,900", "KRW", Amount{12900, "KRW"}},
		{"12.99$", "", Amount{1299, "USD"}},
		{"US $12.99", "", Amount{1299, "USD"}},
		{"¥1,280(税込)", "", Amount{1280, "JPY"}},
		// Trailing noise.
		{"품절 임박! 12,900원", "", Amount{12900, "KRW"}},
	}
	for _, tt := range tests {
		t.Run(tt.text+"/"+tt.hint, func(t *testing.T) {
			t.Parallel()
			got, ok := Parse(tt.text, tt.hint)
			require.True(t, ok, "Parse(%q, %q) found no price", tt.text, tt.hint)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseNoPrice(t *testing.T) {
	t.Parallel()

	for _, text := range []string{
		"", "   ", "가격문의", "품절", "무료배송", "일시품절", "문의", "Sold out",
		"SOLD OUT", "free shipping", "23%", "23 %", "최대 50％", "0", "가격문의 010-1234-5678",
		"2024.01.15", "12.50원", "1.2.3", "₩", "원", "2개 10% 할인", "500ml", "A4 100매", "3만명",
		"99999999999999999999999원", "$99999999999999999999", "9223372036854775807만원",
	} {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			got, ok := Parse(text, "")
			require.False(t, ok, "Parse(%q) = %v, want no price", text, got)
			require.Equal(t, Amount{}, got)
		})
	}
}

func TestParseLargeAmount(t *testing.T) {
	t.Parallel()

	got, ok := Parse("₩9,223,372,036,854,775,807", "")
	require.True(t, ok)
	require.Equal(t, Amount{Minor: 9223372036854775807, Currency: "KRW"}, got)

	// The same digits in cents overflow int64 and are rejected.
	_, ok = Parse("$9,223,372,036,854,775,807", "")
	require.False(t, ok)
}

func TestParseLongText(t *testing.T) {
	t.Parallel()

	text := strings.Repeat("상품 설명 ", 10000) + "판매가 12,900원"
	got, ok := Parse(text, "")
	require.True(t, ok)
	require.Equal(t, Amount{12900, "KRW"}, got)
}
