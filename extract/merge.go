package extract

import (
	"strings"
	"unicode"

	"github.com/ddokso/ddokso/price"
)

// merge combines candidates field by field. cands is in general precedence
// order (adapter, JSON-LD, microdata, OpenGraph, meta). For the selling
// price the visible page wins over structured metadata: adapter first, then
// the generic visible price, unless a structured source states the same
// amount (then that source is credited).
func merge(p *page, info shopInfo, cands []*candidate, adapter, vis *candidate) *Product {
	out := &Product{
		URL:          p.url.String(),
		Shop:         info.shop,
		Availability: Unknown,
		Sources:      map[string]Source{},
	}

	out.IsProduct = isProductPage(cands, adapter, vis)
	// The visible page is a source of its own, after the structured ones.
	// A structured source stating the visible price keeps the credit.
	all := cands
	if vis != nil {
		all = append(append([]*candidate(nil), cands...), vis)
	}

	out.Title = pickStringOf(out, cands, FieldTitle, func(c *candidate) string { return c.title })
	if vis != nil && vis.title != "" && preferHeading(out.Sources[FieldTitle], out.Title, vis.title) {
		out.Title = vis.title
		out.Sources[FieldTitle] = SourceVisible
	}
	out.Brand = pickStringOf(out, cands, FieldBrand, func(c *candidate) string { return c.brand })
	out.Image = pickStringOf(out, cands, FieldImage, func(c *candidate) string { return c.image })
	out.SKU = pickStringOf(out, all, FieldSKU, func(c *candidate) string { return c.sku })
	out.MPN = pickStringOf(out, all, FieldMPN, func(c *candidate) string { return c.mpn })
	if out.SKU == "" && out.MPN != "" {
		out.SKU = out.MPN
		out.Sources[FieldSKU] = out.Sources[FieldMPN]
	}
	out.GTIN = pickStringOf(out, cands, FieldGTIN, func(c *candidate) string { return c.gtin })
	mergeUnitPrice(out, cands)

	mergeCanonical(p, out, info, cands)

	out.ShopProductID = info.productID
	if out.ShopProductID != "" {
		out.Sources[FieldProductID] = SourceURL
	} else {
		out.ShopProductID = pickStringOf(out, cands, FieldProductID, func(c *candidate) string { return c.productID })
	}

	mergePrice(p, out, cands, adapter, vis)

	for _, c := range all {
		if c.availability != "" {
			out.Availability = c.availability
			out.Sources[FieldAvailability] = c.source
			break
		}
	}
	for _, c := range cands {
		if c.shipping != nil {
			out.ShippingFee = c.shipping
			out.Sources[FieldShippingFee] = c.source
			break
		}
	}
	mergeVariants(out, cands)
	for _, c := range cands {
		if c.currency != "" && out.Currency == "" {
			out.Currency = c.currency
			out.Sources[FieldCurrency] = c.source
		}
	}
	if out.Price != nil {
		out.Currency = out.Price.Currency
		out.Sources[FieldCurrency] = out.Sources[FieldPrice]
	}

	if !out.IsProduct {
		clearNonProduct(p, out)
	}
	return out
}

// isProductPage decides whether the page sells one product: a candidate
// says so, unless a structured source other than OpenGraph calls the page
// a listing and the adapter does not say product; with no verdict either
// way the visible page's decides.
func isProductPage(cands []*candidate, adapter, vis *candidate) bool {
	isProduct, listing := false, false
	for _, c := range cands {
		if c.isProduct {
			isProduct = true
		}
		if c.listing && c.source != SourceOpenGraph {
			listing = true
		}
	}
	if listing && (adapter == nil || !adapter.isProduct) {
		return false
	}
	if !isProduct && !listing && vis != nil && vis.isProduct {
		return true
	}
	return isProduct
}

// mergeCanonical sets CanonicalURL: the page's <link rel=canonical>, else
// the first candidate's, else the one the shop's URL rules build.
func mergeCanonical(p *page, out *Product, info shopInfo, cands []*candidate) {
	if p.canonical != "" {
		out.CanonicalURL = p.abs(p.canonical)
		out.Sources[FieldCanonicalURL] = SourceMeta
	}
	if out.CanonicalURL == "" {
		out.CanonicalURL = p.abs(pickStringOf(out, cands, FieldCanonicalURL, func(c *candidate) string { return c.canonical }))
	}
	if out.CanonicalURL == "" && info.canonical != "" {
		out.CanonicalURL = info.canonical
		out.Sources[FieldCanonicalURL] = SourceURL
	}
}

// mergeUnitPrice takes the unit price text of the first candidate that
// states one, with that candidate's parsed amount.
func mergeUnitPrice(out *Product, cands []*candidate) {
	out.UnitPrice = pickStringOf(out, cands, FieldUnitPrice, func(c *candidate) string { return c.unitPrice })
	for _, c := range cands {
		if c.unitPrice != "" {
			out.UnitPriceAmount = c.unitPriceAmount
			break
		}
	}
}

// mergeVariants takes the variants of the first candidate that has any,
// dropping each variant's list price unless it is above that variant's
// price.
func mergeVariants(out *Product, cands []*candidate) {
	for _, c := range cands {
		if len(c.variants) > 0 {
			out.Variants = c.variants
			out.Sources[FieldVariants] = c.source
			break
		}
	}
	for i := range out.Variants {
		if !higher(out.Variants[i].ListPrice, out.Variants[i].Price) {
			out.Variants[i].ListPrice = nil
		}
	}
}

