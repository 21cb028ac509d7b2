package extract

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/ddokso/ddokso/price"
)

// Availability is the normalised stock state of a product or variant.
type Availability string

// Availability values.
const (
	InStock    Availability = "in_stock"
	OutOfStock Availability = "out_of_stock"
	PreOrder   Availability = "preorder"
	Unknown    Availability = "unknown"
)

// Source names where a field value was found.
type Source string

// Sources of field values, from most structured to least.
const (
	SourceJSONLD    Source = "jsonld"
	SourceMicrodata Source = "microdata"
	SourceOpenGraph Source = "opengraph"
	SourceMeta      Source = "meta"
	SourceVisible   Source = "visible"
	SourceURL       Source = "url"
)

// adapterSource is the Source of a site adapter, e.g. "adapter:naver".
func adapterSource(name string) Source { return Source("adapter:" + name) }

// Field names used as keys of Product.Sources.
const (
	FieldTitle        = "title"
	FieldPrice        = "price"
	FieldListPrice    = "list_price"
	FieldCurrency     = "currency"
	FieldAvailability = "availability"
	FieldImage        = "image"
	FieldBrand        = "brand"
	FieldSKU          = "sku"
	FieldMPN          = "mpn"
	FieldGTIN         = "gtin"
	FieldVariants     = "variants"
	FieldCanonicalURL = "canonical_url"
	FieldUnitPrice    = "unit_price"
	FieldShippingFee  = "shipping_fee"
	FieldProductID    = "shop_product_id"
)

// Variant is one purchasable option combination of a product.
type Variant struct {
	// ID is the shop's identifier of the variant (SKU, option id, vendor item id).
	ID string
	// Options maps option name to value, e.g. {"색상": "블랙", "사이즈": "M"}.
	Options map[string]string
	// Price is the selling price of this variant; nil when unknown.
	Price *price.Amount
	// ListPrice is the price before discount; nil when unknown or equal to Price.
	ListPrice *price.Amount
	// Availability is the stock state of this variant.
	Availability Availability
	// SKU is the merchant's stock keeping unit.
	SKU string
}

// Product is what Extract found on a page.
type Product struct {
	// IsProduct reports whether the page is a single product detail page.
	// Listings, articles, home pages, captcha and error pages are not.
	IsProduct bool
	// Blocked reports that the page looks like a bot check or an HTTP error
	// page (captcha, "Access Denied", 403) rather than the requested content.
	Blocked bool

	Title         string
	Brand         string
	Image         string // absolute URL
	Shop          string // shop key, e.g. "coupang" or the host for generic shops
	ShopProductID string
	CanonicalURL  string // absolute URL from link rel=canonical or og:url
	URL           string // the page URL given to Extract

	// Price is the current selling price; nil when unknown, never zero.
	Price *price.Amount
	// ListPrice is the price before discount; nil when unknown or not higher than Price.
	ListPrice *price.Amount
	// Currency is the ISO 4217 code of Price, or of any price seen on the page.
	Currency string
	// Availability is the stock state; Unknown when the page gives no signal.
	Availability Availability

	// UnitPrice is the shop's unit price text, e.g. "100g당 1,290원".
	UnitPrice string
	// UnitPriceAmount is the amount of UnitPrice when it could be parsed.
	UnitPriceAmount *price.Amount
	// ShippingFee is the delivery fee; a zero amount means free shipping.
	ShippingFee *price.Amount

	GTIN string
	// SKU is the merchant's stock keeping unit; when the page states none,
	// the manufacturer part number or model number (MPN).
	SKU string
	// MPN is the manufacturer part number or model number.
	MPN string

	Variants []Variant
	// Sources maps a field name (FieldPrice, FieldTitle, ...) to where its value came from.
	Sources map[string]Source
}

// jsonProduct is the exact output format of `ddokso extract`.
type jsonProduct struct {
	IsProduct     bool              `json:"is_product"`
	Title         *string           `json:"title"`
	Price         *string           `json:"price"`
	ListPrice     *string           `json:"list_price"`
	Currency      *string           `json:"currency"`
	Availability  Availability      `json:"availability"`
	Image         *string           `json:"image"`
	SKU           *string           `json:"sku"`
	MPN           *string           `json:"mpn"`
	GTIN          *string           `json:"gtin"`
	Brand         *string           `json:"brand"`
	Variants      []jsonVariant     `json:"variants"`
	Shop          *string           `json:"shop"`
	ShopProductID *string           `json:"shop_product_id"`
	CanonicalURL  *string           `json:"canonical_url"`
	UnitPrice     *string           `json:"unit_price"`
	ShippingFee   *string           `json:"shipping_fee"`
	Sources       map[string]Source `json:"sources"`
}

type jsonVariant struct {
	ID           *string           `json:"id"`
	Options      map[string]string `json:"options"`
	Price        *string           `json:"price"`
	ListPrice    *string           `json:"list_price,omitempty"`
	Availability Availability      `json:"availability"`
	SKU          *string           `json:"sku"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optAmount(a *price.Amount) *string {
	if a == nil {
		return nil
	}
	s := a.Decimal()
	return &s
}

// MarshalJSON encodes p in the `ddokso extract` CLI format: prices as decimal
// strings in major units ("12900", "12.99") or null, missing strings as null.
func (p *Product) MarshalJSON() ([]byte, error) {
	out := jsonProduct{
		IsProduct:     p.IsProduct,
		Title:         optString(p.Title),
		Price:         optAmount(p.Price),
		ListPrice:     optAmount(p.ListPrice),
		Currency:      optString(p.Currency),
		Availability:  p.Availability,
		Image:         optString(p.Image),
		SKU:           optString(p.SKU),
		MPN:           optString(p.MPN),
		GTIN:          optString(p.GTIN),
		Brand:         optString(p.Brand),
		Variants:      make([]jsonVariant, 0, len(p.Variants)),
		Shop:          optString(p.Shop),
		ShopProductID: optString(p.ShopProductID),
		CanonicalURL:  optString(p.CanonicalURL),
		UnitPrice:     optString(p.UnitPrice),
		ShippingFee:   optAmount(p.ShippingFee),
		Sources:       p.Sources,
	}
	if out.Availability == "" {
		out.Availability = Unknown
	}
	if out.Sources == nil {
		out.Sources = map[string]Source{}
	}
	for _, v := range p.Variants {
		opts := v.Options
		if opts == nil {
			opts = map[string]string{}
		}
		av := v.Availability
		if av == "" {
			av = Unknown
		}
		out.Variants = append(out.Variants, jsonVariant{
			ID:           optString(v.ID),
			Options:      opts,
			Price:        optAmount(v.Price),
			ListPrice:    optAmount(v.ListPrice),
			Availability: av,
			SKU:          optString(v.SKU),
		})
	}
	return json.Marshal(out)
}

// JSON returns the indented `ddokso extract` CLI output for p.
func (p *Product) JSON() ([]byte, error) {
	b, err := p.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("marshal product: %w", err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return nil, fmt.Errorf("indent product json: %w", err)
	}
	return buf.Bytes(), nil
}
