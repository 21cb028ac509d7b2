package extract

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"

	"github.com/ddokso/ddokso/price"
)

var elevenPrdNo = regexp.MustCompile(`["']?prdNo["']?\s*[:=]\s*["']?(\d{5,})`)

// eleven reads 11st (11번가) product pages.
func (p *page) eleven() *candidate {
	c := &candidate{source: adapterSource("11st"), currency: "KRW"}
	c.title = p.firstText(".c_product_info_title h1", ".c_product_info_title .title", "h1.title", ".heading h2")
	c.price = p.firstPrice("KRW", "#finalDscPrcArea strong .value", "#finalDscPrcArea strong", ".price_detail .price .value",
		".c_product_price .price .value", ".price_detail dd.price strong")
	c.listPrice = p.firstPrice("KRW", ".price_detail .price_regular .value", ".price_detail del", ".c_product_price del")
	c.image = p.abs(p.firstAttr("src", "#productImg img", ".img_full img", ".c_product_view_img img"))
	c.brand = p.firstText(".c_product_info_title .brand", ".c_product_brand a")
	c.shipping = p.shippingFee(p.firstText(".delivery_info .delivery dt + dd", ".c_product_delivery .delivery .price", ".delivery_info .price"), "KRW")
	if s := p.scriptContaining("prdNo"); s != "" {
		c.productID = submatch(elevenPrdNo, s)
	}
	switch {
	case p.exists(".c_product_soldout, .soldout_area, #buyButton.soldout, .btn_soldout"):
		c.availability = OutOfStock
	case c.price != nil && p.exists("#buyButton, .c_product_btn_buy, .btn_buy"):
		c.availability = InStock
	}
	c.isProduct = c.title != "" && c.price != nil
	if c.title == "" && c.price == nil {
		return nil
	}
	return c
}

// gmarket reads Gmarket (and Auction, same platform) item pages.
func (p *page) gmarket() *candidate {
	c := &candidate{source: adapterSource("gmarket"), currency: "KRW"}
	c.title = p.firstText("h1.itemtit", ".itemtit", ".box__item-title h1")
	c.price = p.firstPrice("KRW", ".price_innerwrap .price_real", ".price_real", ".box__price .text__price-seller")
	c.listPrice = p.firstPrice("KRW", ".price_innerwrap .price_original", ".price_original", ".box__price .text__price-original")
	c.image = p.abs(p.firstAttr("src", ".box__viewer-container img", "#container .thumb-gallery img", ".item-topimgwrap img"))
	c.brand = p.firstText(".text__brand", ".link__brand")
	c.shipping = p.shippingFee(p.firstText(".box__delivery-fee .text__value", ".list__delivery .text__delivery-fee", ".delivery-info .fee"), "KRW")
	soldOut := p.exists(".btn_soldout, .box__soldout, .item_soldout")
	if !soldOut {
		soldOut = strings.Contains(p.firstText("#coreInsOrderBtn", ".btn_buy"), "품절")
	}
	switch {
	case soldOut:
		c.availability = OutOfStock
	case c.price != nil && p.exists("#coreInsOrderBtn, .btn_buy, .btn-buy"):
		c.availability = InStock
	}
	c.isProduct = c.title != "" && c.price != nil
	if c.title == "" && c.price == nil {
		return nil
	}
	return c
}

// musinsaState is the decoded object of window.__MSS__.product.state,
// else of the __NEXT_DATA__ script; nil when the page has neither.
func (p *page) musinsaState() any {
	if s := p.scriptContaining("__MSS__.product.state"); s != "" {
		if m := decodeObject(objectAfter(s, "__MSS__.product.state")); m != nil {
			return m
		}
	}
	if m := decodeObject(strings.TrimSpace(p.scriptByID("__NEXT_DATA__"))); m != nil {
		return m
	}
	return nil
}

// musinsaAvailability reads a Musinsa goods object's sold-out flags and
// sale type; a priced goods without either is in stock, else "".
func musinsaAvailability(g map[string]any, priced bool) Availability {
	switch {
	case truthy(g["isSoldOut"]) || truthy(g["soldOut"]) || truthy(g["isOutOfStock"]):
		return OutOfStock
	case strings.EqualFold(first(g, "goodsSaleType"), "SOLDOUT") || strings.EqualFold(first(g, "goodsSaleType"), "STOP_SALE"):
		return OutOfStock
	case strings.EqualFold(first(g, "goodsSaleType"), "PRE_ORDER"):
		return PreOrder
	case priced:
		return InStock
	}
	return ""
}

