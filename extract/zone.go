package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// zone is what the markup says about a region of the page: the class, id,
// itemprop and data-* vocabulary (English and Korean shops' romanised
// names), the element's tag and its visibility. An element's zone is its
// own vocabulary plus its ancestors'.
type zone uint16

const (
	zPrice     zone = 1 << iota // price vocabulary: price, amount, money, itemprop=price ...
	zSale                       // selling-price vocabulary with a price word: sale-price, final-price ...
	zStrike                     // the price before discount: del, s, old-price, was-price, line-through ...
	zBad                        // not the main product: header, footer, nav, related, recommended, reviews ...
	zFee                        // a price that is not the product's: shipping, coupon, installments, points ...
	zOption                     // option lists: select, option, swatches (prices there are per option)
	zInvisible                  // hidden attribute, display:none, class hidden
	zButton                     // inside a button
)

// enter returns the zone of a child region with its own vocabulary own.
func (z zone) enter(own zone) zone { return z | own }

// Word classes of the markup vocabulary.
const (
	wPrice   = 1 << iota // a price word
	wSale                // selling-price modifier (needs a price word on the element)
	wStrike              // list-price modifier (needs a price word on the element)
	wSaleP               // selling price on its own (saleprice, finalprice)
	wStrikeP             // list price on its own (oldprice, msrp)
	wBad
	wFee
	wOption
	wHidden
)

