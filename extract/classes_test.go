package extract

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// classCase is one page of a defect class and what a person reads on it;
// prices are decimal strings ("" = none).
type classCase struct {
	name, url, html string
	price, list     string
	currency        string
	availability    Availability
	title, sku      string
	image           string // checked when set
	isProduct       bool
}

func runClassCases(t *testing.T, cases []classCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			u := c.url
			if u == "" {
				u = "https://www.shop.example/p/1"
			}
			p := setup(t, u, c.html)
			require.Equal(t, c.isProduct, p.IsProduct, "is_product")
			require.Equal(t, c.price, dec(p.Price), "price")
			require.Equal(t, c.list, dec(p.ListPrice), "list_price")
			if c.price != "" {
				require.Equal(t, c.currency, p.Currency, "currency")
			}
			require.Equal(t, c.availability, p.Availability, "availability")
			if c.title != "" {
				require.Equal(t, c.title, p.Title, "title")
			}
			require.Equal(t, c.sku, p.SKU, "sku")
			if c.image != "" {
				require.Equal(t, c.image, p.Image, "image")
			}
		})
	}
}

// naverState wraps a __PRELOADED_STATE__ body as the store front ships it.
// The JSON paths are those of real SmartStore / brand store pages as
// recorded in pentas1150/jaeipgo-alimi (docs/DESIGN.md §6.2 at b0ac74f3,
// backend/app-checker/src/test/resources/fixtures/*.json at 0d49d27b and
// 82c182ec): product.A is the Redux initial value (id null,
// productStatusType null, stockQuantity 0, soldout false) and
// simpleProductForDetailPage.A the server-rendered product. A real brand
// store page (g-hyeong/OptiPick agent/tests/fixtures/html/
// naver_brand_product.html at 8bd0b768) has the same two objects in that
// order, the product's image in representativeImageUrl and the discounted
// price in benefitsView.discountedSalePrice.
func naverState(body string) string {
	return `<!DOCTYPE html><html lang="ko"><head><title>스마트스토어</title></head><body><div id="root"></div>` +
		`<script>window.__PRELOADED_STATE__=` + body + `</script></body></html>`
}

const naverPlaceholder = `"product":{"A":{"id":null,"name":null,"salePrice":0,"stockQuantity":0,"productStatusType":null,"soldout":false,"optionCombinations":[]}}`

func TestExtractNaverPlaceholders(t *testing.T) {
	t.Parallel()
	const url = "https://brand.naver.com/acme/products/13614118308"
	runClassCases(t, []classCase{
		{name: "placeholder first, populated product elsewhere", url: url, html: naverState(`{` + naverPlaceholder +
			`,"simpleProductForDetailPage":{"A":{"id":13614118308,"productNo":13560000000,"name":"재고 있는 상품","salePrice":39000,` +
			`"benefitsView":{"discountedSalePrice":35100,"mobileDiscountedSalePrice":35100,"discountedRatio":10},"stockQuantity":12,` +
			`"productStatusType":"SALE","enableCart":true,"representativeImageUrl":"https://shop-phinf.pstatic.net/20240101_1/a.jpg"}}}`),
			isProduct: true, title: "재고 있는 상품", price: "35100", list: "39000", currency: "KRW", availability: InStock,
			image: "https://shop-phinf.pstatic.net/20240101_1/a.jpg"},
		{name: "sold out product", url: url, html: naverState(`{` + naverPlaceholder +
			`,"simpleProductForDetailPage":{"A":{"id":13614118308,"name":"품절된 상품","salePrice":21000,"stockQuantity":0,` +
			`"productStatusType":"OUTOFSTOCK","optionUsable":false,"enableCart":true,"displayable":true}}}`),
			isProduct: true, title: "품절된 상품", price: "21000", currency: "KRW", availability: OutOfStock},
		{name: "only the placeholder is never sold out", url: url, html: naverState(`{` + naverPlaceholder + `,"simpleProductForDetailPage":{}}`),
			availability: Unknown},
		{name: "populated object of another product", url: url, html: naverState(`{` + naverPlaceholder +
			`,"simpleProductForDetailPage":{"A":{"id":999,"name":"다른 상품","salePrice":5000,"productStatusType":"SALE"}}}`),
			availability: Unknown},
		{name: "unknown status is no stock state", url: url, html: naverState(`{"simpleProductForDetailPage":{"A":{"id":13614118308,` +
			`"name":"판매 대기 상품","salePrice":15000,"stockQuantity":0,"productStatusType":"WAIT"}}}`),
			isProduct: true, title: "판매 대기 상품", price: "15000", currency: "KRW", availability: Unknown},
		{name: "suspended sale", url: url, html: naverState(`{"simpleProductForDetailPage":{"A":{"id":13614118308,` +
			`"name":"판매중지 상품","salePrice":15000,"productStatusType":"SUSPENSION"}}}`),
			isProduct: true, title: "판매중지 상품", price: "15000", currency: "KRW", availability: OutOfStock},
	})
}

