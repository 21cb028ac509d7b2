// Package shopurl canonicalizes shopping product URLs so that the many links
// people paste for the same product (mobile hosts, affiliate redirects,
// search-result links full of tracking parameters) collapse into one stable
// URL plus the identifiers of the shop, product and variant.
//
// Canonicalize is pure: it never touches the network, so short links that do
// not carry the product id (link.coupang.com/a/xyz, amzn.to/...) are only
// cleaned, not resolved.
package shopurl
