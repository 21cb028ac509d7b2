package price

import "testing"

// benchTexts is a representative mix of what extractors feed Parse.
var benchTexts = []struct{ text, hint string }{
	{"₩12,900", ""},
	{"12,900원", ""},
	{"판매가 12,900원", ""},
	{"23% 9,900원", ""},
	{"12만 9천원", ""},
	{"US$12.99", ""},
	{"1.234,56 €", ""},
	{"₹1,23,456.00", ""},
	{"12,900", "KRW"},
	{"가격문의", ""},
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, bt := range benchTexts {
			Parse(bt.text, bt.hint)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(benchTexts)), "ns/text")
}

func BenchmarkParseDecimal(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ParseDecimal("2879.20", "USD")
	}
}

func BenchmarkDecimal(b *testing.B) {
	b.ReportAllocs()
	a := Amount{Minor: 287920, Currency: "USD"}
	for b.Loop() {
		_ = a.Decimal()
	}
}