func TestExtractMicrodataOffers(t *testing.T) {
	t.Parallel()
	runClassCases(t, []classCase{
		{name: "offer price in content, currency in text", html: `<div itemscope itemtype="http://schema.org/Product">
<h1 itemprop="name">Blue Widget</h1><div itemprop="offers" itemscope itemtype="http://schema.org/Offer">
<span itemprop="price" content="12.99">$12.99</span><link itemprop="availability" href="http://schema.org/InStock"></div></div>`,
			isProduct: true, price: "12.99", currency: "USD", availability: InStock},
		{name: "offers element that is not an item", html: `<div itemscope itemtype="https://schema.org/Product">
<h1 itemprop="name">Lamp</h1><div itemprop="offers"><meta itemprop="priceCurrency" content="EUR"><span itemprop="price" content="49.90">49,90 €</span></div></div>`,
			isProduct: true, price: "49.90", currency: "EUR", availability: Unknown},
		{name: "aggregate range is no price", html: `<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Kettle</h1>
<div itemprop="offers" itemscope itemtype="https://schema.org/AggregateOffer"><meta itemprop="lowPrice" content="20.00"><meta itemprop="highPrice" content="35.00">
<meta itemprop="priceCurrency" content="GBP"></div><p>from £20.00 to £35.00</p></div>`,
			isProduct: true, availability: Unknown},
		{name: "aggregate with one price", html: `<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Kettle</h1>
<div itemprop="offers" itemscope itemtype="https://schema.org/AggregateOffer"><meta itemprop="lowPrice" content="20.00"><meta itemprop="highPrice" content="20.00">
<meta itemprop="priceCurrency" content="GBP"></div></div>`,
			isProduct: true, price: "20.00", currency: "GBP", availability: Unknown},
		{name: "main product among related items", html: `<h1>Trail Shoe</h1>
<div itemscope itemtype="https://schema.org/Product"><meta itemprop="name" content="Trail Shoe"><div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
<meta itemprop="price" content="89.00"><meta itemprop="priceCurrency" content="USD"></div></div>
<div class="related"><div itemscope itemtype="https://schema.org/Product"><meta itemprop="name" content="Sock"><div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
<meta itemprop="price" content="9.00"><meta itemprop="priceCurrency" content="USD"></div></div></div>`,
			isProduct: true, title: "Trail Shoe", price: "89.00", currency: "USD", availability: Unknown},
	})
}

// A page body with a main product block and the regions around it that a
// person does not read as its price.
func visiblePage(main string) string {
	return `<html lang="ko"><head><title>상품 상세</title></head><body>
<header class="site-header"><div class="mini-cart"><span class="price">₩99,000</span></div></header>
<div class="product-detail"><h1 class="product-name">무선 이어폰 X1</h1>` + main + `</div>
<section class="related-products"><ul><li><span class="price">19,000원</span></li><li><span class="price">29,000원</span></li></ul></section>
<footer><p>고객센터 1588-0000 · 무료배송 50,000원 이상</p></footer></body></html>`
}

