package shopurl

import (
	"net/url"
	"strings"
)

// shopRule recognises one shop's hosts and product URLs.
type shopRule struct {
	shop string
	// hosts are exact host names; hostFn, when set, matches further hosts.
	hosts   []string
	hostFn  func(host string) bool
	product func(u *url.URL, host string, params []param) (Canonical, bool)
	// tracking lists shop-specific tracking parameters (lower-case) that are
	// dropped from URLs of the shop that have no product rule.
	tracking map[string]bool
}

func (r shopRule) matchHost(host string) bool {
	for _, h := range r.hosts {
		if h == host {
			return true
		}
	}
	return r.hostFn != nil && r.hostFn(host)
}

var shopRules = []shopRule{
	{
		shop:     ShopCoupang,
		hosts:    []string{"www.coupang.com", "coupang.com", "m.coupang.com", "link.coupang.com"},
		product:  coupangProduct,
		tracking: coupangTracking,
	},
	{
		shop:    ShopNaver,
		hosts:   []string{"smartstore.naver.com", "m.smartstore.naver.com", "brand.naver.com", "m.brand.naver.com"},
		product: naverProduct,
	},
	{
		shop:    Shop11st,
		hosts:   []string{"www.11st.co.kr", "11st.co.kr", "m.11st.co.kr"},
		product: elevenProduct,
	},
	{
		shop:    ShopGmarket,
		hosts:   []string{"item.gmarket.co.kr", "mitem.gmarket.co.kr", "www.gmarket.co.kr", "gmarket.co.kr", "m.gmarket.co.kr"},
		product: gmarketProduct,
	},
	{
		shop:    ShopMusinsa,
		hosts:   []string{"www.musinsa.com", "musinsa.com", "m.musinsa.com", "store.musinsa.com"},
		product: musinsaProduct,
	},
	{
		shop:     ShopAmazon,
		hostFn:   func(h string) bool { _, ok := amazonTLD(h); return ok },
		product:  amazonProduct,
		tracking: amazonTracking,
	},
}

var coupangTracking = set("sourcetype", "searchid", "q", "clickeventid", "isaddedcart",
	"wpcid", "wref", "wtime", "redirect", "traceid", "itemscount", "rank", "searchrank",
	"lptag", "pagetype", "ctag", "subid", "addtag", "requestid", "pagekey")

var amazonTracking = set("tag", "linkcode", "linkid", "camp", "creative", "creativeasin",
	"ascsubtag", "keywords", "qid", "sr", "crid", "sprefix", "content-id", "dib",
	"dib_tag", "psc", "th", "smid", "_encoding", "ie")

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// segments splits an (unescaped) path into its non-empty segments.
func segments(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
}

func isDigits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9') && !('a' <= c && c <= 'z') && !('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// coupangProduct handles /vp/products/{id}, /vm/products/{id} (also the
// legacy /vp/products/{id}/items/{itemId}/vendoritems/{vendorItemId}) and
// link.coupang.com/re/...?pageKey={id} redirects.
func coupangProduct(u *url.URL, host string, params []param) (Canonical, bool) {
	var id, itemID, vendorItemID string
	seg := segments(u.Path)
	if host == "link.coupang.com" {
		id = lookup(params, "pageKey")
	} else if len(seg) >= 3 && (seg[0] == "vp" || seg[0] == "vm") && seg[1] == "products" {
		id = seg[2]
		if len(seg) >= 5 && seg[3] == "items" {
			itemID = seg[4]
		}
		if len(seg) >= 7 && seg[5] == "vendoritems" {
			vendorItemID = seg[6]
		}
	}
	if !isDigits(id) {
		return Canonical{}, false
	}
	if v := lookup(params, "itemId"); v != "" {
		itemID = v
	}
	if v := lookup(params, "vendorItemId"); v != "" {
		vendorItemID = v
	}
	c := Canonical{ProductID: id}
	q := make([]param, 0, 2)
	if isDigits(itemID) {
		q = append(q, param{"itemId", itemID})
		c.VariantID = itemID
	}
	if isDigits(vendorItemID) {
		q = append(q, param{"vendorItemId", vendorItemID})
		c.VariantID = vendorItemID
	}
	c.URL = "https://www.coupang.com/vp/products/" + id
	if len(q) > 0 {
		c.URL += "?" + encodeQuery(q)
	}
	return c, true
}

