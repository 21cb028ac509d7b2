package extract

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKoreanAdaptersOnRealStructure runs the SSG, Kyobo and legacy Musinsa
// adapters on fixtures that keep the markup skeleton of real saved pages of
// those shops (provenance in each file's comment; the real pages are in
// internal/realpages/manifest.json).
func TestKoreanAdaptersOnRealStructure(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file, url                          string
		title, price, list, sku, productID string
		shop                               string
		availability                       Availability
		priceSource                        Source
	}{
		{"ssg_item.html", "https://www.ssg.com/item/itemView.ssg?itemId=1000011112222&siteNo=7012&salestrNo=1020",
			"데일리 보습 핸드크림 50ml 3개입", "16150", "19000", "", "1000011112222", "ssg", InStock, "adapter:ssg"},
		{"ssg_item_soldout.html", "https://www.ssg.com/item/itemView.ssg?itemId=1000011113333",
			"데일리 보습 핸드크림 50ml 3개입", "16150", "19000", "", "1000011113333", "ssg", OutOfStock, "adapter:ssg"},
		{"kyobo_detail.html", "https://product.kyobobook.co.kr/detail/S000001234567",
			"작은 숲의 계절", "15120", "16800", "", "S000001234567", "kyobo", InStock, "adapter:kyobo"},
		{"musinsa_legacy.html", "https://www.musinsa.com/app/goods/2345678",
			"러닝 스니커즈 - 블랙 / RS-2201-BK", "89000", "99000", "RS-2201-BK", "2345678", "musinsa", InStock, "adapter:musinsa"},
		{"musinsa_legacy_soldout.html", "https://www.musinsa.com/app/goods/2345679",
			"러닝 스니커즈 - 블랙 / RS-2201-BK", "89000", "99000", "RS-2201-BK", "2345679", "musinsa", OutOfStock, "adapter:musinsa"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			p, err := Extract(tc.url, readPage(t, tc.file))
			require.NoError(t, err)
			require.True(t, p.IsProduct, "is_product")
			require.Equal(t, tc.title, p.Title, "title")
			require.Equal(t, tc.price, dec(p.Price), "price")
			require.Equal(t, tc.list, dec(p.ListPrice), "list_price")
			require.Equal(t, "KRW", p.Currency, "currency")
			require.Equal(t, tc.availability, p.Availability, "availability")
			require.Equal(t, tc.sku, p.SKU, "sku")
			require.Equal(t, tc.shop, p.Shop, "shop")
			require.Equal(t, tc.productID, p.ShopProductID, "shop_product_id")
			require.Equal(t, tc.priceSource, p.Sources[FieldPrice], "price source")
		})
	}
}

// TestSSGOrderTotalIsNotThePrice pins the real SSG page's trap: the order
// box repeats the price times the chosen quantity (합계 48,450); without the
// headline price the adapter returns no price rather than that total.
func TestSSGOrderTotalIsNotThePrice(t *testing.T) {
	t.Parallel()
	const pageURL = "https://www.ssg.com/item/itemView.ssg?itemId=1000011112222"
	u, err := url.Parse(pageURL)
	require.NoError(t, err)
	p, err := parsePage(pageURL, u, []byte(
		`<html><body><h2 class="cdtl_info_tit"><span class="cdtl_info_tit_txt">데일리 보습 핸드크림</span></h2>`+
			`<div class="cdtl_total"><strong class="cdtl_label">합계</strong><em class="ssg_price" id="totalPrc">48,450</em>원</div>`+
			`<a class="cdtl_btn_buy" id="actionPayment">바로구매</a></body></html>`))
	require.NoError(t, err)
	c := p.ssg()
	require.NotNil(t, c)
	require.Nil(t, c.price, "the 합계 total is not the price")
	require.False(t, c.isProduct)
	require.Empty(t, c.availability, "no price, no in-stock claim")
}

// TestKurly2019GoodsPageHasNoPrice: the 2019 Kurly goods page names its
// goods only in og:title and fills the price box by script, so it is a
// product page without a price; the related goods' prices are not its price.
func TestKurly2019GoodsPageHasNoPrice(t *testing.T) {
	t.Parallel()
	p, err := Extract("https://www.kurly.com/shop/goods/goods_view.php?goodsno=31234", readPage(t, "kurly_goods_2019.html"))
	require.NoError(t, err)
	require.True(t, p.IsProduct, "is_product")
	require.Equal(t, "[한끼반찬] 들기름 무나물", p.Title)
	require.Nil(t, p.Price, "a related goods' price is not this page's price")
	require.Equal(t, Unknown, p.Availability, "no buy box, no availability")
	require.Equal(t, "kurly", p.Shop)
	require.Equal(t, "31234", p.ShopProductID)

	// The same page at a URL without goodsno (or without the goods box
	// component) is not claimed by the adapter.
	u, err := url.Parse("https://www.kurly.com/shop/main/index.php")
	require.NoError(t, err)
	pg, err := parsePage(u.String(), u, readPage(t, "kurly_goods_2019.html"))
	require.NoError(t, err)
	require.Nil(t, pg.kurly())
}

// TestWeMakePriceFromInitialData: the price comes from the page's own state
// (the price box is script-filled and empty; the 0원 quantity total is not a
// price), and only the SOLD OUT button says sold out: without it the
// adapter claims no availability at all.
func TestWeMakePriceFromInitialData(t *testing.T) {
	t.Parallel()
	const pageURL = "https://front.wemakeprice.com/product/2299887766"
	p, err := Extract(pageURL, readPage(t, "wemakeprice_soldout.html"))
	require.NoError(t, err)
	require.True(t, p.IsProduct)
	require.Equal(t, "[특가] 데일리 물티슈 100매 10팩", p.Title)
	require.Equal(t, "12900", dec(p.Price))
	require.Equal(t, "15900", dec(p.ListPrice))
	require.Equal(t, OutOfStock, p.Availability)
	require.Equal(t, "wemakeprice", p.Shop)
	require.Equal(t, "2299887766", p.ShopProductID)

	body := strings.Replace(string(readPage(t, "wemakeprice_soldout.html")),
		`<span class="btn_sys lightgray_big_xl sold_out"><span>SOLD OUT</span></span>`, `<a class="btn_sys red_big_xl">구매하기</a>`, 1)
	p, err = Extract(pageURL, []byte(body))
	require.NoError(t, err)
	require.Equal(t, "12900", dec(p.Price))
	require.NotEqual(t, OutOfStock, p.Availability, "no SOLD OUT button, not sold out")
}
