package extract_test

import (
	"fmt"

	"github.com/ddokso/ddokso/extract"
)

func ExampleExtract() {
	page := []byte(`<!doctype html><html><head>
<title>Trail Runner 2</title>
<link rel="canonical" href="/products/trail-runner-2">
<script type="application/ld+json">
{"@context":"https://schema.org","@type":"Product","name":"Trail Runner 2","sku":"TR2-42",
 "image":"/img/tr2.jpg","brand":{"@type":"Brand","name":"Alpine Gear"},
 "offers":{"@type":"Offer","price":"129.95","priceCurrency":"USD","availability":"https://schema.org/InStock"}}
</script></head><body><h1>Trail Runner 2</h1></body></html>`)

	p, err := extract.Extract("https://shop.example.com/products/trail-runner-2?utm_source=mail", page)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(p.IsProduct, p.Title, p.Price.Decimal(), p.Currency, p.Availability)
	fmt.Println(p.Image)
	fmt.Println(p.CanonicalURL, p.Sources[extract.FieldPrice])
	// Output:
	// true Trail Runner 2 129.95 USD in_stock
	// https://shop.example.com/img/tr2.jpg
	// https://shop.example.com/products/trail-runner-2 jsonld
}

func ExampleProduct_JSON() {
	page := []byte(`<html><head><meta property="og:type" content="product">
<meta property="og:title" content="Sunrise Tee">
<meta property="product:price:amount" content="24.00"><meta property="product:price:currency" content="USD">
</head></html>`)
	p, err := extract.Extract("https://www.peaktees.com/products/sunrise-tee", page)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	b, err := p.JSON()
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(string(b))
	// Output:
	// {
	//   "is_product": true,
	//   "title": "Sunrise Tee",
	//   "price": "24.00",
	//   "list_price": null,
	//   "currency": "USD",
	//   "availability": "unknown",
	//   "image": null,
	//   "sku": null,
	//   "mpn": null,
	//   "gtin": null,
	//   "brand": null,
	//   "variants": [],
	//   "shop": "peaktees.com",
	//   "shop_product_id": null,
	//   "canonical_url": null,
	//   "unit_price": null,
	//   "shipping_fee": null,
	//   "sources": {
	//     "currency": "opengraph",
	//     "price": "opengraph",
	//     "title": "opengraph"
	//   }
	// }
}
