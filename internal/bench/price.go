package bench

import (
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/ddokso/ddokso/price"
)

// priceTexts is the representative mix price.BenchmarkParse uses.
var priceTexts = []struct{ text, hint string }{
	{"₩12,900", ""}, {"12,900원", ""}, {"판매가 12,900원", ""}, {"23% 9,900원", ""}, {"12만 9천원", ""},
	{"US$12.99", ""}, {"1.234,56 €", ""}, {"₹1,23,456.00", ""}, {"12,900", "KRW"}, {"가격문의", ""},
}

var naiveNumber = regexp.MustCompile(`[0-9][0-9,]*(\.[0-9]+)?`)

// naiveParse is the baseline: the first number in the text, separators
// dropped — what a regexp-and-strconv scraper does (no currency, no Korean
// units, no locale).
func naiveParse(s string) (int64, bool) {
	m := naiveNumber.FindString(s)
	if m == "" {
		return 0, false
	}
	m = strings.ReplaceAll(m, ",", "")
	if i := strings.IndexByte(m, '.'); i >= 0 {
		m = m[:i] + m[i+1:]
	}
	n, err := strconv.ParseInt(m, 10, 64)
	return n, err == nil
}

// PriceParsing measures price.Parse over the representative mix with
// testing.Benchmark against a naive regexp + strconv parser.
func PriceParsing() Row {
	row := Row{Stage: "2 Price parsing", Metric: "ns and allocs per string (mix of 10 KRW/USD/EUR/INR/Korean-unit texts)",
		Goal: "< 2 µs per typical string", Command: "go run ./internal/cmd/ddokso-bench -only 2\ngo test ./price -run '^$' -bench Parse -benchmem"}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	n := len(priceTexts)
	ours := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, t := range priceTexts {
				price.Parse(t.text, t.hint)
			}
		}
	})
	base := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, t := range priceTexts {
				naiveParse(t.text)
			}
		}
	})
	nsOurs := float64(ours.NsPerOp()) / float64(n)
	nsBase := float64(base.NsPerOp()) / float64(n)
	row.Ours = fmt.Sprintf("%.0f ns, %.1f allocs", nsOurs, float64(ours.AllocsPerOp())/float64(n))
	row.Baseline = fmt.Sprintf("%.0f ns, %.1f allocs (regexp + strconv, first number only)", nsBase, float64(base.AllocsPerOp())/float64(n))
	row.Ratio = ratio(nsOurs, nsBase)
	row.Holds = holds(nsOurs < 2000)
	row.Details = append(row.Details, "| text | ns/op | allocs/op | B/op |", "|---|---|---|---|")
	for _, t := range priceTexts {
		r := testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				price.Parse(t.text, t.hint)
			}
		})
		row.Details = append(row.Details, fmt.Sprintf("| `%s` %s | %d | %d | %d |", t.text, t.hint, r.NsPerOp(), r.AllocsPerOp(), r.AllocedBytesPerOp()))
	}
	row.Details = append(row.Details, "", "The baseline understands none of 만/천 units, currency symbols, or 1.234,56 locales; it is the floor of scanning a number.")
	return row
}