// vocab maps a lower-case word of class, id, itemprop or data-* names to
// its word classes. Compound words written without separators are listed
// as such ("saleprice").
var vocab = map[string]uint16{
	"price": wPrice, "prices": wPrice, "pricing": wPrice, "prc": wPrice, "amount": wPrice, "money": wPrice,
	"pricebox": wPrice, "priceblock": wPrice, "cost": wPrice, "won": wPrice, "preis": wPrice, "prix": wPrice,
	"precio": wPrice, "preco": wPrice, "prezzo": wPrice,

	"sale": wSale, "sales": wSale, "selling": wSale, "sell": wSale, "final": wSale, "current": wSale,
	"special": wSale, "now": wSale, "actual": wSale, "deal": wSale, "discounted": wSale, "our": wSale,
	"dc": wSale, "offer": wSale, "promo": wSale, "ins": wSale, "new": wSale, "real": wSale, "total": wSale,

	"saleprice": wSaleP | wPrice, "finalprice": wSaleP | wPrice, "specialprice": wSaleP | wPrice, "dealprice": wSaleP | wPrice,
	"sellprice": wSaleP | wPrice, "currentprice": wSaleP | wPrice, "nowprice": wSaleP | wPrice, "ourprice": wSaleP | wPrice,
	"discountprice": wSaleP | wPrice, "dcprice": wSaleP | wPrice, "offerprice": wSaleP | wPrice,

	"old": wStrike, "was": wStrike, "compare": wStrike, "compareat": wStrike, "original": wStrike, "orig": wStrike,
	"origin": wStrike, "list": wStrike, "before": wStrike, "normal": wStrike, "retail": wStrike, "consumer": wStrike,
	"prev": wStrike, "previous": wStrike, "base": wStrike, "market": wStrike, "basis": wStrike,
	"strike": wStrikeP, "strikethrough": wStrikeP, "striked": wStrikeP, "crossed": wStrikeP, "msrp": wStrikeP,
	"rrp": wStrikeP, "uvp": wStrikeP, "oldprice": wStrikeP | wPrice, "wasprice": wStrikeP | wPrice,
	"listprice": wStrikeP | wPrice, "originalprice": wStrikeP | wPrice, "consumerprice": wStrikeP | wPrice,
	"compareprice": wStrikeP | wPrice, "normalprice": wStrikeP | wPrice, "retailprice": wStrikeP | wPrice,
	"strikeprice": wStrikeP | wPrice, "originprice": wStrikeP | wPrice,
	"beforeprice": wStrikeP | wPrice, "marketprice": wStrikeP | wPrice, "basisprice": wStrikeP | wPrice,

	"related": wBad, "relate": wBad, "recommend": wBad, "recommended": wBad, "recommends": wBad,
	"recommendation": wBad, "recommendations": wBad, "recomm": wBad, "reco": wBad, "recos": wBad,
	"similar": wBad, "upsell": wBad, "upsells": wBad, "crosssell": wBad, "crosssells": wBad,
	"alsolike": wBad, "youmay": wBad, "mayalso": wBad, "alsobought": wBad, "boughttogether": wBad,
	"together": wBad, "frequently": wBad, "recently": wBad, "recent": wBad, "viewed": wBad,
	"carousel": wBad, "minicart": wBad, "cartdrawer": wBad, "sidecart": wBad, "headercart": wBad,
	"cartpopup": wBad, "footer": wBad, "breadcrumb": wBad, "breadcrumbs": wBad, "megamenu": wBad,
	"navigation": wBad, "navbar": wBad, "nav": wBad, "gnb": wBad, "lnb": wBad, "review": wBad, "reviews": wBad,
	"comment": wBad, "comments": wBad, "testimonial": wBad, "testimonials": wBad, "newsletter": wBad,
	"wishlist": wBad, "ranking": wBad, "bestseller": wBad, "bestsellers": wBad, "trending": wBad,
	"sponsored": wBad, "advert": wBad, "advertisement": wBad, "otheritems": wBad, "moreitems": wBad,
	"siteheader": wBad, "pageheader": wBad, "globalheader": wBad, "sitefooter": wBad, "headerwrap": wBad,
	"menu": wBad, "mainmenu": wBad, "compareproducts": wBad, "productlist": wBad, "productgrid": wBad,
	"itemlist": wBad, "goodslist": wBad, "prdlist": wBad, "searchresults": wBad, "selleroffer": wBad, "othersellers": wBad,
	"moresellers": wBad, "sellerlist": wBad, "otheroffers": wBad, "moreoffers": wBad,

	"shipping": wFee, "delivery": wFee, "deliv": wFee, "deli": wFee, "freight": wFee, "postage": wFee,
	"coupon": wFee, "coupons": wFee, "installment": wFee, "installments": wFee, "monthly": wFee,
	"month": wFee, "emi": wFee, "finance": wFee, "financing": wFee, "klarna": wFee, "afterpay": wFee,
	"affirm": wFee, "sezzle": wFee, "paypal": wFee, "point": wFee, "points": wFee, "reward": wFee,
	"rewards": wFee, "mileage": wFee, "save": wFee, "saving": wFee, "savings": wFee, "yousave": wFee,
	"unit": wFee, "unitprice": wFee | wPrice, "perunit": wFee, "deposit": wFee, "fee": wFee, "fees": wFee,
	"discountamount": wFee, "dcamount": wFee, "rate": wFee, "percent": wFee, "per": wFee,
	"cashback": wFee, "benefit": wFee, "baesong": wFee, "giftcard": wFee, "threshold": wFee,

	"swatch": wOption, "swatches": wOption, "option": wOption, "options": wOption, "opt": wOption,
	"dropdown": wOption, "selectbox": wOption,

	"hidden": wHidden, "hide": wHidden, "dnone": wHidden, "ishidden": wHidden, "invisible": wHidden,
}

// vocabAttrs are attributes whose values name what an element is.
var vocabAttrs = []string{"class", "id", "itemprop", "data-testid", "data-test", "data-qa", "data-price-type",
	"data-automation-id", "data-auto-id", "data-component", "data-role", "name"}

// classify returns an element's own zone: its tag's and its attributes'.
// zc (nil for none) remembers the zones of class values and data-*
// names, which a page repeats on element after element.
func classify(n *html.Node, zc *zoneCache) zone {
	if n.DataAtom == atom.Html || n.DataAtom == atom.Body {
		return 0 // their classes name the page's type ("review-product-list"), not a region
	}
	z := tagZone(n)
	for _, a := range n.Attr {
		z |= attrZone(a, zc)
	}
	return z
}

