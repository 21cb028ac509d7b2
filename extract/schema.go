package extract

import (
	"net/url"
	"strings"

	"github.com/ddokso/ddokso/price"
)

// offer is one schema.org Offer (or AggregateOffer) reduced to what we use.
type offer struct {
	price, listPrice *price.Amount
	currency         string
	availability     Availability
	sku, id, name    string
	shipping         *price.Amount
}

// offersOf reads an offers value (object or list; Offer or AggregateOffer).
// Sub-offers of an AggregateOffer are returned in subs.
func (p *page) offersOf(v any, cur string) (offers, subs []offer) {
	for _, x := range asList(v) {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		o := p.offerOf(m, cur)
		if hasType(m, "AggregateOffer") {
			// A range is no single price: lowPrice counts only when
			// highPrice equals it, or when there is one offer.
			low := p.amountOf(m["lowPrice"], o.currency)
			high := p.amountOf(m["highPrice"], o.currency)
			count, hasCount := num(m["offerCount"])
			switch {
			case o.price != nil:
			case low != nil && high != nil && *low == *high:
				o.price = low
			case low != nil && high == nil && hasCount && count == 1:
				o.price = low
			}
			inner, innerSubs := p.offersOf(m["offers"], o.currency)
			subs = append(subs, inner...)
			subs = append(subs, innerSubs...)
			if o.price == nil && len(inner) > 0 && (low == nil || high == nil || *low == *high) {
				o.price = single(inner)
			}
			if o.availability == "" {
				o.availability = overallAvailability(inner)
			}
		}
		offers = append(offers, o)
	}
	return offers, subs
}

func (p *page) offerOf(m map[string]any, cur string) offer {
	o := offer{currency: strings.ToUpper(first(m, "priceCurrency", "currency"))}
	if o.currency == "" {
		o.currency = cur
	}
	o.price = p.amountOf(m["price"], o.currency)
	p.priceSpecs(&o, m["priceSpecification"])
	if o.currency == "" && o.price != nil {
		o.currency = o.price.Currency
	}
	if o.currency == "" && o.price != nil {
		p.currencyFromPriceText(&o, m)
	}
	o.availability = parseAvailability(first(m, "availability"))
	o.sku = first(m, "sku")
	o.name = first(m, "name")
	o.id = offerID(m)
	o.shipping = p.shippingOf(m["shippingDetails"], o.currency)
	return o
}

// priceSpecs reads an offer's priceSpecification entries: a list price
// type fills an empty listPrice, a sale price (or an untyped one when the
// offer has no price) fills price; a currency-less offer takes the first
// entry's currency.
func (p *page) priceSpecs(o *offer, specs any) {
	for _, sv := range asList(specs) {
		spec, ok := sv.(map[string]any)
		if !ok {
			continue
		}
		scur := strings.ToUpper(first(spec, "priceCurrency"))
		if scur == "" {
			scur = o.currency
		}
		if o.currency == "" {
			o.currency = scur
		}
		a := p.amountOf(spec["price"], scur)
		if a == nil {
			a = p.amountOf(spec["minPrice"], scur)
		}
		pt := strings.ToLower(schemaType(first(spec, "priceType")))
		switch {
		case a == nil:
		case pt == "listprice" || pt == "strikethroughprice" || pt == "msrp" || pt == "srp":
			if o.listPrice == nil {
				o.listPrice = a
			}
		case pt == "saleprice" || pt == "":
			if o.price == nil || pt == "saleprice" {
				o.price = a
			}
		}
	}
}

// currencyFromPriceText reprices an offer without a currency from the
// price element's text, which in microdata may name the currency its
// content attribute leaves out (content="12.99">$12.99).
func (p *page) currencyFromPriceText(o *offer, m map[string]any) {
	t := first(m, "@priceText")
	if t == "" {
		return
	}
	if a, ok := price.Parse(t, ""); ok && a.Currency != "" {
		if fixed := p.amountOf(m["price"], a.Currency); fixed != nil {
			o.price, o.currency = fixed, a.Currency
		}
	}
}

// offerID is the offer's own id, else the variant query parameter of its
// URL.
func offerID(m map[string]any) string {
	if id := first(m, "@id", "identifier", "productID"); id != "" {
		return id
	}
	if u := first(m, "url"); u != "" {
		if pu, err := url.Parse(u); err == nil {
			return pu.Query().Get("variant")
		}
	}
	return ""
}

// shippingOf is the rate of the first shipping detail that states one, in
// cur unless the rate names its currency; a zero rate is free shipping.
func (p *page) shippingOf(details any, cur string) *price.Amount {
	for _, sd := range asList(details) {
		if sm, ok := sd.(map[string]any); ok {
			if rate, ok := sm["shippingRate"].(map[string]any); ok {
				rc := strings.ToUpper(first(rate, "currency", "priceCurrency"))
				if rc == "" {
					rc = cur
				}
				if v := str(rate["value"]); v == "0" || v == "0.0" || v == "0.00" {
					return &price.Amount{Currency: rc}
				}
				return p.amountOf(rate["value"], rc)
			}
		}
	}
	return nil
}

// single returns the one price all priced offers agree on, or nil when
// they state different prices (a range, not a price).
func single(offers []offer) *price.Amount {
	var one *price.Amount
	for _, o := range offers {
		if o.price == nil {
			continue
		}
		if one != nil && *one != *o.price {
			return nil
		}
		one = o.price
	}
	return one
}

