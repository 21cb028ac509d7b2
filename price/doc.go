// Package price turns human-written price text ("₩12,900", "12만 9천원",
// "1.234,56 €", "R$ 1.234,56") and machine numbers ("2879.20") into exact
// integer amounts of an ISO 4217 currency.
//
// [Read] also says when a text states that the item is free ("Free", "무료",
// "0,00"), and finds no price where a number is not the item's price (a
// date, a length, "free shipping over $49", "-5,000원"); [Parse] is Read
// without the free flag.
//
// Amounts are always integer minor units (cents for USD, won for KRW, fils
// for KWD) so no floating point rounding can creep into stored prices.
// Currency codes are validated with golang.org/x/text/currency; minor units
// follow ISO 4217 (see Exponent), not x/text's CLDR rounding, which gives
// IQD 0 digits where ISO 4217 (and Iraqi price tags) use 3. When neither the text
// nor the caller's currency hint names a currency, the amount is still scaled
// by the default exponent 2 (see Exponent) and Currency is left empty, so
// Amount.Decimal and ParseDecimal round-trip consistently.
package price
