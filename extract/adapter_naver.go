package extract

import (
	"fmt"
	"strings"

	"github.com/ddokso/ddokso/price"
)

// naver reads Naver SmartStore and brand store pages from the
// window.__PRELOADED_STATE__ JSON the store front renders from.
//
// The state holds more than one product-shaped object: product.A is the
// store's initial value, an empty placeholder on a server-rendered page
// (name null, salePrice 0, stockQuantity 0, productStatusType null) that
// the browser fills later; the product itself is
// simpleProductForDetailPage.A. Only a populated object (a name and a
// positive price) is read, and one whose id names another product than the
// URL's is not.
func (p *page) naver() *candidate {
	script := p.scriptContaining("__PRELOADED_STATE__")
	urlID := submatch(naverPath, p.url.Path)
	// The state is large (a whole store front); decode the product's own
	// object first and the whole state only when that does not answer.
	var prod map[string]any
	if sp := decodeObject(objectAfter(script, `"simpleProductForDetailPage":`)); sp != nil {
		prod = naverProduct(map[string]any{"simpleProductForDetailPage": sp}, urlID)
	}
	if prod == nil {
		stateText := objectAfter(script, "__PRELOADED_STATE__")
		// Most of the state is never read when one of the two known
		// product objects answers (the product's own HTML description
		// alone is ~100 KB): decode only those two, without
		// detailContents, and the whole state only when neither answers.
		if state := decodeObjectSkipping(stateText, naverSkip); state != nil {
			prod = naverPick(naverKnown(state), urlID)
		}
		if prod == nil {
			state := decodeObject(stateText)
			if state == nil {
				return nil
			}
			prod = naverProduct(state, urlID)
		}
	}
	if prod == nil {
		return nil
	}
	c := &candidate{source: adapterSource("naver"), isProduct: true, currency: "KRW"}
	c.title = first(prod, "name", "productName", "dispName")
	c.image = p.abs(first(prod, "representativeImageUrl"))
	if c.image == "" {
		c.image = p.abs(imageOf(path(prod, "representImage", "url")))
	}
	if c.image == "" {
		c.image = p.abs(imageOf(prod["productImages"]))
	}
	c.brand = first(asMap(path(prod, "naverShoppingSearchInfo")), "brandName", "manufacturerName")
	c.productID = first(prod, "id", "channelProductNo", "productNo")
	c.sku = first(prod, "sellerManagementCode")
	c.gtin = first(prod, "barcode")

	sale, _ := num(prod["salePrice"])
	final := sale
	for _, v := range []any{path(prod, "benefitsView", "discountedSalePrice"), prod["discountedSalePrice"],
		path(prod, "benefitsView", "mobileDiscountedSalePrice")} {
		if d, ok := num(v); ok && d > 0 && d <= sale {
			final = d
			break
		}
	}
	c.price = krw(final)
	if sale > final {
		c.listPrice = krw(sale)
	}

	c.availability = naverStatus(first(prod, "productStatusType", "statusType"))

	if fee := path(prod, "productDeliveryInfo"); fee != nil {
		if strings.EqualFold(str(path(fee, "deliveryFeeType")), "FREE") {
			c.shipping = &price.Amount{Currency: "KRW"}
		} else if f, ok := num(path(fee, "baseFee")); ok && f >= 0 {
			c.shipping = &price.Amount{Minor: f, Currency: "KRW"}
		}
	}

	c.variants = naverVariants(prod, final, sale)
	return c
}

// naverStatus maps productStatusType. It is the only stock signal of the
// state: stockQuantity is 0 on placeholders and not reliably filled on
// products on sale, and flags such as soldout or enableCart keep their
// initial values. Unknown states are "" (never a guess).
func naverStatus(s string) Availability {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "SALE":
		return InStock
	case "OUTOFSTOCK", "SUSPENSION", "CLOSE", "PROHIBITION", "DELETE":
		return OutOfStock
	}
	return ""
}