// naverProduct handles {m.}smartstore.naver.com/{store}/products/{id} and
// {m.}brand.naver.com/{store}/products/{id}.
func naverProduct(u *url.URL, host string, _ []param) (Canonical, bool) {
	seg := segments(u.Path)
	if len(seg) < 3 || seg[1] != "products" || !isDigits(seg[2]) || !validStore(seg[0]) {
		return Canonical{}, false
	}
	base := "https://smartstore.naver.com/"
	if strings.HasSuffix(host, "brand.naver.com") {
		base = "https://brand.naver.com/"
	}
	return Canonical{URL: base + seg[0] + "/products/" + seg[2], ProductID: seg[2]}, true
}

// validStore accepts Naver store URL names (lower-case letters, digits, '_'
// and '-').
func validStore(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z') && !('0' <= c && c <= '9') && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// elevenProduct handles /products/{id}, /products/m/{id}, /products/pa/{id}
// and legacy *.tmall?prdNo={id} pages.
func elevenProduct(u *url.URL, _ string, params []param) (Canonical, bool) {
	var id string
	seg := segments(u.Path)
	if len(seg) >= 2 && seg[0] == "products" {
		id = seg[1]
		if (id == "m" || id == "pa") && len(seg) >= 3 {
			id = seg[2]
		}
	}
	if !isDigits(id) {
		id = lookup(params, "prdNo")
	}
	if !isDigits(id) {
		return Canonical{}, false
	}
	return Canonical{URL: "https://www.11st.co.kr/products/" + id, ProductID: id}, true
}

// gmarketProduct handles any Gmarket URL carrying goodscode (any case).
func gmarketProduct(_ *url.URL, _ string, params []param) (Canonical, bool) {
	code := lookup(params, "goodscode")
	if !isAlnum(code) {
		return Canonical{}, false
	}
	return Canonical{URL: "https://item.gmarket.co.kr/Item?goodscode=" + code, ProductID: code}, true
}

// musinsaProduct handles /products/{id}, /app/goods/{id} and /goods/{id}.
func musinsaProduct(u *url.URL, _ string, _ []param) (Canonical, bool) {
	seg := segments(u.Path)
	var id string
	switch {
	case len(seg) >= 2 && (seg[0] == "products" || seg[0] == "goods"):
		id = seg[1]
	case len(seg) >= 3 && seg[0] == "app" && seg[1] == "goods":
		id = seg[2]
	}
	if !isDigits(id) {
		return Canonical{}, false
	}
	return Canonical{URL: "https://www.musinsa.com/products/" + id, ProductID: id}, true
}

// amazonTLDs are the public Amazon storefront suffixes.
var amazonTLDs = set("com", "co.jp", "co.uk", "de", "fr", "it", "es", "ca", "com.mx",
	"com.br", "com.au", "in", "nl", "se", "pl", "sg", "ae", "sa", "com.tr", "eg",
	"com.be", "cn", "ie")

// amazonTLD returns the storefront suffix of an Amazon host
// ("www.amazon.co.jp" -> "co.jp").
func amazonTLD(host string) (string, bool) {
	for _, p := range []string{"www.", "m.", "smile."} {
		if strings.HasPrefix(host, p) {
			host = host[len(p):]
			break
		}
	}
	tld, ok := strings.CutPrefix(host, "amazon.")
	if !ok || !amazonTLDs[tld] {
		return "", false
	}
	return tld, true
}

// amazonProduct handles /dp/{ASIN}, /{slug}/dp/{ASIN}/ref=..., /gp/product/
// {ASIN}, /gp/aw/d/{ASIN}, /exec/obidos/ASIN/{ASIN} and /o/ASIN/{ASIN}.
func amazonProduct(u *url.URL, host string, _ []param) (Canonical, bool) {
	tld, _ := amazonTLD(host)
	seg := segments(u.Path)
	var asin string
	for i := 0; i+1 < len(seg) && asin == ""; i++ {
		switch {
		case seg[i] == "dp":
			asin = seg[i+1]
		case seg[i] == "gp" && i+2 < len(seg) && seg[i+1] == "product":
			asin = seg[i+2]
		case seg[i] == "gp" && i+3 < len(seg) && seg[i+1] == "aw" && seg[i+2] == "d":
			asin = seg[i+3]
		case seg[i] == "ASIN" && (i == 2 && seg[0] == "exec" && seg[1] == "obidos" || i == 1 && seg[0] == "o"):
			asin = seg[i+1]
		}
	}
	asin = strings.ToUpper(asin)
	if len(asin) != 10 || !isAlnum(asin) {
		return Canonical{}, false
	}
	return Canonical{URL: "https://www.amazon." + tld + "/dp/" + asin, ProductID: asin}, true
}