func TestExtractVisiblePriceLocator(t *testing.T) {
	t.Parallel()
	const url = "https://www.earshop.co.kr/goods/view?no=1"
	runClassCases(t, []classCase{
		{name: "labelled selling price", url: url, html: visiblePage(`<dl><dt>판매가</dt><dd><strong>39,000</strong>원</dd></dl>
<dl><dt>배송비</dt><dd>3,000원</dd></dl><button type="button" class="btn_cart">장바구니</button>`),
			isProduct: true, price: "39000", currency: "KRW", availability: InStock},
		{name: "struck list price", url: url, html: visiblePage(`<div class="price-box"><del>49,000원</del> <span class="sale-price">39,000원</span></div>
<p class="point">적립금 390원</p><a class="btn_buy" href="#">바로구매</a>`),
			isProduct: true, price: "39000", list: "49000", currency: "KRW", availability: InStock},
		{name: "was / now words", url: "https://www.gearhub.example/p/x1", html: `<html lang="en"><body><main><h1>X1 Earbuds</h1>
<p><span>Was $59.00</span> <span>Now $45.00</span></p><p class="shipping">Shipping $4.99</p><p>Save $14.00</p>
<button type="submit" disabled>Sold out</button></main></body></html>`,
			isProduct: true, price: "45.00", list: "59.00", currency: "USD", availability: OutOfStock},
		{name: "two unlabelled prices side by side", url: url, html: visiblePage(`<div><span>39,000원</span> <span>45,000원</span></div>`),
			availability: Unknown},
		{name: "no heading is weak evidence", url: "https://www.gearhub.example/p/x1", html: `<html><body><div><span>$45.00</span></div></body></html>`,
			availability: Unknown},
		{name: "only related and footer prices", url: url, html: visiblePage(`<p>상품 설명</p>`), availability: Unknown},
		{name: "split price pieces", url: "https://www.gearhub.example/p/x1", html: `<html><body><h1>X1</h1>
<div class="product-price"><span class="currency">$</span><span class="whole">45</span><span class="dot">.</span><span class="cents">50</span></div><input type="submit" value="Add to basket"></body></html>`,
			isProduct: true, price: "45.50", currency: "USD", availability: InStock},
		{name: "visible price beats stale metadata", url: "https://www.gearhub.example/p/x1", html: `<html><head>
<script type="application/ld+json">{"@type":"Product","name":"X1","offers":{"price":"60.00","priceCurrency":"USD"}}</script></head>
<body><h1>X1</h1><div class="product-price"><s class="price-was">$60.00</s> <span class="price-now">$45.00</span></div></body></html>`,
			isProduct: true, title: "X1", price: "45.00", list: "60.00", currency: "USD", availability: Unknown},
		// An order box's total is the price times the quantity (or the sum
		// of options): the real SSG page showed 합계 401,760 for a 50,220
		// item. It is never the price, even when it is the only amount.
		{name: "order total beside the price", url: url, html: visiblePage(`<dl><dt>판매가</dt><dd><strong class="sale_price">39,900원</strong></dd></dl>
<div class="option"><input type="text" name="qty" value="2"></div>
<div class="total_box"><strong>총 상품금액</strong> <span class="total_price">79,800</span>원 (2개)</div><button class="btn_buy">바로 구매</button>`),
			isProduct: true, price: "39900", currency: "KRW", availability: InStock},
		{name: "only an order total (합계)", url: url, html: visiblePage(`<div class="total_box"><strong>합계</strong> <span class="price">401,760</span>원</div>
<button class="btn_buy">바로 구매</button>`),
			availability: Unknown},
		{name: "only a cart subtotal", url: "https://www.gearhub.example/p/x1", html: `<html lang="en"><body><main><h1>X1 Earbuds</h1>
<div class="cart-summary"><span>Subtotal</span> <span class="price">$79.80</span></div><button>Add to cart</button></main></body></html>`,
			availability: Unknown},
	})
}

func TestExtractAvailabilityLabels(t *testing.T) {
	t.Parallel()
	const url = "https://www.earshop.co.kr/goods/view?no=1"
	runClassCases(t, []classCase{
		{name: "disabled buy button says sold out", url: url, html: visiblePage(`<p class="price">39,000원</p><button type="button" disabled>품절</button>`),
			isProduct: true, price: "39000", currency: "KRW", availability: OutOfStock},
		{name: "temporarily sold out label, no buy button", url: url, html: visiblePage(`<p class="price">39,000원</p><p class="state">일시품절</p>`),
			isProduct: true, price: "39000", currency: "KRW", availability: OutOfStock},
		{name: "notify me", url: "https://www.gearhub.example/p/x1", html: `<html><body><h1>X1</h1><p class="price">$45.00</p>
<span class="badge">Sold out</span><button class="btn">Notify me when available</button></body></html>`,
			isProduct: true, price: "45.00", currency: "USD", availability: OutOfStock},
		{name: "add to cart enabled, hidden sold-out badge", url: "https://www.gearhub.example/p/x1", html: `<html><body><h1>X1</h1><p class="price">$45.00</p>
<span class="badge hidden">Sold out</span><button type="submit" name="add">Add to cart</button></body></html>`,
			isProduct: true, price: "45.00", currency: "USD", availability: InStock},
		{name: "one size sold out in the option list", url: "https://www.gearhub.example/p/x1", html: `<html><body><h1>X1</h1><p class="price">$45.00</p>
<select name="size"><option>S</option><option disabled>M - Sold out</option></select><button type="submit">Add to cart</button></body></html>`,
			isProduct: true, price: "45.00", currency: "USD", availability: InStock},
		{name: "no signal: a price under a heading with nothing to buy is no product page", url: url,
			html: visiblePage(`<p class="price">39,000원</p>`), availability: Unknown},
		{name: "no signal on a structured product", url: url, html: `<script type="application/ld+json">{"@type":"Product","name":"무선 이어폰 X1",
"offers":{"price":"39000","priceCurrency":"KRW"}}</script>` + visiblePage(`<p class="price">39,000원</p>`),
			isProduct: true, price: "39000", currency: "KRW", availability: Unknown},
		{name: "enabled buy button and sold-out text: cannot tell", url: url, html: visiblePage(`<p class="price">39,000원</p><p>재고 없음</p><a href="#" class="btn_buy">구매하기</a>`),
			isProduct: true, price: "39000", currency: "KRW", availability: Unknown},
	})
}

