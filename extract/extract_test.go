package extract

import (
	"encoding/json"
	"testing"

	"github.com/ddokso/ddokso/price"
	"github.com/stretchr/testify/require"
)

// setup extracts an inline page and fails the test on error.
func setup(t *testing.T, pageURL, html string) *Product {
	t.Helper()
	p, err := Extract(pageURL, []byte(html))
	require.NoError(t, err)
	return p
}

func TestExtractRejectsNonHTML(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"empty":  "",
		"blank":  " \n\t ",
		"json":   `{"price": 12900}`,
		"pdf":    "%PDF-1.7\n1 0 obj",
		"png":    "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
		"text":   "just some words without any markup",
		"binary": "\x00\x01\x02\x03\x04",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Extract("https://example.com/", []byte(in))
			require.Error(t, err)
		})
	}
	_, err := Extract("https://example.com/", nil)
	require.ErrorIs(t, err, ErrEmpty)
	_, err = Extract("https://example.com/", []byte(`{"a":1}`))
	require.ErrorIs(t, err, ErrNotHTML)
}

func TestExtractTolerantJSONLD(t *testing.T) {
	t.Parallel()
	p := setup(t, "https://shop.example.com/p/1", `<html><head>
<script type="application/ld+json">
<!--
[{"@context":"https://schema.org","@type":"BreadcrumbList","itemListElement":[]},
 {"@context":"https://schema.org", "@type":["http://schema.org/Product"], /* main */
  "name":"Caf&eacute; Mug",
  "description":"line one
line two",
  "offers":[{"@type":"Offer","price":"12,900","priceCurrency":"KRW","availability":"SoldOut",},],
 }]
-->
</script></head><body></body></html>`)
	require.True(t, p.IsProduct)
	require.Equal(t, "Café Mug", p.Title)
	require.Equal(t, &price.Amount{Minor: 12900, Currency: "KRW"}, p.Price)
	require.Equal(t, OutOfStock, p.Availability)
	require.Equal(t, SourceJSONLD, p.Sources[FieldPrice])
}

func TestExtractAvailabilityValues(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Availability{
		"https://schema.org/InStock":          InStock,
		"InStock":                             InStock,
		"http://schema.org/OutOfStock":        OutOfStock,
		"SoldOut":                             OutOfStock,
		"Discontinued":                        OutOfStock,
		"PreOrder":                            PreOrder,
		"PreSale":                             PreOrder,
		"BackOrder":                           PreOrder,
		"LimitedAvailability":                 InStock,
		"OnlineOnly":                          InStock,
		"http://schema.org/InStoreOnly":       InStock,
		"":                                    Unknown,
		"https://schema.org/SomethingUnheard": Unknown,
	} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			p := setup(t, "https://shop.example.com/p/1", `<html><head><script type="application/ld+json">
{"@type":"Product","name":"X","offers":{"@type":"Offer","price":1,"priceCurrency":"USD","availability":"`+in+`"}}
</script></head></html>`)
			require.Equal(t, want, p.Availability)
		})
	}
}

// Equal numbers written differently are one price; the structured source keeps credit.
func TestExtractSamePriceDifferentFormats(t *testing.T) {
	t.Parallel()
	p := setup(t, "https://shop.example.com/products/a", `<html><head>
<script type="application/ld+json">{"@type":"Product","name":"A","offers":{"price":"2879.2","priceCurrency":"USD"}}</script>
<meta property="og:price:amount" content="2879.20"><meta property="og:price:currency" content="USD">
</head><body><div class="product__info-container"><span class="price-item price-item--regular">$2,879.20</span></div></body></html>`)
	require.Equal(t, "2879.20", p.Price.Decimal())
	require.Equal(t, SourceJSONLD, p.Sources[FieldPrice])
}

// The visible selling price wins over stale structured data.
func TestExtractVisibleBeatsStaleMetadata(t *testing.T) {
	t.Parallel()
	p := setup(t, "https://shop.example.com/products/a", `<html><head>
<script type="application/ld+json">{"@type":"Product","name":"A","offers":{"price":"30.00","priceCurrency":"USD"}}</script>
</head><body><div class="product__info-container"><h1>A</h1><span class="price-item price-item--regular">$24.00 USD</span></div></body></html>`)
	require.Equal(t, &price.Amount{Minor: 2400, Currency: "USD"}, p.Price)
	require.Equal(t, SourceVisible, p.Sources[FieldPrice])
}

func TestExtractNoPriceIsNil(t *testing.T) {
	t.Parallel()
	p := setup(t, "https://shop.example.com/products/a", `<html><head>
<script type="application/ld+json">{"@type":"Product","name":"Ask for price","offers":{"price":"0","priceCurrency":"KRW"}}</script>
<meta property="product:price:amount" content="가격문의"></head></html>`)
	require.True(t, p.IsProduct)
	require.Nil(t, p.Price)
	require.Nil(t, p.ListPrice)
	require.Equal(t, Unknown, p.Availability)

	b, err := p.JSON()
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	require.Nil(t, m["price"])
	require.Contains(t, m, "price")
}

func TestExtractBaseHref(t *testing.T) {
	t.Parallel()
	p := setup(t, "https://shop.example.com/a/b/c", `<html><head><base href="https://cdn.example.net/assets/">
<meta property="og:type" content="product"><meta property="og:image" content="img/x.jpg">
<link rel="canonical" href="/p/1"></head></html>`)
	require.Equal(t, "https://cdn.example.net/assets/img/x.jpg", p.Image)
	require.Equal(t, "https://cdn.example.net/p/1", p.CanonicalURL)
}

func TestProductJSON(t *testing.T) {
	t.Parallel()
	p, err := Extract(testPages[0].url, readPage(t, testPages[0].file))
	require.NoError(t, err)
	b, err := p.JSON()
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range []string{"is_product", "title", "price", "list_price", "currency", "availability", "image", "sku", "gtin",
		"brand", "variants", "shop", "shop_product_id", "canonical_url", "unit_price", "shipping_fee", "sources"} {
		require.Contains(t, m, k)
	}
	require.Equal(t, "15900", m["price"])
	require.Equal(t, "19900", m["list_price"])
	require.Equal(t, "KRW", m["currency"])
	require.Nil(t, m["gtin"])
	vs := m["variants"].([]any)
	require.Len(t, vs, 4)
	require.Equal(t, map[string]any{"id": "21002003", "options": map[string]any{"색상": "화이트", "기종": "에어팟 프로2"},
		"price": "16900", "list_price": "20900", "availability": "in_stock", "sku": nil}, vs[2])
	require.Equal(t, "adapter:naver", m["sources"].(map[string]any)["price"])

	empty, err := (&Product{}).JSON()
	require.NoError(t, err)
	require.JSONEq(t, `{"is_product":false,"title":null,"price":null,"list_price":null,"currency":null,"availability":"unknown",
"image":null,"sku":null,"mpn":null,"gtin":null,"brand":null,"variants":[],"shop":null,"shop_product_id":null,"canonical_url":null,
"unit_price":null,"shipping_fee":null,"sources":{}}`, string(empty))
}