// naverProduct returns the populated product object of the state:
// simpleProductForDetailPage.A first, then product.A, then any other
// product-shaped object; placeholders and other products are skipped.
func naverProduct(state map[string]any, urlID string) map[string]any {
	return naverPick(append(naverKnown(state), findMaps(state, naverIsProduct, 0, 8)...), urlID)
}

// naverKnown returns the state's two known product objects,
// simpleProductForDetailPage.A and product.A (nil when absent).
func naverKnown(state map[string]any) []map[string]any {
	return []map[string]any{asMap(path(state, "simpleProductForDetailPage", "A")), asMap(path(state, "product", "A"))}
}

// naverSkip tells decodeObjectSkipping what naverKnown and the product
// reader never look at: the state's members other than the two product
// holders, and any product's detailContents.
func naverSkip(depth int, key string) bool {
	return depth == 1 && key != "simpleProductForDetailPage" && key != "product" || key == "detailContents"
}

// naverIsProduct reports whether m is product-shaped.
func naverIsProduct(m map[string]any) bool {
	return has(m, "salePrice") && (has(m, "name") || has(m, "productName")) &&
		(has(m, "productStatusType") || has(m, "optionCombinations") || has(m, "stockQuantity"))
}

// naverPick returns the first of cands that is a populated product and
// not another product than the URL's.
func naverPick(cands []map[string]any, urlID string) map[string]any {
	for _, m := range cands {
		if !naverIsProduct(m) || !naverPopulated(m) {
			continue
		}
		if urlID != "" {
			ids := []string{first(m, "id"), first(m, "channelProductNo"), first(m, "productNo")}
			match, any := false, false
			for _, id := range ids {
				if id != "" {
					any = true
					match = match || id == urlID
				}
			}
			if any && !match {
				continue // another product (recommendations, a bundle)
			}
		}
		return m
	}
	return nil
}

// naverPopulated reports whether a product object carries data: a name
// and a positive sale price.
func naverPopulated(m map[string]any) bool {
	sale, _ := num(m["salePrice"])
	return sale > 0 && first(m, "name", "productName", "dispName") != ""
}

func krw(v int64) *price.Amount {
	if v <= 0 {
		return nil
	}
	return &price.Amount{Minor: v, Currency: "KRW"}
}

// naverVariants turns optionCombinations into variants; each combination's
// price is a delta on the product price.
func naverVariants(prod map[string]any, final, sale int64) []Variant {
	combos := asList(prod["optionCombinations"])
	if len(combos) == 0 {
		return nil
	}
	names := make([]string, 3)
	for i, g := range asList(prod["options"]) {
		if i < 3 {
			names[i] = first(asMap(g), "groupName", "name")
		}
	}
	for i := range names {
		if s := str(path(prod, "optionCombinationGroupNames", fmt.Sprintf("optionGroupName%d", i+1))); s != "" && names[i] == "" {
			names[i] = s
		}
		if names[i] == "" {
			names[i] = fmt.Sprintf("option%d", i+1)
		}
	}
	var out []Variant
	for _, x := range combos {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		opts := map[string]string{}
		for i := range 3 {
			if v := str(m[fmt.Sprintf("optionName%d", i+1)]); v != "" {
				opts[names[i]] = v
			}
		}
		delta, _ := num(m["price"])
		v := Variant{ID: str(m["id"]), Options: opts, Price: krw(final + delta), SKU: first(m, "sellerManagerCode", "sellerManagementCode")}
		if sale > final {
			v.ListPrice = krw(sale + delta)
		}
		stock, hasStock := num(m["stockQuantity"])
		switch {
		case m["usable"] == false:
			v.Availability = OutOfStock
		case hasStock && stock > 0:
			v.Availability = InStock
		case hasStock:
			v.Availability = OutOfStock
		default:
			v.Availability = Unknown
		}
		out = append(out, v)
	}
	return out
}
