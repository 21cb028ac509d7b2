package extract

import (
	"github.com/ddokso/ddokso/shopurl"
	"net/url"
	"regexp"
	"strings"
)

// shopInfo is what the page URL alone tells about the shop.
type shopInfo struct {
	shop      string // adapter key ("naver", "coupang", ...) or the bare host
	productID string
	variantID string
	canonical string // shopurl's canonical URL of a known shop's product page
}

var (
	naverPath   = regexp.MustCompile(`^/(?:[^/]+/)?products/(\d+)`)
	coupangPath = regexp.MustCompile(`^/v[pm]/products/(\d+)`)
	elevenPath  = regexp.MustCompile(`^/(?:products|product)/(?:m/)?(\d+)`)
	musinsaPath = regexp.MustCompile(`^/(?:app/)?(?:goods|products)/(\d+)`)
	wemakePath  = regexp.MustCompile(`^/product/(\d+)`)
	kyoboPath   = regexp.MustCompile(`^/detail/(S\d+)`)
	amazonPath  = regexp.MustCompile(`/(?:dp|gp/product|gp/aw/d|exec/obidos/ASIN)/([A-Z0-9]{10})(?:[/?]|$)`)
)

// hostIs reports whether host is domain or a subdomain of it.
func hostIs(host, domain string) bool {
	return host == domain || strings.HasSuffix(host, "."+domain)
}

// queryCI returns a query parameter by case-insensitive name.
func queryCI(q url.Values, name string) string {
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func submatch(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// shopFromURL detects the shop and product id from the page URL.
func shopFromURL(u *url.URL) shopInfo {
	host := strings.ToLower(u.Hostname())
	q := u.Query()
	switch {
	case hostIs(host, "smartstore.naver.com"), hostIs(host, "brand.naver.com"), hostIs(host, "shopping.naver.com"):
		return shopInfo{shop: "naver", productID: submatch(naverPath, u.Path)}
	case hostIs(host, "coupang.com"):
		return shopInfo{shop: "coupang", productID: submatch(coupangPath, u.Path), variantID: q.Get("vendorItemId")}
	case hostIs(host, "11st.co.kr"):
		id := submatch(elevenPath, u.Path)
		if id == "" {
			id = queryCI(q, "prdNo")
		}
		return shopInfo{shop: "11st", productID: id}
	case hostIs(host, "gmarket.co.kr"):
		return shopInfo{shop: "gmarket", productID: queryCI(q, "goodscode")}
	case hostIs(host, "musinsa.com"):
		return shopInfo{shop: "musinsa", productID: submatch(musinsaPath, u.Path)}
	case hostIs(host, "ssg.com"):
		return shopInfo{shop: "ssg", productID: queryCI(q, "itemId")}
	case hostIs(host, "wemakeprice.com"):
		return shopInfo{shop: "wemakeprice", productID: submatch(wemakePath, u.Path)}
	case hostIs(host, "kurly.com"):
		return shopInfo{shop: "kurly", productID: queryCI(q, "goodsno")}
	case hostIs(host, "kyobobook.co.kr"):
		return shopInfo{shop: "kyobo", productID: submatch(kyoboPath, u.Path)}
	case isAmazon(host):
		return shopInfo{shop: "amazon", productID: submatch(amazonPath, u.Path)}
	}
	host = strings.TrimPrefix(host, "www.")
	return shopInfo{shop: host}
}

func isAmazon(host string) bool {
	i := strings.Index(host, "amazon.")
	return i >= 0 && (i == 0 || host[i-1] == '.')
}

// currencyOfTLD maps a country-code top-level domain to its currency.
var currencyOfTLD = map[string]string{
	"kr": "KRW",
	"jp": "JPY",
	"de": "EUR", "fr": "EUR", "it": "EUR", "es": "EUR", "nl": "EUR", "at": "EUR", "be": "EUR", "fi": "EUR", "ie": "EUR", "pt": "EUR",
	"gr": "EUR", "sk": "EUR", "si": "EUR", "ee": "EUR", "lv": "EUR", "lt": "EUR", "lu": "EUR", "hr": "EUR",
	"uk": "GBP",
	"ca": "CAD",
	"au": "AUD",
	"cn": "CNY",
	"tw": "TWD",
	"in": "INR",
	"ch": "CHF",
	"us": "USD",
	"cl": "CLP",
	"mx": "MXN",
	"ar": "ARS",
	"co": "COP",
	"br": "BRL",
	"nz": "NZD",
	"sg": "SGD",
	"hk": "HKD",
	"se": "SEK",
	"no": "NOK",
	"dk": "DKK",
	"pl": "PLN",
	"cz": "CZK",
	"ru": "RUB",
	"tr": "TRY",
}

// currencyByTLD guesses the currency of bare numbers from the host.
func currencyByTLD(host string) string {
	host = strings.ToLower(host)
	if isAmazon(host) && (strings.HasSuffix(host, ".com") || strings.HasSuffix(host, "amazon.com")) {
		return "USD"
	}
	tld := host
	if i := strings.LastIndexByte(host, '.'); i >= 0 {
		tld = host[i+1:]
	}
	if cur, ok := currencyOfTLD[tld]; ok {
		return cur
	}
	switch {
	case hostIs(host, "coupang.com"), hostIs(host, "musinsa.com"), strings.HasSuffix(host, ".naver.com"):
		return "KRW"
	}
	return ""
}

// shopIdentity returns the shop key and ids for the page URL, from
// shopurl.Canonicalize when it accepts the URL, completed by the adapter
// rules here (which also cover paths shopurl does not canonicalize).
func shopIdentity(u *url.URL) shopInfo {
	own := shopFromURL(u)
	c, err := shopurl.Canonicalize(u.String())
	if err != nil {
		return own
	}
	info := shopInfo{shop: c.Shop, productID: c.ProductID, variantID: c.VariantID, canonical: c.URL}
	// shopurl names shops without product rules by their host ("ssg.com");
	// an adapter key of our own ("ssg", no dot) is the better name then.
	if info.shop == "" || (strings.Contains(info.shop, ".") && !strings.Contains(own.shop, ".")) {
		info.shop = own.shop
	}
	if info.productID == "" && info.shop == own.shop {
		info.productID = own.productID
	}
	if info.variantID == "" && info.shop == own.shop {
		info.variantID = own.variantID
	}
	if info.productID == "" {
		info.canonical = ""
	}
	return info
}
