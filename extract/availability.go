package extract

import "strings"

// parseAvailability maps schema.org availability values (full URLs or bare
// names), OpenGraph values and common shop wording in several languages to
// an Availability. It returns "" when s carries no recognisable signal.
func parseAvailability(s string) Availability {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if i := strings.LastIndexAny(s, "/#"); i >= 0 && strings.Contains(s, "schema.org") {
		s = s[i+1:]
	}
	k := strings.ToLower(s)
	k = strings.NewReplacer(" ", "", "_", "", "-", "", ".", "").Replace(k)
	switch k {
	case "instock", "instoreonly", "onlineonly", "limitedavailability", "available", "sale", "onsale", "true", "yes", "1":
		return InStock
	case "outofstock", "soldout", "discontinued", "oos", "unavailable", "notavailable", "outofstok", "false", "no", "0":
		return OutOfStock
	case "preorder", "presale", "backorder", "availablefororder", "preorderable":
		return PreOrder
	}
	return availabilityFromText(s)
}

// availabilityFromText looks for stock wording in visible text.
func availabilityFromText(s string) Availability {
	l := strings.ToLower(s)
	for _, w := range []string{"품절", "일시품절", "재고 없음", "재고없음", "판매종료", "판매 종료", "판매중지",
		"out of stock", "sold out", "currently unavailable", "unavailable", "ausverkauft", "nicht verfügbar",
		"nicht vorrätig", "在庫切れ", "売り切れ", "在庫なし", "完売", "épuisé", "rupture de stock", "agotado", "esaurito"} {
		if strings.Contains(l, w) {
			return OutOfStock
		}
	}
	for _, w := range []string{"예약", "pre-order", "preorder", "vorbestell", "予約"} {
		if strings.Contains(l, w) {
			return PreOrder
		}
	}
	for _, w := range []string{"in stock", "재고 있음", "구매 가능", "auf lager", "lieferbar", "vorrätig", "在庫あり", "在庫有り", "en stock", "disponible"} {
		if strings.Contains(l, w) {
			return InStock
		}
	}
	return ""
}
