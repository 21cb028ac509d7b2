// Package price turns human-written price text ("₩12,900", "12만 9천원",
// "1.234,56 €", "R$ 1.234,56") and machine numbers ("2879.20") into exact
// integer amounts of an ISO 4217 currency.
//
// Amounts are always integer minor units (cents for USD, won for KRW) so no
// floating point rounding can creep into stored prices. When neither the text
// nor the caller's currency hint names a currency, the amount is still scaled
// by the default exponent 2 (see Exponent) and Currency is left empty, so
// Amount.Decimal and ParseDecimal round-trip consistently.
package price