// zoneCache maps class attribute values and data-* attribute names seen
// on a page to the zones they name.
type zoneCache struct {
	class, data map[string]zone
}

func newZoneCache() *zoneCache {
	return &zoneCache{class: map[string]zone{}, data: map[string]zone{}}
}

// cached returns f(v) through m (f when zc is nil).
func (zc *zoneCache) cached(m map[string]zone, v string, f func(string) zone) zone {
	if zc == nil {
		return f(v)
	}
	z, ok := m[v]
	if !ok {
		z = f(v)
		m[v] = z
	}
	return z
}

// tagZone is the zone an element's tag says: struck-through text, a page
// header/footer/nav (unless named for the product), an option list or a
// button.
func tagZone(n *html.Node) zone {
	switch n.DataAtom {
	case atom.Del, atom.S, atom.Strike:
		return zStrike
	case atom.Header, atom.Footer, atom.Nav:
		cls := strings.ToLower(attr(n, "class") + " " + attr(n, "id"))
		if !strings.Contains(cls, "product") && !strings.Contains(cls, "entry") && !strings.Contains(cls, "item") &&
			!strings.Contains(cls, "goods") && !strings.Contains(cls, "summary") && !strings.Contains(cls, "detail") {
			return zBad
		}
	case atom.Select, atom.Option, atom.Optgroup, atom.Datalist:
		return zOption
	case atom.Button:
		return zButton
	}
	return 0
}

// attrZone is the zone one attribute says: hidden, an inline style that
// hides or strikes through, a price-named data-* attribute, or the names
// in a vocabulary attribute (class, id, itemprop ...).
func attrZone(a html.Attribute, zc *zoneCache) zone {
	var z zone
	switch {
	case a.Key == "hidden":
		z |= zInvisible
	case a.Key == "style":
		if s := strings.ToLower(a.Val); strings.Contains(s, "display:none") || strings.Contains(s, "display: none") ||
			strings.Contains(s, "visibility:hidden") || strings.Contains(s, "visibility: hidden") {
			z |= zInvisible
		}
		if strings.Contains(strings.ToLower(a.Val), "line-through") {
			z |= zStrike
		}
	case strings.HasPrefix(a.Key, "data-"):
		// data-price, data-sale-price; other data-* names
		// (data-recommendation-type) configure scripts, not regions.
		z |= zc.cached(zc.dataMap(), a.Key, dataNameZone)
		if a.Key == "data-price-type" || a.Key == "data-testid" || a.Key == "data-test" || a.Key == "data-qa" {
			z |= valueZone(a.Val)
		}
	case a.Key == "class":
		z |= zc.cached(zc.classMap(), a.Val, valueZone)
	default:
		for _, k := range vocabAttrs {
			if a.Key == k {
				z |= valueZone(a.Val)
				break
			}
		}
	}
	return z
}

// dataNameZone is the zone a data-* attribute's name says.
func dataNameZone(key string) zone {
	return nameZone(key[5:]) & (zPrice | zSale | zStrike)
}

func (zc *zoneCache) classMap() map[string]zone {
	if zc == nil {
		return nil
	}
	return zc.class
}

func (zc *zoneCache) dataMap() map[string]zone {
	if zc == nil {
		return nil
	}
	return zc.data
}

// valueZone is the zone named by a space-separated list of names (a class
// attribute).
func valueZone(v string) zone {
	var z zone
	priceOnly := false
	for len(v) > 0 {
		i := 0
		for i < len(v) && isHTMLSpace(v[i]) {
			i++
		}
		j := i
		for j < len(v) && !isHTMLSpace(v[j]) {
			j++
		}
		if j > i {
			nz := nameZone(v[i:j])
			priceOnly = priceOnly || nz&zPrice != 0 && nz&zFee == 0
			z |= nz
		}
		v = v[j:]
	}
	if priceOnly {
		// "prod-ShippingOffer prod-PriceHero": a name of its own says
		// price, so the shipping name describes the block, not its price.
		z &^= zFee
	}
	return z
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'
}

