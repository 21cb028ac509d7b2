package price

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// readCase is one price text and what a person reads in it.
type readCase struct {
	text, hint string
	want       Reading
}

func found(minor int64, cur string) Reading {
	return Reading{Amount: Amount{Minor: minor, Currency: cur}, Found: true}
}

func free(cur string) Reading {
	return Reading{Amount: Amount{Currency: cur}, Found: true, Free: true}
}

var none = Reading{}

func runReadCases(t *testing.T, cases []readCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.text+"/"+tt.hint, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Read(tt.text, tt.hint), "Read(%q, %q)", tt.text, tt.hint)
			a, ok := Parse(tt.text, tt.hint)
			require.Equal(t, tt.want.Found, ok, "Parse(%q, %q) ok", tt.text, tt.hint)
			require.Equal(t, tt.want.Amount, a, "Parse(%q, %q)", tt.text, tt.hint)
		})
	}
}

func TestReadLeadingDecimalPoint(t *testing.T) {
	t.Parallel()
	runReadCases(t, []readCase{
		{".5 €", "", found(50, "EUR")},
		{"€.99", "", found(99, "EUR")},
		{"$.99", "", found(99, "USD")},
		{"US$ .75", "", found(75, "USD")},
		{",50 €", "", found(50, "EUR")},
		{".500 KD", "", found(500, "KWD")},
		{".99", "USD", found(99, "USD")},
		{"(.5 €)", "", found(50, "EUR")},
		// A dot after a letter is an abbreviation, not a decimal point.
		{"No.5 12,900원", "", found(12900, "KRW")},
		{"Vol.3", "", none},
		// ".5" in KRW would be half a won.
		{".5원", "", none},
	})
}

func TestReadThreeDecimalCurrencies(t *testing.T) {
	t.Parallel()
	runReadCases(t, []readCase{
		{"3.250 KD", "", found(3250, "KWD")},
		{"KD 3.250", "", found(3250, "KWD")},
		{"KD3.250", "", found(3250, "KWD")},
		{"KWD 3.250", "", found(3250, "KWD")},
		{"1,250.500 KD", "", found(1250500, "KWD")},
		{"3.25 KD", "", found(3250, "KWD")},
		{"3.250 د.ك", "", found(3250, "KWD")},
		{"BD 4.500", "", found(4500, "BHD")},
		{"4.500 BHD", "", found(4500, "BHD")},
		{"OMR 12.500", "", found(12500, "OMR")},
		{"R.O. 12.500", "", found(12500, "OMR")},
		{"12.500 JD", "", found(12500, "JOD")},
		{"JOD 7.125", "", found(7125, "JOD")},
		{"TND 3.250", "", found(3250, "TND")},
		{"3.250 DT", "", found(3250, "TND")},
		{"IQD 3.250", "", found(3250, "IQD")},
		{"LYD 3.250", "", found(3250, "LYD")},
		// The hint alone makes a bare number three-decimal.
		{"3.250", "KWD", found(3250, "KWD")},
		{"3.250", "OMR", found(3250, "OMR")},
		// Without any currency "3.250" is three thousand two hundred fifty.
		{"3.250", "", found(325000, "")},
		// After a number without decimal part the abbreviations are
		// ordinary words ("3 BD" is three bedrooms); before it they are
		// still currencies.
		{"3 BD 2 BA", "", none},
		{"KD 12", "", found(12000, "KWD")},
		// Four fraction digits cannot be fils.
		{"3.2501 KD", "", none},
	})
}

func TestReadSpacedDecimalPart(t *testing.T) {
	t.Parallel()
	runReadCases(t, []readCase{
		{"12. 50", "", found(1250, "")},
		{"12. 50 €", "", found(1250, "EUR")},
		{"$12. 99", "", found(1299, "USD")},
		{"12.\u00a050 €", "", found(1250, "EUR")},
		// A thousands separator, then a decimal part after a blank.
		{"1,234. 56", "USD", found(123456, "USD")},
		{"$1,234. 56", "", found(123456, "USD")},
		{"1.234, 56 €", "", found(123456, "EUR")},
		{"1 234, 56 €", "", found(123456, "EUR")},
		// Ambiguous: two separators of the same kind before the blank, or a
		// spaced comma without a thousands separator (12.50 € or a list?).
		// Neither 12 nor 50 is taken.
		{"1.234. 56 €", "", none},
		{"12, 50 €", "", none},
		{"38, 40", "EUR", none},
		{"12, 50 €, now 9,99 €", "", found(999, "EUR")},
	})
}

func TestReadZeroAndFree(t *testing.T) {
	t.Parallel()
	runReadCases(t, []readCase{
		{"0,00", "", free("")},
		{"0.00", "USD", free("USD")},
		{"0,00 €", "", free("EUR")},
		{"€0.00", "", free("EUR")},
		{"₩0", "", free("KRW")},
		{"0원", "", free("KRW")},
		{"Free", "", free("")},
		{"FREE!", "USD", free("USD")},
		{"free", "", free("")},
		{"무료", "KRW", free("KRW")},
		{"Price: Free", "", free("")},
		{"가격: 무료", "", free("")},
		{"Gratis", "EUR", free("EUR")},
		{"無料", "", free("")},
		// A bare 0 is a count, not a price.
		{"0", "", none},
		{"0", "KRW", none},
		// Free shipping, a free gift or a free trial is not a free item.
		{"Free shipping", "", none},
		{"무료배송", "", none},
		{"FREE delivery", "", none},
		{"Free gift", "", none},
		{"free shipping over $49", "", none},
		{"Free shipping on orders over $49", "", none},
		{"5만원 이상 무료배송", "", none},
		{"무료배송 (30,000원 이상)", "", none},
		// An amount with the free word is the amount.
		{"무료배송 12,900원", "", found(12900, "KRW")},
		{"$12.99 Free shipping", "", found(1299, "USD")},
	})
}

