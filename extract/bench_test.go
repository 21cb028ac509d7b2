package extract

import (
	"bytes"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/ddokso/ddokso/internal/extracttest"
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

// BenchmarkExtract300KB is the issue #8 page: jsonld_product.html padded
// to 300 KB with related-product cards (as make bench row 1 builds it).
func BenchmarkExtract300KB(b *testing.B) {
	page := extracttest.SyntheticPage(readPage(b, "jsonld_product.html"), 300<<10)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Extract("https://shop.alpinegear.com/products/trail-runner-2", page); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseOnly300KB is the floor for BenchmarkExtract300KB.
func BenchmarkParseOnly300KB(b *testing.B) {
	page := extracttest.SyntheticPage(readPage(b, "jsonld_product.html"), 300<<10)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := goquery.NewDocumentFromReader(bytes.NewReader(page)); err != nil {
			b.Fatal(err)
		}
	}
}
