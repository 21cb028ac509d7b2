package extract

import (
	"strings"
)

// coupang reads Coupang product pages (www.coupang.com/vp/products/...).
func (p *page) coupang() *candidate {
	c := &candidate{source: adapterSource("coupang"), currency: "KRW"}
	sdp := decodeObject(objectAfter(p.scriptContaining("exports.sdp"), "exports.sdp"))

	c.title = p.firstText(".prod-buy-header__title", "h1.prod-buy-header__title", ".product-title h1", "h1.product-title")
	if c.title == "" && sdp != nil {
		c.title = first(sdp, "title", "itemName")
	}
	c.price = p.firstPrice("KRW",
		".prod-sale-price .total-price strong",
		".prod-price .total-price strong",
		".prod-sale-price .total-price",
		".price-container .final-price-amount",
		".final-price .price-amount",
		".total-price strong")
	c.listPrice = p.firstPrice("KRW", ".prod-origin-price .origin-price", ".origin-price", ".base-price",
		".price-container .original-price-amount", ".original-price .price-amount")
	c.unitPrice, c.unitPriceAmount = p.unitPrice(p.firstText(".prod-sale-price .unit-price", ".unit-price", ".final-price .unit-price"), "KRW")
	c.shipping = p.shippingFee(p.firstText(".prod-shipping-fee-message", ".shipping-fee-txt", ".prod-delivery-fee"), "KRW")
	c.image = p.abs(p.firstAttr("src", "img.prod-image__detail", ".prod-image__item--active img", ".product-image img"))
	c.brand = p.firstText("a.prod-brand-name", ".prod-brand-name")
	if c.brand == "" {
		c.brand = p.firstAttr("data-brand-name", ".prod-brand-name")
	}
	if sdp != nil {
		c.productID = first(sdp, "productId")
		if c.brand == "" {
			c.brand = first(sdp, "brand", "brandName")
		}
	}
	if c.productID == "" {
		c.productID = p.firstAttr("data-product-id", "[data-product-id]")
	}

	soldOut := p.exists(".prod-not-find-known__buy__button, .oos-label, .prod-out-of-stock, .sold-out-label") ||
		(sdp != nil && truthy(sdp["soldOut"]))
	if !soldOut {
		if btn := p.firstText(".prod-buy-btn", ".prod-buy__btn"); strings.Contains(btn, "품절") {
			soldOut = true
		}
	}
	switch {
	case soldOut:
		c.availability = OutOfStock
	case c.price != nil && p.exists(".prod-buy-btn, .prod-buy__btn, .prod-cart-btn"):
		c.availability = InStock
	}
	c.isProduct = c.title != "" || c.price != nil
	if !c.isProduct {
		return nil
	}
	return c
}
