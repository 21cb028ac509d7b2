package extract

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ddokso/ddokso/price"
	"github.com/stretchr/testify/require"
)

// wantVariant is the expected JSON view of a variant.
type wantVariant struct {
	ID, Price, ListPrice string
	Options              map[string]string
	Availability         Availability
	SKU                  string
}

// want lists every output field for one testdata page; prices are decimal
// strings in major units, "" meaning null.
type want struct {
	IsProduct, Blocked                   bool
	Title, Price, ListPrice, Currency    string
	Availability                         Availability
	Image, Brand, SKU, GTIN              string
	Shop, ProductID, Canonical           string
	UnitPrice, UnitPriceAmount, Shipping string
	PriceSource, TitleSource             Source
	Variants                             []wantVariant
}

// testPage is one file under testdata with the URL it was fetched from.
type testPage struct {
	file, url string
	want      want
}

var testPages = []testPage{
	{"naver_smartstore.html", "https://smartstore.naver.com/caseshop/products/8123456789", want{
		IsProduct: true, Title: "[무료배송] 에어팟 케이스 실리콘 커버 키링 세트", Price: "15900", ListPrice: "19900", Currency: "KRW",
		Availability: InStock, Image: "https://shop-phinf.pstatic.net/20240115_12/1705301234567abc_JPEG/airpods_case.jpg",
		Brand: "케이스랩", SKU: "CL-APS2-SET", Shop: "naver", ProductID: "8123456789",
		Canonical: "https://smartstore.naver.com/caseshop/products/8123456789", Shipping: "0",
		PriceSource: "adapter:naver", TitleSource: "adapter:naver",
		Variants: []wantVariant{
			{ID: "21002001", Options: map[string]string{"색상": "블랙", "기종": "에어팟 프로2"}, Price: "15900", ListPrice: "19900", Availability: InStock},
			{ID: "21002002", Options: map[string]string{"색상": "블랙", "기종": "에어팟 3세대"}, Price: "15900", ListPrice: "19900", Availability: OutOfStock},
			{ID: "21002003", Options: map[string]string{"색상": "화이트", "기종": "에어팟 프로2"}, Price: "16900", ListPrice: "20900", Availability: InStock},
			{ID: "21002004", Options: map[string]string{"색상": "화이트", "기종": "에어팟 3세대"}, Price: "16900", ListPrice: "20900", Availability: InStock},
		},
	}},
	{"coupang_sale.html", "https://www.coupang.com/vp/products/7345612345?itemId=18765432101&vendorItemId=85912345678", want{
		IsProduct: true, Title: "곰곰 국내산 무항생제 신선한 대란 30구, 1개", Price: "8490", ListPrice: "9900", Currency: "KRW",
		Availability: InStock, Image: "https://thumbnail7.coupangcdn.com/thumbnails/remote/492x492ex/image/retail/images/2023/05/12/10/3/a1b2c3d4.jpg",
		Brand: "곰곰", Shop: "coupang", ProductID: "7345612345",
		Canonical: "https://www.coupang.com/vp/products/7345612345?itemId=18765432101&vendorItemId=85912345678",
		UnitPrice: "10g당 15원", UnitPriceAmount: "15", Shipping: "0", PriceSource: "adapter:coupang", TitleSource: "adapter:coupang",
	}},
	{"coupang_soldout.html", "https://www.coupang.com/vp/products/1234567890?itemId=3000012345&vendorItemId=3100056789", want{
		IsProduct: true, Title: "코멧 3겹 천연펄프 롤화장지 30m, 30롤, 1팩", Price: "25900", Currency: "KRW", Availability: OutOfStock,
		Image: "https://thumbnail7.coupangcdn.com/thumbnails/remote/492x492ex/image/retail/images/2023/05/12/10/3/a1b2c3d4.jpg",
		Brand: "코멧", Shop: "coupang", ProductID: "1234567890",
		Canonical: "https://www.coupang.com/vp/products/1234567890?itemId=3000012345&vendorItemId=3100056789",
		Shipping:  "0", PriceSource: "adapter:coupang", TitleSource: "adapter:coupang",
	}},
	{"11st.html", "https://www.11st.co.kr/products/5123456789", want{
		IsProduct: true, Title: "삼성전자 갤럭시 버즈2 프로 SM-R510 정품", Price: "179000", ListPrice: "229000", Currency: "KRW", Availability: InStock,
		Image: "https://cdn.011st.com/11dims/resize/600x600/quality/75/11src/product/5123456789/B.jpg?123000000", Brand: "삼성전자",
		Shop: "11st", ProductID: "5123456789", Canonical: "https://www.11st.co.kr/products/5123456789", Shipping: "0",
		PriceSource: "adapter:11st", TitleSource: "adapter:11st",
	}},
	{"gmarket.html", "http://item.gmarket.co.kr/Item?goodscode=2345678901", want{
		IsProduct: true, Title: "[농심] 신라면 120g x 40봉", Price: "29800", ListPrice: "36000", Currency: "KRW", Availability: InStock,
		Image: "http://gdimg.gmarket.co.kr/2345678901/still/600?ver=1700000000", Brand: "농심", Shop: "gmarket", ProductID: "2345678901",
		Canonical: "http://item.gmarket.co.kr/Item?goodscode=2345678901", Shipping: "3000",
		PriceSource: "adapter:gmarket", TitleSource: "adapter:gmarket",
	}},
	{"musinsa.html", "https://www.musinsa.com/products/3456789", want{
		IsProduct: true, Title: "릴렉스드 베이식 블랭크 티셔츠 [블랙]", Price: "13900", ListPrice: "19900", Currency: "KRW", Availability: InStock,
		Image: "https://image.msscdn.net/images/goods_img/20230315/3456789/3456789_16788765432101_500.jpg", Brand: "무신사 스탠다드",
		SKU: "MSTS001BK", Shop: "musinsa", ProductID: "3456789", Canonical: "https://www.musinsa.com/products/3456789",
		PriceSource: "adapter:musinsa", TitleSource: "adapter:musinsa",
	}},
	{"amazon.html", "https://www.amazon.com/Anker-Charger-Foldable-PowerPort-Compatible/dp/B07PGL2ZSL/ref=sr_1_3", want{
		IsProduct: true, Title: "Anker USB C Charger 20W, 511 Charger (Nano), PIQ 3.0 Foldable Fast Charger", Price: "16.99", ListPrice: "19.99",
		Currency: "USD", Availability: InStock, Image: "https://m.media-amazon.com/images/I/61abcDEFghL._AC_SL1500_.jpg", Brand: "Anker",
		Shop: "amazon", ProductID: "B07PGL2ZSL", Canonical: "https://www.amazon.com/Anker-Charger-Foldable-PowerPort-Compatible/dp/B07PGL2ZSL",
		PriceSource: "adapter:amazon", TitleSource: "adapter:amazon",
	}},
	{"jsonld_product.html", "https://shop.alpinegear.com/products/trail-runner-2?utm_source=x", want{
		IsProduct: true, Title: "Trail Runner 2", Price: "129.95", Currency: "USD", Availability: InStock,
		Image: "https://shop.alpinegear.com/cdn/img/tr2-1.jpg", Brand: "Alpine Gear", SKU: "TR2-BLK-42", GTIN: "0123456789012",
		Shop: "shop.alpinegear.com", Canonical: "https://shop.alpinegear.com/products/trail-runner-2", Shipping: "0.00",
		PriceSource: SourceJSONLD, TitleSource: SourceJSONLD,
	}},
	{"jsonld_graph.html", "https://www.teaandkettle.co.uk/product/cast-iron-teapot/", want{
		IsProduct: true, Title: "Cast Iron Teapot 900ml – Hobnail", Price: "49.00", Currency: "GBP", Availability: InStock,
		Image: "https://www.teaandkettle.co.uk/wp-content/uploads/2024/03/teapot-hobnail.jpg", Brand: "Tea & Kettle", SKU: "CIT-900",
		Shop: "teaandkettle.co.uk", Canonical: "https://www.teaandkettle.co.uk/product/cast-iron-teapot/",
		PriceSource: SourceJSONLD, TitleSource: SourceJSONLD,
	}},
	{"jsonld_productgroup.html", "https://www.nordicwear.com/en/p/merino-sweater", want{
		IsProduct: true, Title: "Merino Crew Sweater", Price: "89.00", Currency: "EUR", Availability: InStock,
		Image: "https://cdn.nordicwear.com/p/ms100-grey.jpg", Brand: "Nordic Wear", SKU: "MS-100", Shop: "nordicwear.com", ProductID: "MS-100",
		Canonical: "https://www.nordicwear.com/en/p/merino-sweater", PriceSource: SourceJSONLD, TitleSource: SourceJSONLD,
		Variants: []wantVariant{
			{ID: "MS-100-GRY-M", SKU: "MS-100-GRY-M", Options: map[string]string{"color": "Grey", "size": "M"}, Price: "89.00", Availability: InStock},
			{ID: "MS-100-GRY-L", SKU: "MS-100-GRY-L", Options: map[string]string{"color": "Grey", "size": "L"}, Price: "89.00", Availability: OutOfStock},
			{ID: "MS-100-NVY-M", SKU: "MS-100-NVY-M", Options: map[string]string{"color": "Navy", "size": "M"}, Price: "94.00", Availability: InStock},
		},
	}},
	{"jsonld_aggregateoffer.html", "https://www.gadgetcompare.com/p/sony-wh-1000xm5", want{
		// A price comparison page: AggregateOffer lowPrice 329.99 .. highPrice
		// is a range ("from $329.99 at 7 stores"), not one price.
		IsProduct: true, Title: "Sony WH-1000XM5 Wireless Noise Cancelling Headphones", Currency: "USD", Availability: Unknown,
		Image: "https://img.gadgetcompare.com/p/sony-wh-1000xm5-large.jpg", Brand: "Sony", GTIN: "027242923782", Shop: "gadgetcompare.com",
		Canonical: "https://www.gadgetcompare.com/p/sony-wh-1000xm5", TitleSource: SourceJSONLD,
	}},
	{"microdata.html", "https://www.bookbarn.com/books/9780140449334", want{
		IsProduct: true, Title: "Meditations (Penguin Classics)", Price: "12.50", Currency: "USD", Availability: InStock,
		Image: "https://www.bookbarn.com/covers/9780140449334.jpg", Brand: "Penguin Classics", SKU: "BB-449334", GTIN: "9780140449334",
		Shop: "bookbarn.com", PriceSource: SourceMicrodata, TitleSource: SourceMicrodata,
	}},
	{"opengraph.html", "https://www.peaktees.com/products/sunrise-tee", want{
		IsProduct: true, Title: "Sunrise Tee", Price: "24.00", Currency: "USD", Availability: InStock,
		Image: "https://www.peaktees.com/cdn/shop/products/sunrise.jpg?v=1690000000", Brand: "Peak Tees", Shop: "peaktees.com",
		Canonical: "https://www.peaktees.com/products/sunrise-tee", PriceSource: SourceOpenGraph, TitleSource: SourceOpenGraph,
	}},
	{"euckr_origin.html", "http://www.hanbokmall.co.kr/product/detail.html?product_no=1234&cate_no=42", want{
		IsProduct: true, Title: "여아 한복 꽃자수 저고리 치마 세트", Price: "49000", ListPrice: "58000", Currency: "KRW", Availability: Unknown,
		Image: "http://www.hanbokmall.co.kr/web/product/big/201912/1234_shop1_567.jpg", Shop: "hanbokmall.co.kr",
		Canonical: "http://www.hanbokmall.co.kr/product/detail.html?product_no=1234", PriceSource: SourceOpenGraph, TitleSource: SourceOpenGraph,
	}},
	{"out_of_stock.html", "https://www.daily-ceramic.kr/goods/view?no=882", want{
		IsProduct: true, Title: "백자 머그컵 350ml", Price: "32000", Currency: "KRW", Availability: OutOfStock,
		Image: "https://www.daily-ceramic.kr/data/goods/882/mug_main.jpg", Brand: "데일리세라믹", SKU: "DC-MUG-350", Shop: "daily-ceramic.kr",
		Canonical: "https://www.daily-ceramic.kr/goods/view?no=882", PriceSource: SourceJSONLD, TitleSource: SourceJSONLD,
	}},
	{"sale_list.html", "https://www.urbanbikeparts.com/products/led-light-set", want{
		IsProduct: true, Title: "USB Rechargeable LED Bike Light Set", Price: "39.99", ListPrice: "59.99", Currency: "USD", Availability: InStock,
		Image: "https://www.urbanbikeparts.com/media/led-light-set.jpg", Brand: "Urban Bike Parts", SKU: "UBP-LED-01", Shop: "urbanbikeparts.com",
		Canonical: "https://www.urbanbikeparts.com/products/led-light-set", PriceSource: SourceJSONLD, TitleSource: SourceJSONLD,
	}},
	{"shopify_variants.html", "https://www.coastalcandle.co/products/sea-salt-candle", want{
		IsProduct: true, Title: "Sea Salt Candle", Price: "24.00", Currency: "USD", Availability: InStock,
		Image: "https://www.coastalcandle.co/cdn/shop/files/sea-salt.jpg?v=1699999999&width=1920", Brand: "Coastal Candle Co.", SKU: "SSC-8",
		Shop: "coastalcandle.co", Canonical: "https://www.coastalcandle.co/products/sea-salt-candle", PriceSource: SourceJSONLD, TitleSource: SourceJSONLD,
		Variants: []wantVariant{
			{ID: "40123456781", SKU: "SSC-8", Options: map[string]string{}, Price: "24.00", Availability: InStock},
			{ID: "40123456782", SKU: "SSC-12", Options: map[string]string{}, Price: "32.00", Availability: InStock},
			{ID: "40123456783", SKU: "SSC-16", Options: map[string]string{}, Price: "38.00", Availability: OutOfStock},
		},
	}},
	{"german_shop.html", "https://www.kuechenwelt-shop.de/kaffeemaschinen/siebtraeger-espressomaschine-barista-pro", want{
		IsProduct: true, Title: "Barista Pro SES878 – Siebträger-Espressomaschine mit Mahlwerk & Milchaufschäumer", Price: "1234.56",
		ListPrice: "1499.00", Currency: "EUR", Availability: InStock, Image: "https://www.kuechenwelt-shop.de/media/a1/b2/c3/sage-barista-pro.jpg",
		Brand: "Sage", SKU: "SES878BSS4EEU1", GTIN: "9312432030912", Shop: "kuechenwelt-shop.de",
		Canonical:   "https://www.kuechenwelt-shop.de/kaffeemaschinen/siebtraeger-espressomaschine-barista-pro",
		PriceSource: SourceJSONLD, TitleSource: SourceJSONLD,
	}},
	{"japanese_shop.html", "https://store.kurashi-zakka.jp/products/detail/128", want{
		IsProduct: true, Title: "ガラス保存容器 3点セット", Price: "1280", ListPrice: "1650", Currency: "JPY", Availability: InStock,
		Image: "https://store.kurashi-zakka.jp/html/upload/save_image/0115123456_65a1b2c3d4.jpg", SKU: "KZ-GL-3SET",
		Shop: "store.kurashi-zakka.jp", Canonical: "https://store.kurashi-zakka.jp/products/detail/128",
		PriceSource: SourceVisible, TitleSource: SourceJSONLD,
	}},
	{"woocommerce.html", "https://www.handmade-soap.com.au/product/lavender-goats-milk-soap/", want{
		IsProduct: true, Title: "Lavender Goat’s Milk Soap", Price: "11.95", ListPrice: "14.95", Currency: "AUD", Availability: InStock,
		Image: "https://www.handmade-soap.com.au/wp-content/uploads/2023/08/lavender-soap-600x600.jpg", SKU: "SOAP-LAV-100",
		Shop: "handmade-soap.com.au", Canonical: "https://www.handmade-soap.com.au/product/lavender-goats-milk-soap/",
		PriceSource: SourceVisible, TitleSource: SourceMicrodata,
	}},
	{"captcha.html", "https://www.amazon.com/dp/B07PGL2ZSL", want{
		Blocked: true, Title: "Amazon.com", Availability: Unknown, Shop: "amazon", ProductID: "B07PGL2ZSL", TitleSource: SourceMeta,
		Canonical: "https://www.amazon.com/dp/B07PGL2ZSL",
	}},
	{"error_403.html", "https://www.coupang.com/vp/products/7345612345", want{
		Blocked: true, Title: "Access Denied", Availability: Unknown, Shop: "coupang", ProductID: "7345612345", TitleSource: SourceMeta,
		Canonical: "https://www.coupang.com/vp/products/7345612345",
	}},
	{"article.html", "https://www.techreview.co.kr/news/articleView.html?idxno=12345", want{
		Title: "갤럭시 S24 울트라 써보니… 출고가 169만8400원, 살 만할까", Availability: Unknown,
		Image: "https://cdn.techreview.co.kr/news/photo/202401/12345_6789_123.jpg", Shop: "techreview.co.kr",
		Canonical: "https://www.techreview.co.kr/news/articleView.html?idxno=12345", TitleSource: SourceOpenGraph,
	}},
	{"search_listing.html", "https://shop.alpinegear.com/search?q=jacket", want{
		Title: `Search: 24 results found for "jacket"`, Availability: Unknown, Shop: "shop.alpinegear.com",
		Canonical: "https://shop.alpinegear.com/search?q=jacket", TitleSource: SourceOpenGraph,
	}},
}

