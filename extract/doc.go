// Package extract turns a fetched product page into a Product: title,
// selling and list price, currency, availability, image, identifiers and
// variants.
//
// Every source reads one index of the page: JSON-LD, microdata, OpenGraph
// and other meta tags, site adapters for the big Korean and global shops
// (Naver SmartStore, Coupang, 11st, Gmarket, Musinsa, Amazon) and what
// the page shows: the visible price, buy controls, stock labels and
// labelled identifiers. The results are merged field by field with a fixed
// precedence, and Product.Sources records where each field came from.
//
// Every page is parsed to the DOM (goquery) and walked once: the walk
// indexes meta tags, scripts and microdata items and gathers what a person
// sees (signals.go): prices with their markup vocabulary and region
// (zone.go), the main heading, buy and notify controls, stock labels and
// labelled identifiers. The visible-price locator (locate.go) scores those
// prices without any list of shop systems. Extraction stays within 1.5x of
// the bare parse (BENCHMARKS.md row 1).
//
// Prices are price.Amount values in integer minor units; a missing price is
// nil, never a zero amount.
package extract