// clearNonProduct strips a page that sells nothing of its commerce fields
// and of visible SKU/MPN labels, and records whether it was blocked.
func clearNonProduct(p *page, out *Product) {
	out.Blocked = p.blocked()
	clearCommerce(out)
	if out.Sources[FieldSKU] == SourceVisible {
		out.SKU, out.MPN = "", "" // a labelled number on a page that sells nothing
		delete(out.Sources, FieldSKU)
		delete(out.Sources, FieldMPN)
	}
}

// preferHeading reports whether the page's main heading is a better title
// than the one chosen from src: the heading is the name a person reads,
// while OpenGraph and <title> texts often add the shop's name, slogan or
// category ("Copper Shade - Tom Dixon - from Icône").
func preferHeading(src Source, title, heading string) bool {
	if len(heading) < 4 {
		return false
	}
	switch src {
	case "":
		return true
	case SourceMeta:
		return title != heading
	case SourceOpenGraph:
		return title != heading && strings.Contains(alnumLower(title), alnumLower(heading))
	case SourceJSONLD, SourceMicrodata:
		// The heading adds what the structured name leaves out, typically
		// the brand ("AMD" + "Ryzen 5 1400 WRAITH, Prozessor (boxed)").
		h, t := alnumLower(heading), alnumLower(title)
		return len(h) > len(t) && len(h) <= len(t)+24 && strings.Contains(h, t)
	}
	return false
}

// alnumLower is s in lower case with everything but letters and digits
// removed, for comparing titles written with different punctuation.
func alnumLower(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// pickStringOf returns the first non-empty value among cands and credits
// its source.
func pickStringOf(out *Product, cands []*candidate, field string, get func(*candidate) string) string {
	for _, c := range cands {
		if v := get(c); v != "" {
			out.Sources[field] = c.source
			return v
		}
	}
	return ""
}

// mergePrice chooses Price and ListPrice: the site adapter's; else the
// structured price (JSON-LD, microdata, OpenGraph, meta), unless the
// visible page shows a lower selling price with the structured amount
// struck through as its list price; else the visible price.
func mergePrice(p *page, out *Product, cands []*candidate, adapter, vis *candidate) {
	chosen := choosePrice(p, cands, adapter, vis)
	if chosen == nil || chosen.price.Currency == "" {
		return
	}
	out.Price = chosen.price
	out.Sources[FieldPrice] = chosen.source
	list, listSrc := chosen.listPrice, chosen.source
	if !higher(list, out.Price) {
		list = nil
		// A list price stated by another source still applies when it is above the price.
		for _, c := range append([]*candidate{vis}, cands...) {
			if c != nil && higher(c.listPrice, out.Price) {
				list, listSrc = c.listPrice, c.source
				break
			}
		}
	}
	if list != nil {
		out.ListPrice = list
		out.Sources[FieldListPrice] = listSrc
	}
}

// choosePrice returns the candidate whose price mergePrice takes (nil when
// none has one). Its cases stay together: their order is the precedence
// between the adapter, structured data and the visible page.
func choosePrice(p *page, cands []*candidate, adapter, vis *candidate) *candidate {
	var chosen *candidate
	switch {
	case adapter != nil && adapter.price != nil:
		chosen = adapter
	default:
		for _, c := range cands {
			if c.price != nil {
				chosen = c
				break
			}
		}
		if vis != nil && vis.price != nil {
			switch {
			case chosen == nil:
				chosen = vis
			case chosen.price.Currency == "" && chosen.price.Minor == vis.price.Minor:
				// A structured amount without currency takes the visible one's.
				fixed := *chosen
				fixed.price = vis.price
				if fixed.listPrice != nil && fixed.listPrice.Currency == "" {
					l := *fixed.listPrice
					l.Currency = vis.price.Currency
					fixed.listPrice = &l
				}
				chosen = &fixed
			case sameAmount(vis.listPrice, chosen.price) && vis.price.Minor < chosen.price.Minor:
				chosen = vis
			case vis.score >= strongPriceScore && !sameAmount(vis.price, chosen.price):
				chosen = vis // what a person sees beats stale metadata
			case !sameAmount(vis.price, chosen.price) && !p.showsAmount(chosen.price):
				chosen = vis // the structured amount is nowhere on the page
			}
		}
	}
	return chosen
}

// higher reports whether list is a real list price for p: same currency, larger.
func higher(list, p *price.Amount) bool {
	return list != nil && p != nil && list.Currency == p.Currency && list.Minor > p.Minor
}

// clearCommerce removes prices, stock and variants from a non-product page.
func clearCommerce(out *Product) {
	out.Price, out.ListPrice, out.ShippingFee, out.UnitPriceAmount = nil, nil, nil, nil
	out.UnitPrice = ""
	out.Availability = Unknown
	out.Variants = nil
	out.Currency = ""
	for _, f := range []string{FieldPrice, FieldListPrice, FieldShippingFee, FieldUnitPrice, FieldAvailability, FieldVariants, FieldCurrency} {
		delete(out.Sources, f)
	}
}
