package extract

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/internal/extracttest"
)

// extractReference is the plain full path: the whole DOM, every selector
// run by cascadia (no mark pre-check). It defines what Extract must return.
func extractReference(pageURL string, u *url.URL, info shopInfo, page []byte) (*Product, error) {
	p, err := parsePage(pageURL, u, page)
	if err != nil {
		return nil, err
	}
	p.seen = nil // nothing known: no selector is skipped
	return p.extract(info), nil
}

// comparePaths checks that every way Extract can answer gives the reference
// result for the page: the token scan (when it applies), the DOM with the
// selector pre-check, and Extract itself. It reports whether the token scan
// answered.
func comparePaths(t testing.TB, pageURL string, page []byte) (scanned bool) {
	t.Helper()
	u, err := url.Parse(strings.TrimSpace(pageURL))
	if err != nil || checkHTML(page) != nil {
		return false // rejected before either path runs
	}
	info := shopIdentity(u)
	want, wantErr := extractReference(pageURL, u, info, page)

	parsed, err := extractParsed(pageURL, u, info, page)
	require.Equal(t, wantErr, err, "DOM path error")
	require.Equal(t, want, parsed, "DOM path with selector pre-check")

	if fast := extractScanned(u, info, page); fast != nil {
		require.NoError(t, wantErr, "token scan answered a page the parser rejects")
		require.Equal(t, want, fast, "token scan path")
		scanned = true
	}

	got, err := Extract(pageURL, page)
	require.Equal(t, wantErr, err, "Extract error")
	require.Equal(t, want, got, "Extract")
	return scanned
}

func TestPathsAgreeOnTestdata(t *testing.T) {
	t.Parallel()
	scanned := map[string]bool{}
	for _, tp := range testPages {
		page := readPage(t, tp.file)
		scanned[tp.file] = comparePaths(t, tp.url, page)
		// The same page under a shop without adapter, and cut short at
		// several points (unclosed elements, half tags, raw text to EOF).
		comparePaths(t, "https://www.example-shop.com/item/1", page)
		for i := 1; i < 16; i++ {
			cut := page[:len(page)*i/16]
			comparePaths(t, tp.url, cut)
		}
	}
	syn := extracttest.SyntheticPage(readPage(t, "jsonld_product.html"), 300<<10)
	require.True(t, comparePaths(t, "https://shop.alpinegear.com/products/trail-runner-2", syn), "300 KB page takes the token scan")

	// The scan must actually carry the generic structured-data pages (and
	// the script-only adapters); pages with DOM adapters, microdata or
	// visible shop prices go to the DOM.
	for _, f := range []string{"jsonld_product.html", "jsonld_productgroup.html", "opengraph.html", "euckr_origin.html", "naver_smartstore.html", "musinsa.html", "article.html"} {
		require.True(t, scanned[f], "%s takes the token scan", f)
	}
	for _, f := range []string{"coupang_sale.html", "amazon.html", "microdata.html", "woocommerce.html", "jsonld_graph.html"} {
		require.False(t, scanned[f], "%s needs the DOM", f)
	}
}

const trickyLD = `<script type="application/ld+json">{"@type":"Product","name":"Lamp","offers":{"price":"12.50","priceCurrency":"USD"}}</script>`

var trickyDeep = strings.Repeat("<div>", 600) + trickyLD + strings.Repeat("</div>", 600)

// trickyPages are markup where the tree differs from the token stream, and
// whether the token scan may answer them (also fuzz seeds).
var trickyPages = []struct {
	name, html string
	scanned    bool
}{
	{"plain", `<html lang="en"><head><title>Lamp</title>` + trickyLD + `</head><body><p>x</body></html>`, true},
	{"meta order in table", `<table><tr><td><meta property="og:title" content="A"></td></tr><meta property="og:title" content="B"></table>` + trickyLD, false},
	{"svg title", `<svg><title>Icon</title><desc><style>x</style></desc></svg><title>Lamp</title>` + trickyLD, false},
	{"svg breakout", `<svg><title><meta property="og:title" content="Out"></title></svg>` + trickyLD, false},
	{"select drops tags", `<select><option>a<meta property="og:title" content="Dropped"></select>` + trickyLD, false},
	{"template", `<template><meta property="og:title" content="Hidden"></template>` + trickyLD, false},
	{"second html tag", `<html><body><html lang="de">` + trickyLD, false},
	{"microdata", `<div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Lamp</span><meta itemprop="price" content="3"></div>`, false},
	{"visible price", `<div class="product"><p class="product__price">$9.99</p></div>` + trickyLD, false},
	{"blocked page", `<title>Robot Check</title><form action="/errors/validateCaptcha"></form>`, true},
	{"captcha form", `<title>Hello</title><form action="/validateCaptcha"></form>`, false},
	{"stray end tag", `<div></span></div>` + trickyLD, false},
	{"too deep", trickyDeep, false},
	{"script text with tags", `<script>var s = "<meta property='og:title' content='No'>";</script>` + trickyLD, true},
	{"entities in title", `<title>Caf&eacute; &amp; Co</title>` + trickyLD, true},
	{"empty title then real", `<title></title><title> Lamp </title>` + trickyLD, true},
	{"unclosed script", `<title>x</title>` + trickyLD + `<script>var a = 1;`, true},
	{"misnested formatting", `<b><p><meta property="og:title" content="A"></b><meta property="og:title" content="B">` + trickyLD, true},
	{"entity in class", `<div class="product"><p class="product&#95;_price">$9.99</p></div>` + trickyLD, false},
}

func TestPathsAgreeOnTrickyMarkup(t *testing.T) {
	t.Parallel()
	for _, c := range trickyPages {
		require.Equal(t, c.scanned, comparePaths(t, "https://www.lamps.example/p/1", []byte(c.html)), c.name)
	}
	_, err := Extract("https://www.lamps.example/p/1", []byte(trickyDeep))
	require.Error(t, err, "the parser rejects nesting deeper than 512")
}

// FuzzPaths mutates small pages (the tricky markup above), where the fuzzer
// explores tree-building corner cases much faster than from whole shop
// pages; FuzzExtract runs the same comparison from the testdata corpus.
func FuzzPaths(f *testing.F) {
	for _, c := range trickyPages {
		if len(c.html) < 4096 {
			f.Add(c.html)
		}
	}
	f.Fuzz(func(t *testing.T, page string) {
		comparePaths(t, "https://www.lamps.example/p/1", []byte(page))
	})
}
