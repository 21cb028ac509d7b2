package extract

import (
	"strings"

	"golang.org/x/net/html"
)

// Generic on-page price elements of common shop systems, most specific first.
// Each entry is a selling-price selector and the matching list-price selector.
var visiblePrices = []struct{ sale, list *sel }{
	// WooCommerce: on sale the price block holds <del> (old) and <ins> (new).
	{selector(".summary .price ins .woocommerce-Price-amount, .product .summary p.price ins .amount"), selector(".summary .price del .woocommerce-Price-amount")},
	{selector(".summary .price .woocommerce-Price-amount, .product p.price .woocommerce-Price-amount"), nil},
	// Shopify Dawn and derived themes.
	{selector(".product__info-container .price__sale .price-item--sale, .product .price--on-sale .price-item--sale"), selector(".product__info-container .price__sale s.price-item--regular, .product .price--on-sale s.price-item--regular")},
	{selector(".product__info-container .price-item--regular, [data-product-price], .product-single__price, .product__price"), selector("[data-compare-price], .product-single__price--compare, .product__price--compare")},
	// Shopware 6.
	{selector(".product-detail-price-container .product-detail-price"), selector(".product-detail-price-container .list-price-price")},
	// EC-CUBE 4 (Japan).
	{selector(".ec-productRole__price .ec-price__price"), selector(".ec-productRole__priceRegularPrice")},
	// Magento / PrestaShop / generic.
	{selector(".product-info-main .special-price .price, .product-info-price .price-final_price .price, .current-price [itemprop=price], .product-prices .current-price-value"), selector(".product-info-main .old-price .price, .product-prices .regular-price")},
	{selector("#product-price, .product-detail .price-sale, .product-price .sale-price, .product-price .price--sale"), selector(".product-price .price--compare, .product-detail .price-original")},
}

// visiblePriceMayMatch reports whether a selling-price selector of
// visiblePrices may match on a page with the marks seen.
func visiblePriceMayMatch(seen markSet) bool {
	for _, vp := range visiblePrices {
		if vp.sale.mayMatch(seen) {
			return true
		}
	}
	return false
}

// fromVisible reads generic visible price elements.
func (p *page) fromVisible(cur string) *candidate {
	for _, vp := range visiblePrices {
		sale := p.findSel(vp.sale)
		if len(sale) == 0 {
			continue
		}
		a := p.textAmount(elementPrice(sale[0]), cur)
		if a == nil {
			continue
		}
		c := &candidate{source: SourceVisible, price: a, currency: a.Currency}
		if vp.list != nil {
			if l := p.findSel(vp.list); len(l) > 0 {
				c.listPrice = p.textAmount(elementPrice(l[0]), a.Currency)
			}
		}
		return c
	}
	return nil
}

// elementPrice returns a price element's machine value (content, data-price)
// or its text.
func elementPrice(n *html.Node) string {
	for _, k := range []string{"content", "data-price-amount", "data-price"} {
		if v, ok := attrAnyNS(n, k); ok && strings.TrimSpace(v) != "" && isMachineNumber(strings.TrimSpace(v)) {
			return strings.TrimSpace(v)
		}
	}
	return clean(nodeText(n))
}

// attrAnyNS returns the first attribute named key in any namespace, as
// goquery's Selection.Attr does.
func attrAnyNS(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// blockedSelector matches bot checks and captcha forms.
var blockedSelector = selector(`form[action*="captcha"], form[action*="Captcha"], .g-recaptcha, .h-captcha, #captcha, #captchacharacters, ` +
	`#challenge-form, #cf-challenge-running, #challenge-running, #px-captcha, [data-sitekey], iframe[src*="captcha"]`)

var blockedTitles = []string{"captcha", "robot check", "access denied", "attention required", "just a moment",
	"403 forbidden", "error 403", "are you a human", "pardon our interruption", "bot verification", "security check",
	"보안 확인", "자동입력 방지", "접근이 차단", "접근 거부", "request blocked", "too many requests", "503 service unavailable"}

// blocked reports whether the page is a bot check or an HTTP error page.
func (p *page) blocked() bool {
	t := strings.ToLower(p.title)
	for _, w := range blockedTitles {
		if strings.Contains(t, w) {
			return true
		}
	}
	return len(p.findSel(blockedSelector)) > 0
}
