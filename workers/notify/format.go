package notify

import (
	"strings"

	"github.com/ddokso/ddokso/price"
)

// FormatPrice renders minor units of cur for a reader: "12,900원" (ko,
// KRW), "₩12,900" (en, KRW), "12.99 USD" otherwise, with thousands
// separators.
func FormatPrice(minor int64, cur, locale string) string {
	dec := price.Amount{Minor: minor, Currency: cur}.Decimal()
	neg := strings.HasPrefix(dec, "-")
	dec = strings.TrimPrefix(dec, "-")
	intPart, frac, hasFrac := strings.Cut(dec, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	num := b.String()
	if hasFrac {
		num += "." + frac
	}
	if neg {
		num = "-" + num
	}
	switch {
	case cur == "KRW" && locale != "en":
		return num + "원"
	case cur == "KRW":
		return "₩" + num
	case cur == "":
		return num
	default:
		return num + " " + cur
	}
}

// discountPct is the percent drop from old to n, rounded down; 0 when not a drop.
func discountPct(old, n *int64) int {
	if old == nil || n == nil || *old <= 0 || *n >= *old {
		return 0
	}
	return int((*old - *n) * 100 / *old)
}
