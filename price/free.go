package price

import (
	"strings"
	"unicode"
)

// freeWords say that the item itself costs nothing.
var freeWords = [...]string{
	"free", "무료", "공짜", "gratis", "gratuit", "gratuito", "kostenlos",
	"無料", "免费", "免費", "бесплатно",
}

// priceLabels may stand before a free word: "Price: Free", "가격: 무료".
var priceLabels = [...]string{
	"price", "our price", "now", "sale", "가격", "판매가", "할인가", "최종가", "価格", "售价",
}

// isFreeText reports whether the whole text says the item is free: a free
// word alone, or after a price label ("Free", "FREE!", "무료", "Price: Free").
// "Free shipping", "무료배송" or "free gift with $49" do not count: the free
// word must be all the text says besides the label and punctuation.
func isFreeText(s string) bool {
	s = strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) || spaceRune(r)
	})
	if s == "" {
		return false
	}
	for _, l := range priceLabels {
		if hasPrefixFold(s, l, true) && !letterAt(s, len(l)) {
			rest := strings.TrimLeftFunc(s[len(l):], func(r rune) bool {
				return unicode.IsSpace(r) || r == ':' || r == '：' || r == '-' || spaceRune(r)
			})
			if rest != s[len(l):] {
				s = rest
			}
			break
		}
	}
	return inList(s, freeWords[:])
}