func TestReadCurrencyWords(t *testing.T) {
	t.Parallel()
	runReadCases(t, []readCase{
		{"RM 12.90", "", found(1290, "MYR")},
		{"RM12.90", "", found(1290, "MYR")},
		{"12.90 RM", "", found(1290, "MYR")},
		{"Rs. 1,299", "", found(129900, "INR")},
		{"Rs 499", "", found(49900, "INR")},
		{"Rs.499", "", found(49900, "INR")},
		{"Rs. 1,299", "PKR", found(129900, "PKR")},
		{"Rs 1,299", "LKR", found(129900, "LKR")},
		{"Rs 499", "USD", found(49900, "INR")},
		{"R 199.99", "", found(19999, "ZAR")},
		{"R199", "", found(19900, "ZAR")},
		{"R1 299,00", "", found(129900, "ZAR")},
		{"R$ 199,90", "", found(19990, "BRL")},
		{"Q 125.00", "", found(12500, "GTQ")},
		{"Q125", "", found(12500, "GTQ")},
		{"Q1,250.00", "", found(125000, "GTQ")},
		{"1,280 yen", "", found(1280, "JPY")},
		{"1280 Yen", "", found(1280, "JPY")},
		{"1,280円", "", found(1280, "JPY")},
		{"1 299 руб.", "", found(129900, "RUB")},
		{"1 299 р.", "", found(129900, "RUB")},
		{"499 руб", "", found(49900, "RUB")},
		{"2 500 рублей", "", found(250000, "RUB")},
		{"12,900 won", "", found(12900, "KRW")},
		{"12,900원", "", found(12900, "KRW")},
		{"12,900 원", "", found(12900, "KRW")},
		{"3만원", "", found(30000, "KRW")},
		{"1만 원", "", found(10000, "KRW")},
		{"12만 9천 원", "", found(129000, "KRW")},
		{"1 299 Kč", "", found(129900, "CZK")},
		{"12 990 Ft", "", found(1299000, "HUF")},
		{"49,99 lei", "", found(4999, "RON")},
		{"100 TL", "", found(10000, "TRY")},
		{"Rp 125.000", "", found(12500000, "IDR")},
		{"S/ 49.90", "", found(4990, "PEN")},
		{"10 euros", "", found(1000, "EUR")},
		// kr is Swedish, Norwegian, Danish or Icelandic: the hint tells,
		// otherwise the amount comes without a currency.
		{"499 kr", "", found(49900, "")},
		{"kr 499", "NOK", found(49900, "NOK")},
		{"499 kr.", "DKK", found(49900, "DKK")},
		{"499 kr", "EUR", found(49900, "")},
		// Single letters stay labels when the number is one too.
		{"Q4", "", none},
		{"R2", "", none},
		{"SM-R510", "", none},
		{"모델명 SM-R510 $45.00", "", found(4500, "USD")},
		{"Price: R 1,299", "", found(129900, "ZAR")},
		{"판매가12,900원", "", found(12900, "KRW")},
		{"Model X100 $45.00", "", found(4500, "USD")},
		// A word that merely ends in a currency's letters is no currency.
		{"FORM 12.90", "", found(1290, "")},
	})
}

func TestReadNoPriceWhereThereIsNone(t *testing.T) {
	t.Parallel()
	runReadCases(t, []readCase{
		// Years and dates.
		{"March 3, 2024", "", none},
		{"Dec 12, 2024", "USD", none},
		{"3rd March 2024", "", none},
		{"12/25/2024", "", none},
		{"2024-01-15", "", none},
		{"2024/01/15", "KRW", none},
		{"2024년 1월 15일", "", none},
		{"Q4 2024", "", none},
		{"© 2023 Shop", "", none},
		{"Since 1998", "USD", none},
		// Lengths, sizes and counts.
		{"6 ft", "", none},
		{"5'11\"", "", none},
		{"12\"", "USD", none},
		{"6' 2\"", "", none},
		{"10 x 12 in", "", none},
		{"Length: 12 feet", "", none},
		{"55 inch", "USD", none},
		{"3 left", "", none},
		{"Only 2 left in stock", "", none},
		{"Size 12", "", none},
		{"Qty 2", "", none},
		{"128 GB", "", none},
		{"4.5 stars", "", none},
		// Thresholds, discounts and rewards are not the item's price.
		{"free shipping over $49", "", none},
		{"Orders above $100 ship free", "", none},
		{"Spend $50, get 10% off", "", none},
		{"$10 off", "", none},
		{"Save $10", "", none},
		{"$49+ ships free", "", none},
		{"5만원 이상", "", none},
		{"1,000원 할인", "", none},
		{"최대 500원 적립", "", none},
		{"3,000원 쿠폰", "", none},
		{"-5,000원", "", none},
		{"−5,000원", "", none},
		{"-$5.00", "", none},
		{"쿠폰할인 -5,000원", "", none},
		// ... but the price next to them is found.
		{"Save $10 now $19.99", "", found(1999, "USD")},
		{"1,000원 할인 9,900원", "", found(9900, "KRW")},
		{"할인가 9,900원", "", found(9900, "KRW")},
		{"9,900원 (500원 적립)", "", found(9900, "KRW")},
		{"35,000-45,000원", "", found(35000, "KRW")},
		{"$5-$10", "", found(500, "USD")},
		{"1+1 9,900원", "", found(9900, "KRW")},
		{"$12.99 (3 left)", "", found(1299, "USD")},
	})
}