func dec(a *price.Amount) string {
	if a == nil {
		return ""
	}
	return a.Decimal()
}

func readPage(t testing.TB, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	require.NoError(t, err)
	return b
}

func TestExtractTestdata(t *testing.T) {
	t.Parallel()
	for _, tp := range testPages {
		t.Run(tp.file, func(t *testing.T) {
			t.Parallel()
			p, err := Extract(tp.url, readPage(t, tp.file))
			require.NoError(t, err)
			w := tp.want
			require.Equal(t, w.IsProduct, p.IsProduct, "is_product")
			require.Equal(t, w.Blocked, p.Blocked, "blocked")
			require.Equal(t, w.Title, p.Title, "title")
			require.Equal(t, w.Price, dec(p.Price), "price")
			require.Equal(t, w.ListPrice, dec(p.ListPrice), "list_price")
			require.Equal(t, w.Currency, p.Currency, "currency")
			if p.Price != nil {
				require.Equal(t, p.Currency, p.Price.Currency, "currency of price")
			}
			require.Equal(t, w.Availability, p.Availability, "availability")
			require.Equal(t, w.Image, p.Image, "image")
			require.Equal(t, w.Brand, p.Brand, "brand")
			require.Equal(t, w.SKU, p.SKU, "sku")
			require.Equal(t, w.GTIN, p.GTIN, "gtin")
			require.Equal(t, w.Shop, p.Shop, "shop")
			require.Equal(t, w.ProductID, p.ShopProductID, "shop_product_id")
			require.Equal(t, w.Canonical, p.CanonicalURL, "canonical_url")
			require.Equal(t, w.UnitPrice, p.UnitPrice, "unit_price")
			require.Equal(t, w.UnitPriceAmount, dec(p.UnitPriceAmount), "unit price amount")
			require.Equal(t, w.Shipping, dec(p.ShippingFee), "shipping_fee")
			require.Equal(t, w.PriceSource, p.Sources[FieldPrice], "price source")
			require.Equal(t, w.TitleSource, p.Sources[FieldTitle], "title source")
			require.Equal(t, tp.url, p.URL)

			got := make([]wantVariant, 0, len(p.Variants))
			for _, v := range p.Variants {
				got = append(got, wantVariant{ID: v.ID, Price: dec(v.Price), ListPrice: dec(v.ListPrice), Options: v.Options,
					Availability: v.Availability, SKU: v.SKU})
			}
			if w.Variants == nil {
				w.Variants = []wantVariant{}
			}
			require.Equal(t, w.Variants, got, "variants")
		})
	}
}
