package price

import (
	"testing"
)

var fuzzSeeds = []string{
	"₩12,900", "12만 9천원", "1억 2천만원", "1.5만원", "3만 5000원", "23% 9,900원",
	"1.234,56 €", "1\u202f234,56 €", "CHF 1'234.50", "₹1,23,456.00", "R$ 1.234,56",
	"US$12.99", "12.900 ₫", "가격문의", "", "₩0", "$9,223,372,036,854,775,807",
	"9223372036854775807만원", "1,23,4", "0.500", "1万円", "BHD 1.234",
	".5 €", "3.250 KD", "12. 50", "1.234, 56 €", "0,00", "Free", "무료", "RM 12.90",
	"Rs. 1,299", "R 199", "1 299 руб.", "Q125", "March 3, 2024", "6' 2\"",
	"free shipping over $49", "-5,000원", "499 kr", ".123.456",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "")
		f.Add(s, "KRW")
		f.Add(s, "BHD")
	}
	f.Fuzz(func(t *testing.T, text, hint string) {
		r := Read(text, hint)
		if r.Free && (!r.Found || r.Amount.Minor != 0) {
			t.Fatalf("Read(%q, %q) = %#v: free but not a found zero", text, hint, r)
		}
		a, ok := Parse(text, hint)
		if ok != r.Found || a != r.Amount {
			t.Fatalf("Parse(%q, %q) = %#v, %v; Read gave %#v", text, hint, a, ok, r)
		}
		if !ok {
			if a != (Amount{}) {
				t.Fatalf("Parse(%q, %q) = %#v with ok=false", text, hint, a)
			}
			return
		}
		if a.Minor < 0 {
			t.Fatalf("Parse(%q, %q) = %#v: negative", text, hint, a)
		}
		back, err := ParseDecimal(a.Decimal(), a.Currency)
		if err != nil {
			t.Fatalf("ParseDecimal(%q, %q) of Parse(%q, %q): %v", a.Decimal(), a.Currency, text, hint, err)
		}
		if back != a {
			t.Fatalf("round trip of Parse(%q, %q) = %#v gave %#v", text, hint, a, back)
		}
	})
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"12900", "2879.2", "2879.20", "1.5E3", ".5", "1e-2", "-1", "1e999", "0e-9999", "+0.10"} {
		f.Add(s, "USD")
		f.Add(s, "KRW")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, s, cur string) {
		a, err := ParseDecimal(s, cur)
		if err != nil {
			return
		}
		if a.Minor < 0 {
			t.Fatalf("ParseDecimal(%q, %q) = %#v: negative", s, cur, a)
		}
		back, err := ParseDecimal(a.Decimal(), a.Currency)
		if err != nil || back != a {
			t.Fatalf("round trip of ParseDecimal(%q, %q) = %#v gave %#v, %v", s, cur, a, back, err)
		}
	})
}