// lowest returns the lowest price among offers that are not sold out, or
// among all offers when every one is sold out.
func lowest(offers []offer) *price.Amount {
	var best, bestAny *price.Amount
	for _, o := range offers {
		if o.price == nil {
			continue
		}
		if bestAny == nil || o.price.Minor < bestAny.Minor && o.price.Currency == bestAny.Currency {
			bestAny = o.price
		}
		if o.availability != OutOfStock && (best == nil || o.price.Minor < best.Minor && o.price.Currency == best.Currency) {
			best = o.price
		}
	}
	if best != nil {
		return best
	}
	return bestAny
}

// overallAvailability is in stock if any offer is, else preorder, else out
// of stock if any offer says so.
func overallAvailability(offers []offer) Availability {
	var pre, out bool
	for _, o := range offers {
		switch o.availability {
		case InStock:
			return InStock
		case PreOrder:
			pre = true
		case OutOfStock:
			out = true
		}
	}
	switch {
	case pre:
		return PreOrder
	case out:
		return OutOfStock
	}
	return ""
}

// listFor returns the list price of the offer whose price is chosen.
func listFor(offers []offer, chosen *price.Amount) *price.Amount {
	for _, o := range offers {
		if sameAmount(o.price, chosen) && o.listPrice != nil {
			return o.listPrice
		}
	}
	return nil
}

// productFromNode converts a schema.org Product or ProductGroup node (from
// JSON-LD, or microdata converted to the same shape) to a candidate.
func (p *page) productFromNode(m map[string]any, src Source) *candidate {
	c := &candidate{source: src, isProduct: true}
	c.title = first(m, "name", "headline")
	c.brand = first(m, "brand", "manufacturer")
	c.image = p.abs(imageOf(m["image"]))
	c.sku = first(m, "sku", "productGroupID", "mpn")
	c.gtin = first(m, "gtin", "gtin13", "gtin14", "gtin12", "gtin8", "isbn")
	c.productID = first(m, "productID", "productGroupID")

	offers, subs := p.offersOf(m["offers"], "")
	if len(offers) == 0 && m["price"] != nil {
		// Offer properties written on the product itself (microdata with an
		// itemprop="offers" element that is not an item of its own).
		offers = append(offers, p.offerOf(m, ""))
	}
	all := append(append([]offer(nil), offers...), subs...)
	c.price = lowest(offers)
	c.listPrice = listFor(offers, c.price)
	c.availability = overallAvailability(offers)
	if c.availability == "" {
		c.availability = overallAvailability(subs)
	}
	for _, o := range all {
		if c.currency == "" && o.currency != "" {
			c.currency = o.currency
		}
		if c.shipping == nil && o.shipping != nil {
			c.shipping = o.shipping
		}
	}

	if hasType(m, "ProductGroup") {
		c.variants = p.groupVariants(m)
		if c.price == nil {
			vo := variantOffers(c.variants)
			c.price = lowest(vo)
			c.listPrice = listFor(vo, c.price)
			if c.availability == "" {
				c.availability = overallAvailability(vo)
			}
		}
		if c.image == "" {
			for _, v := range asList(m["hasVariant"]) {
				if vm, ok := v.(map[string]any); ok {
					if c.image = p.abs(imageOf(vm["image"])); c.image != "" {
						break
					}
				}
			}
		}
		if c.currency == "" {
			for _, v := range c.variants {
				if v.Price != nil {
					c.currency = v.Price.Currency
					break
				}
			}
		}
	} else if vs := offerVariants(all); len(vs) > 1 {
		c.variants = vs
	}
	return c
}

func variantOffers(vs []Variant) []offer {
	out := make([]offer, 0, len(vs))
	for _, v := range vs {
		out = append(out, offer{price: v.Price, listPrice: v.ListPrice, availability: v.Availability})
	}
	return out
}

// offerVariants turns a list of distinct offers (one per SKU, as Shopify
// emits them) into variants. Offers that are not distinguishable yield nil.
func offerVariants(offers []offer) []Variant {
	seen := map[string]bool{}
	var out []Variant
	for _, o := range offers {
		key := o.sku + "\x00" + o.id + "\x00" + o.name
		if key == "\x00\x00" || seen[key] || o.price == nil {
			continue
		}
		seen[key] = true
		id := o.id
		if id == "" {
			id = o.sku
		}
		opts := map[string]string{}
		if o.name != "" {
			opts["name"] = o.name
		}
		out = append(out, Variant{ID: id, Options: opts, Price: o.price, ListPrice: o.listPrice,
			Availability: orUnknown(o.availability), SKU: o.sku})
	}
	return out
}

var variantProps = []string{"color", "size", "material", "pattern", "suggestedGender", "suggestedAge"}

// groupVariants reads ProductGroup.hasVariant.
func (p *page) groupVariants(m map[string]any) []Variant {
	var props []string
	for _, v := range asList(m["variesBy"]) {
		if s := schemaType(str(v)); s != "" {
			props = append(props, s)
		}
	}
	if len(props) == 0 {
		props = variantProps
	}
	var out []Variant
	for _, v := range asList(m["hasVariant"]) {
		vm, ok := v.(map[string]any)
		if !ok {
			continue
		}
		vc := p.productFromNode(vm, "")
		opts := map[string]string{}
		for _, prop := range props {
			if s := str(vm[prop]); s != "" {
				opts[prop] = s
			}
		}
		id := first(vm, "sku", "productID", "@id", "gtin", "gtin13")
		out = append(out, Variant{ID: id, Options: opts, Price: vc.price, ListPrice: vc.listPrice,
			Availability: orUnknown(vc.availability), SKU: vc.sku})
	}
	return out
}

func orUnknown(a Availability) Availability {
	if a == "" {
		return Unknown
	}
	return a
}
