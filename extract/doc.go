// Package extract turns a fetched product page into a Product: title,
// selling and list price, currency, availability, image, identifiers and
// variants.
//
// Every source reads one index of the page: JSON-LD, microdata, OpenGraph
// and other meta tags, site adapters for the big Korean and global shops
// (Naver SmartStore, Coupang, 11st, Gmarket, Musinsa, Amazon) and generic
// visible price elements (WooCommerce, Shopify themes). The results are
// merged field by field with a fixed precedence, and Product.Sources records
// where each field came from.
//
// Most pages are indexed from the HTML tokenizer alone (scan.go), without
// building the DOM; pages that need it (DOM-reading site adapters,
// microdata, a visible price element, markup where the parser's tree may
// differ from the token stream) are parsed with goquery instead. Selector
// queries first check that every class, id and attribute they name occurs
// on the page (selreq.go). Both shortcuts give the result of the full DOM
// path exactly; paths_test.go and FuzzExtract compare them.
//
// Prices are price.Amount values in integer minor units; a missing price is
// nil, never a zero amount.
package extract
