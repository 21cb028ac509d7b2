// Package extract turns a fetched product page into a Product: title,
// selling and list price, currency, availability, image, identifiers and
// variants.
//
// The HTML is parsed once with goquery and every source reads the same
// document: JSON-LD, microdata, OpenGraph and other meta tags, site adapters
// for the big Korean and global shops (Naver SmartStore, Coupang, 11st,
// Gmarket, Musinsa, Amazon) and generic visible price elements (WooCommerce,
// Shopify themes). The results are merged field by field with a fixed
// precedence, and Product.Sources records where each field came from.
//
// Prices are price.Amount values in integer minor units; a missing price is
// nil, never a zero amount.
package extract
