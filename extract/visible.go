package extract

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// Generic on-page price elements of common shop systems, most specific first.
// Each entry is a selling-price selector and the matching list-price selector.
var visiblePrices = []struct{ sale, list string }{
	// WooCommerce: on sale the price block holds <del> (old) and <ins> (new).
	{".summary .price ins .woocommerce-Price-amount, .product .summary p.price ins .amount", ".summary .price del .woocommerce-Price-amount"},
	{".summary .price .woocommerce-Price-amount, .product p.price .woocommerce-Price-amount", ""},
	// Shopify Dawn and derived themes.
	{".product__info-container .price__sale .price-item--sale, .product .price--on-sale .price-item--sale", ".product__info-container .price__sale s.price-item--regular, .product .price--on-sale s.price-item--regular"},
	{".product__info-container .price-item--regular, [data-product-price], .product-single__price, .product__price", "[data-compare-price], .product-single__price--compare, .product__price--compare"},
	// Shopware 6.
	{".product-detail-price-container .product-detail-price", ".product-detail-price-container .list-price-price"},
	// EC-CUBE 4 (Japan).
	{".ec-productRole__price .ec-price__price", ".ec-productRole__priceRegularPrice"},
	// Magento / PrestaShop / generic.
	{".product-info-main .special-price .price, .product-info-price .price-final_price .price, .current-price [itemprop=price], .product-prices .current-price-value", ".product-info-main .old-price .price, .product-prices .regular-price"},
	{"#product-price, .product-detail .price-sale, .product-price .sale-price, .product-price .price--sale", ".product-price .price--compare, .product-detail .price-original"},
}

// fromVisible reads generic visible price elements.
func (p *page) fromVisible(cur string) *candidate {
	for _, vp := range visiblePrices {
		sel := p.doc.Find(vp.sale)
		if sel.Length() == 0 {
			continue
		}
		a := p.textAmount(elementPrice(sel.First()), cur)
		if a == nil {
			continue
		}
		c := &candidate{source: SourceVisible, price: a, currency: a.Currency}
		if vp.list != "" {
			if l := p.doc.Find(vp.list); l.Length() > 0 {
				c.listPrice = p.textAmount(elementPrice(l.First()), a.Currency)
			}
		}
		return c
	}
	return nil
}

// elementPrice returns a price element's machine value (content, data-price)
// or its text.
func elementPrice(s *goquery.Selection) string {
	for _, k := range []string{"content", "data-price-amount", "data-price"} {
		if v, ok := s.Attr(k); ok && strings.TrimSpace(v) != "" && isMachineNumber(strings.TrimSpace(v)) {
			return strings.TrimSpace(v)
		}
	}
	return clean(nodeText(s.Nodes[0]))
}

// blockedSelector matches bot checks and captcha forms.
const blockedSelector = `form[action*="captcha"], form[action*="Captcha"], .g-recaptcha, .h-captcha, #captcha, #captchacharacters, ` +
	`#challenge-form, #cf-challenge-running, #challenge-running, #px-captcha, [data-sitekey], iframe[src*="captcha"]`

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
	return p.doc.Find(blockedSelector).Length() > 0
}