// musinsa reads Musinsa goods pages from window.__MSS__.product.state or
// the Next.js __NEXT_DATA__ payload.
func (p *page) musinsa() *candidate {
	root := p.musinsaState()
	if root == nil {
		return p.musinsaLegacy()
	}
	g := findMap(root, func(m map[string]any) bool { return has(m, "goodsNm", "goodsPrice") }, 0)
	if g == nil {
		return nil
	}
	c := &candidate{source: adapterSource("musinsa"), isProduct: true, currency: "KRW"}
	c.title = first(g, "goodsNm")
	c.productID = first(g, "goodsNo")
	c.brand = first(asMap(g["brandInfo"]), "brandName")
	if c.brand == "" {
		c.brand = first(g, "brandName", "brand")
	}
	c.sku = first(g, "styleNo")
	if img := first(g, "thumbnailImageUrl", "goodsImageUrl"); img != "" {
		if strings.HasPrefix(img, "/") && !strings.HasPrefix(img, "//") {
			img = "https://image.msscdn.net" + img
		}
		c.image = p.abs(img)
	}
	gp := asMap(g["goodsPrice"])
	normal, _ := num(gp["normalPrice"])
	sale, ok := num(gp["salePrice"])
	if !ok {
		sale = normal
	}
	if d, ok := num(gp["immediateDiscountedPrice"]); ok && d > 0 && d < sale {
		sale = d
	}
	c.price = krw(sale)
	if normal > sale {
		c.listPrice = krw(normal)
	}
	c.availability = musinsaAvailability(g, c.price != nil)
	if fee, ok := num(path(g, "deliveryInfo", "deliveryFee")); ok && fee >= 0 {
		c.shipping = &price.Amount{Minor: fee, Currency: "KRW"}
	}
	return c
}

// musinsaLegacy reads the server-rendered Musinsa goods page of 2020-2023
// (www.musinsa.com/app/goods/N): the goods sit in the script variable
// stateAll.productInfo (goods_nm, price, normal_price) and the page shows
// them in .product_title and #goods_price; sizes carry jaego_yn="Y" or "N".
func (p *page) musinsaLegacy() *candidate {
	state := decodeObject(objectAfter(p.scriptContaining("stateAll"), "stateAll"))
	info := asMap(state["productInfo"])
	if info == nil || first(info, "goods_nm") == "" {
		return nil
	}
	c := &candidate{source: adapterSource("musinsa"), isProduct: true, currency: "KRW"}
	c.title = p.firstText(".product_title em")
	if c.title == "" {
		c.title = first(info, "goods_nm")
	}
	c.productID = first(info, "goods_no")
	c.brand = first(info, "brand_nm")
	if img := first(info, "img"); strings.HasPrefix(img, "/") && !strings.HasPrefix(img, "//") {
		c.image = "https://image.msscdn.net" + img
	}
	if v, ok := num(info["price"]); ok && v > 0 {
		c.price = krw(v)
	} else {
		c.price = p.firstPrice("KRW", "#goods_price")
	}
	if normal, ok := num(info["normal_price"]); ok && c.price != nil && normal > c.price.Minor {
		c.listPrice = krw(normal)
	}
	for _, li := range p.find(".product_article li") {
		label := clean(nodeText(firstMatch(li, ".product_article_tit")))
		if !strings.Contains(label, "품번") {
			continue
		}
		v := clean(nodeText(firstMatch(li, ".product_article_contents")))
		if i := strings.LastIndex(v, "/"); i >= 0 {
			c.sku = strings.TrimSpace(v[i+1:])
		}
		break
	}
	// A size with stock (jaego_yn="Y") makes the goods buyable; every size
	// marked "N" is sold out; a page without sizes says nothing here.
	sizes, inStock := 0, 0
	for _, o := range p.find("#buy_option_area option[jaego_yn]") {
		sizes++
		if strings.EqualFold(attr(o, "jaego_yn"), "Y") {
			inStock++
		}
	}
	switch {
	case inStock > 0 && c.price != nil:
		c.availability = InStock
	case sizes > 0 && inStock == 0:
		c.availability = OutOfStock
	}
	return c
}

