package extract

import (
	"bytes"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// BenchmarkExtract measures a full extraction per testdata page.
func BenchmarkExtract(b *testing.B) {
	for _, tp := range testPages {
		page := readPage(b, tp.file)
		b.Run(tp.file, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Extract(tp.url, page); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseOnly is the floor: a bare goquery parse of the same bytes.
func BenchmarkParseOnly(b *testing.B) {
	for _, tp := range testPages {
		page := readPage(b, tp.file)
		b.Run(tp.file, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := goquery.NewDocumentFromReader(bytes.NewReader(page)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
