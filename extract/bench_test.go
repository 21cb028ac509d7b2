package extract

import (
	"bytes"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

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

// BenchmarkTokenizeOnly300KB is the floor of the token-scan path on the
// same page: a bare golang.org/x/net/html tokenizer loop that reads every
// tag's name and attributes and every text token, and does nothing else.
func BenchmarkTokenizeOnly300KB(b *testing.B) {
	page := extracttest.SyntheticPage(readPage(b, "jsonld_product.html"), 300<<10)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		z := html.NewTokenizer(bytes.NewReader(page))
		n := 0
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			switch tt {
			case html.StartTagToken, html.SelfClosingTagToken:
				_, more := z.TagName()
				for more {
					var k, v []byte
					k, v, more = z.TagAttr()
					n += len(k) + len(v)
				}
			case html.TextToken:
				n += len(z.Text())
			}
		}
		if n == 0 {
			b.Fatal("no tokens")
		}
	}
}