// nameZone is the zone one name says ("old-price", "productSalePrice"):
// sale and list modifiers count only next to a price word of the same
// name; a name saying the element *has* a list price ("with-list-price",
// "has-compare-price") names nothing.
func nameZone(name string) zone {
	words := classWords(name)
	if words == 0 {
		return 0
	}
	if hasPrefixFold(name, "with") || hasPrefixFold(name, "has") {
		return 0
	}
	var z zone
	if words&wPrice != 0 {
		z |= zPrice
		if words&(wSale|wSaleP) != 0 {
			z |= zSale
		}
		if words&(wStrike|wStrikeP) != 0 {
			z |= zStrike
		}
	} else {
		if words&wSaleP != 0 {
			z |= zSale
		}
		if words&wStrikeP != 0 {
			z |= zStrike
		}
	}
	if words&wBad != 0 {
		z |= zBad
	}
	if words&wFee != 0 {
		z |= zFee
	}
	if words&wOption != 0 {
		z |= zOption
	}
	if words&wHidden != 0 {
		switch strings.ToLower(name) {
		case "hidden", "hide", "d-none", "is-hidden", "js-hidden", "u-hidden", "invisible", "display-none", "hidden-item", "ishidden":
			z |= zInvisible
		}
	}
	return z
}

// classWords splits an attribute value into words (at non-alphanumerics
// and camelCase humps) and returns the union of their word classes; two
// adjacent words are also looked up as one ("cross-sell", "mini-cart").
// It does not allocate.
func classWords(s string) uint16 {
	var out uint16
	var buf [96]byte // previous word, then the current one
	prevLen := 0
	for i := 0; i < len(s); {
		for i < len(s) && !isAlnum(s[i]) {
			i++
		}
		j := i
		for j < len(s) && isAlnum(s[j]) {
			if j > i && isUpperASCII(s[j]) && !isUpperASCII(s[j-1]) {
				break
			}
			j++
		}
		if j == i {
			break
		}
		w := s[i:j]
		i = j
		if len(w) > 47 {
			prevLen = 0
			continue
		}
		cur := lowerInto(buf[prevLen:prevLen], w)
		v := vocab[string(cur)]
		if v == 0 && len(cur) > 5 {
			v = compoundPriceWord(string(cur))
		}
		out |= v
		if prevLen > 0 {
			out |= vocab[string(buf[:prevLen+len(cur)])] &^ (wSale | wStrike)
		}
		copy(buf[:], cur)
		prevLen = len(cur)
	}
	return out
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isUpperASCII(c byte) bool { return c >= 'A' && c <= 'Z' }

func lowerInto(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUpperASCII(c) {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// compoundPriceWord classifies a word that joins a price word with others
// ("actionprice", "price2", "oldprice3", "streichpreis").
func compoundPriceWord(w string) uint16 {
	i := -1
	for _, p := range []string{"price", "preis", "prix", "precio", "preco", "prezzo"} {
		if i = strings.Index(w, p); i >= 0 {
			break
		}
	}
	if i < 0 {
		return 0
	}
	pre := w[:i]
	for _, s := range []string{"old", "was", "list", "orig", "strike", "streich", "uvp", "regular", "before", "consumer", "retail", "compare", "normal", "alt", "statt"} {
		if strings.HasPrefix(pre, s) {
			return wPrice | wStrikeP
		}
	}
	for _, s := range []string{"sale", "special", "final", "action", "deal", "our", "now", "offer", "sell", "current", "aktion", "angebot", "new"} {
		if strings.HasPrefix(pre, s) {
			return wPrice | wSaleP
		}
	}
	return wPrice
}
