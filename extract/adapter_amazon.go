package extract

import (
	"strings"
)

// amazon reads Amazon product detail pages on any marketplace domain.
func (p *page) amazon() *candidate {
	c := &candidate{source: adapterSource("amazon")}
	c.title = p.firstText("#productTitle", "#title")
	cur := p.currencyHint
	c.price = p.firstPrice(cur,
		"#corePriceDisplay_desktop_feature_div .priceToPay .a-offscreen",
		"#corePrice_feature_div .a-price .a-offscreen",
		"#corePrice_feature_div .a-offscreen",
		"#apex_desktop .priceToPay .a-offscreen",
		"#priceblock_dealprice", "#priceblock_saleprice", "#priceblock_ourprice", "#price_inside_buybox", "#newBuyBoxPrice",
		"#kindle-price", "#buyNewSection .offer-price", "#buybox .offer-price", "#actualPriceValue")
	if c.price != nil {
		cur = c.price.Currency
		c.currency = cur
	}
	c.listPrice = p.firstPrice(cur,
		"#corePriceDisplay_desktop_feature_div .basisPrice .a-offscreen",
		"#corePriceDisplay_desktop_feature_div .a-price[data-a-strike=true] .a-offscreen",
		"#apex_desktop .basisPrice .a-offscreen", "#priceblock_listprice", "#listPrice", "#listPriceValue",
		"#buybox .a-text-strike", "#buyNewSection .a-text-strike")
	c.unitPrice, c.unitPriceAmount = p.unitPrice(p.firstText("#corePriceDisplay_desktop_feature_div .pricePerUnit", "#corePrice_feature_div .pricePerUnit"), cur)
	if img := p.firstAttr("data-old-hires", "#landingImage"); img != "" {
		c.image = p.abs(img)
	} else {
		c.image = p.abs(p.firstAttr("src", "#landingImage", "#imgBlkFront", "#main-image"))
	}
	c.brand = amazonBrand(p.firstText("#bylineInfo"))
	c.productID = p.firstAttr("value", "input#ASIN", "input[name=ASIN]")
	c.availability = availabilityFromText(p.firstText("#availability span", "#availability", "#outOfStock"))
	if c.availability == "" && c.price != nil && p.exists("#add-to-cart-button, #buy-now-button, #one-click-button, #add-to-cart-button-ubb") {
		c.availability = InStock
	}
	// A product detail page (/dp/ASIN) with its title is a product, even
	// when no offer is shown; on other pages a price or stock state must be.
	c.isProduct = c.title != "" && (c.price != nil || c.availability != "" || amazonPath.MatchString(p.url.Path))
	if c.title == "" && c.price == nil {
		return nil
	}
	return c
}

// amazonBrand turns the byline ("Visit the Anker Store", "Brand: Anker",
// "Besuche den Anker-Store", "ブランド: Anker") into the brand name.
func amazonBrand(s string) string {
	s = clean(s)
	for _, pre := range []string{"Visit the ", "Besuche den ", "Visitez la boutique ", "Brand: ", "Marke: ", "Marque : ", "ブランド: ", "ブランド："} {
		if strings.HasPrefix(s, pre) {
			s = strings.TrimPrefix(s, pre)
			break
		}
	}
	for _, suf := range []string{" Store", "-Store", " Shop", "のストアを表示"} {
		s = strings.TrimSuffix(s, suf)
	}
	return strings.TrimSpace(s)
}
