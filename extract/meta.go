package extract

import (
	"strings"
)

// fromOpenGraph reads og:* and product:* meta tags.
func (p *page) fromOpenGraph() *candidate {
	c := &candidate{source: SourceOpenGraph}
	ogType := strings.ToLower(p.meta("og:type"))
	c.title = clean(p.meta("og:title"))
	c.image = p.abs(p.meta("og:image:secure_url", "og:image", "og:image:url"))
	c.canonical = p.meta("og:url")
	c.brand = clean(p.meta("product:brand", "og:brand"))
	c.sku = clean(p.meta("product:retailer_item_id", "product:sku"))
	c.gtin = clean(p.meta("product:gtin", "product:ean", "product:upc"))
	c.currency = strings.ToUpper(p.meta("product:price:currency", "og:price:currency", "product:sale_price:currency"))
	cur := c.currency
	if sale := p.amountOf(p.meta("product:sale_price:amount"), cur); sale != nil {
		c.price = sale
		c.listPrice = p.amountOf(p.meta("product:price:amount", "og:price:amount", "product:original_price:amount"), cur)
	} else {
		c.price = p.amountOf(p.meta("product:price:amount", "og:price:amount", "product:price"), cur)
		c.listPrice = p.amountOf(p.meta("product:original_price:amount"), cur)
	}
	c.availability = parseAvailability(p.meta("product:availability", "og:availability"))
	switch ogType {
	case "product", "product.item", "og:product", "books.book":
		c.isProduct = true
	case "product.group":
		// A group of products: a category or collection page, unless it
		// states a price of its own.
		c.isProduct = c.price != nil
	case "article", "blog", "website", "profile", "video.other", "video.movie":
		c.isProduct = c.price != nil
	default:
		c.isProduct = c.price != nil
	}
	if c.currency == "" && c.price != nil {
		c.currency = c.price.Currency
	}
	return c
}

// fromMeta reads the <title>, Twitter cards and plain meta tags.
func (p *page) fromMeta() *candidate {
	c := &candidate{source: SourceMeta}
	c.title = clean(p.meta("twitter:title"))
	if c.title == "" {
		c.title = clean(p.title)
	}
	c.image = p.abs(p.meta("twitter:image", "twitter:image:src", "thumbnail"))
	for i := 1; i <= 2; i++ {
		label := strings.ToLower(p.meta("twitter:label" + string(rune('0'+i))))
		data := p.meta("twitter:data" + string(rune('0'+i)))
		if data == "" {
			continue
		}
		switch {
		case strings.Contains(label, "price") || strings.Contains(label, "가격") || strings.Contains(label, "preis") ||
			strings.Contains(label, "価格") || strings.Contains(label, "prix"):
			if c.price == nil {
				c.price = p.textAmount(data, "")
			}
		case strings.Contains(label, "availab") || strings.Contains(label, "재고") || strings.Contains(label, "verfügbar"):
			c.availability = parseAvailability(data)
		}
	}
	if c.price != nil {
		c.currency = c.price.Currency
	}
	return c
}