func TestExtractSKULabels(t *testing.T) {
	t.Parallel()
	const url = "https://www.gearhub.example/p/x1"
	page := func(body string) string {
		return `<html><body><h1>X1 Earbuds</h1><p class="price">$45.00</p><button>Add to cart</button>` + body + `</body></html>`
	}
	runClassCases(t, []classCase{
		{name: "SKU colon", url: url, html: page(`<p>SKU: XB-1200-BK</p>`), isProduct: true, price: "45.00", currency: "USD", availability: InStock, sku: "XB-1200-BK"},
		{name: "model name table", url: url, html: page(`<table><tr><th>모델명</th><td>SM-R510</td></tr></table>`),
			isProduct: true, price: "45.00", currency: "USD", availability: InStock, sku: "SM-R510"},
		{name: "item number", url: url, html: page(`<span>Item #</span> <span>4711</span>`), isProduct: true, price: "45.00", currency: "USD", availability: InStock, sku: "4711"},
		{name: "product number in Korean", url: url, html: page(`<li>상품번호 : 8123456789</li>`), isProduct: true, price: "45.00", currency: "USD", availability: InStock, sku: "8123456789"},
		{name: "Spanish reference", url: url, html: page(`<div class="code"><span class="bold">Referencia:</span>Pareja221</div>`),
			isProduct: true, price: "45.00", currency: "USD", availability: InStock, sku: "Pareja221"},
		{name: "model wording is no identifier", url: url, html: page(`<p>Model wears size M</p>`), isProduct: true, price: "45.00", currency: "USD", availability: InStock},
		{name: "structured mpn when no sku", url: url, html: `<script type="application/ld+json">{"@type":"Product","name":"X1 Earbuds","mpn":"X1-EU",
"offers":{"price":"45.00","priceCurrency":"USD"}}</script><h1>X1 Earbuds</h1>`, isProduct: true, price: "45.00", currency: "USD", availability: Unknown, sku: "X1-EU"},
	})
}

// gridPage is a category page: a heading, then cards of other products
// each with a price (and optionally a buy button).
func gridPage(buttons bool) string {
	var b strings.Builder
	b.WriteString(`<html><body><h1>St. Patrick's Day Supplies</h1><ul class="items">`)
	for i, p := range []string{"18.95", "18.95", "17.95", "21.95", "16.95", "21.95", "34.95", "12.50", "9.95"} {
		fmt.Fprintf(&b, `<li><a href="/p/%d"><img src="/i/%d.jpg"></a><p><a href="/p/%d">Item %d</a></p><p>Price: $%s</p>`, i, i, i, i, p)
		if buttons {
			b.WriteString(`<button>Add to cart</button>`)
		}
		b.WriteString(`</li>`)
	}
	b.WriteString(`</ul></body></html>`)
	return b.String()
}

func TestExtractListingsHaveNoPrice(t *testing.T) {
	t.Parallel()
	runClassCases(t, []classCase{
		{name: "grid of prices", url: "https://www.papershop.example/patricks-day.html", html: gridPage(false), availability: Unknown},
		{name: "cards with buy buttons", url: "https://www.papershop.example/patricks-day.html", html: gridPage(true), availability: Unknown},
		{name: "product with a grid of other formats below", url: "https://www.books.example/p/1", html: `<html><head><title>Lambert's Pride by Lynn Coleman: books.example</title></head><body>
<h2>Lambert's Pride</h2><p>$0.50 (CBD Price)</p><p>Retail: $4.95</p><button>Add to cart</button>` +
			strings.Repeat(`<p>About this book: <b>Lynn Coleman</b></p>`, 20) + `<table class="formats">` + strings.Repeat(`<tr><td>Paperback</td><td>In Stock</td><td><s>$2.99</s></td><td>$2.49</td></tr>`, 6) + `</table></body></html>`,
			isProduct: true, price: "0.50", list: "4.95", currency: "USD", availability: InStock},
	})
}