// ssg reads SSG.COM item pages (www.ssg.com/item/itemView.ssg?itemId=N):
// the headline price is .cdtl_new_price (최적가) with .cdtl_old_price
// (판매가) struck through beside it. The order box below repeats the price
// times the chosen quantity (합계, #totalPrc), which is not the price.
func (p *page) ssg() *candidate {
	c := &candidate{source: adapterSource("ssg"), currency: "KRW"}
	c.title = p.firstText(".cdtl_info_tit .cdtl_info_tit_txt", "h2.cdtl_info_tit")
	c.price = p.firstPrice("KRW", ".cdtl_optprice .cdtl_new_price .ssg_price", ".cdtl_new_price .ssg_price")
	c.listPrice = p.firstPrice("KRW", ".cdtl_optprice .cdtl_old_price .ssg_price", ".cdtl_old_price .ssg_price")
	c.brand = p.firstText(".cdtl_info_tit .cdtl_info_tit_link")
	c.image = p.abs(p.firstAttr("src", "#mainImg", ".cdtl_item_image img"))
	buy := p.firstText("#actionPayment", ".cdtl_btn_buy")
	switch {
	case strings.Contains(buy, "품절"):
		c.availability = OutOfStock
	case c.price != nil && buy != "":
		c.availability = InStock
	}
	c.isProduct = c.title != "" && c.price != nil
	if c.title == "" && c.price == nil {
		return nil
	}
	return c
}

// kyobo reads Kyobo book product pages (product.kyobobook.co.kr/detail/S…):
// .prod_price_box holds the sale price and the struck-through list price;
// the eBook edition's price near the title is another product.
func (p *page) kyobo() *candidate {
	c := &candidate{source: adapterSource("kyobo"), currency: "KRW"}
	c.title = p.firstText(".prod_title_box .prod_title", ".prod_title_area .prod_title")
	c.price = p.firstPrice("KRW", ".prod_price_box .prod_price .price .val")
	c.listPrice = p.firstPrice("KRW", ".prod_price_box .prod_price .sale_price .val")
	buy := p.firstText("#prodBuyWrap #buy", "#buy")
	switch {
	case strings.Contains(buy, "품절") || strings.Contains(buy, "절판"):
		c.availability = OutOfStock
	case c.price != nil && strings.Contains(buy, "구매"):
		c.availability = InStock
	}
	c.isProduct = c.title != "" && c.price != nil
	if c.title == "" && c.price == nil {
		return nil
	}
	return c
}

// kurly reads Market Kurly goods pages of the 2019 site
// (www.kurly.com/shop/goods/goods_view.php?goodsno=N): the goods box is a
// Vue component (goods-view-header) that the page's script fills from an API,
// so the saved or fetched markup names the goods only in og:title and shows
// no price of its own (the prices on it are the related-goods carousel's).
// The page is still a product page: it says so, with the title and no price.
func (p *page) kurly() *candidate {
	if p.url == nil || queryCI(p.url.Query(), "goodsno") == "" || !p.exists("goods-view-header") {
		return nil
	}
	title := p.firstAttr("content", `meta[property="og:title"]`)
	if title == "" {
		return nil
	}
	return &candidate{source: adapterSource("kurly"), isProduct: true, currency: "KRW", title: title}
}

// wemakeprice reads WeMakePrice product pages (front.wemakeprice.com/product/N,
// 2022): the goods are in GV.set('initialData', JSON.parse('{…}')) (basic.prodNm,
// sale.salePrice and sale.originPrice), from which the page's script fills the
// price box; the buy box is server-rendered, a SOLD OUT button when sold out.
func (p *page) wemakeprice() *candidate {
	state := decodeObject(objectAfter(p.scriptContaining("GV.set('initialData'"), "JSON.parse('"))
	basic, sale := asMap(state["basic"]), asMap(state["sale"])
	title := first(basic, "prodNm")
	if title == "" {
		return nil
	}
	c := &candidate{source: adapterSource("wemakeprice"), currency: "KRW", title: title}
	c.productID = first(basic, "prodNo")
	if v, ok := num(sale["salePrice"]); ok && v > 0 {
		c.price = krw(v)
		if o, ok := num(sale["originPrice"]); ok && o > v {
			c.listPrice = krw(o)
		}
	}
	if p.exists(".button_box .sold_out, .button_box .sold_out_s") {
		c.availability = OutOfStock
	}
	c.isProduct = c.price != nil
	return c
}

// firstMatch returns the first descendant of n matching the selector
// group text, or nil.
func firstMatch(n *html.Node, text string) *html.Node {
	s := selector(text)
	if s.css == nil || n == nil {
		return nil
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if s.css.Match(c) {
			return c
		}
		if m := firstMatch(c, text); m != nil {
			return m
		}
	}
	return nil
}
