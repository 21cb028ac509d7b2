package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/ddokso/ddokso/price"
)

// maxShort is the longest rendered text (bytes) a subtree may have to be
// read as one label, price or button caption.
const maxShort = 120

// shortText is the rendered text of a subtree when it is at most maxShort
// bytes; long marks a longer one (whose text is not kept).
type shortText struct {
	s     string
	long  bool
	block bool // a block-level element contributed: the text spans lines
}

func newShortText(s string) shortText {
	if len(s) > maxShort {
		if t := strings.TrimSpace(s); len(t) > maxShort {
			return shortText{long: true}
		}
	}
	return shortText{s: s}
}

// join appends a child's text; block-level children are set apart by a
// space as a browser renders them on their own line.
func (t shortText) join(c shortText, child *html.Node) shortText {
	if t.long || c.long {
		return shortText{long: true}
	}
	isBlock := child.Type == html.ElementNode && blockElement(child.DataAtom)
	if c.s == "" && !isBlock || isBlock && !c.block && strings.TrimSpace(c.s) == "" {
		return t
	}
	if isBlock {
		// The child's text between spaces, built in one allocation.
		if len(t.s)+len(c.s)+2 > maxShort {
			r := newShortText(strings.TrimSpace(t.s) + " " + strings.TrimSpace(c.s))
			r.block = true
			return r
		}
		return shortText{s: t.s + " " + c.s + " ", block: true}
	}
	c.s = supCents(t.s, child, c.s)
	if len(t.s)+len(c.s) > maxShort {
		r := newShortText(strings.TrimSpace(t.s) + " " + strings.TrimSpace(c.s))
		r.block = r.block || t.block || c.block
		return r
	}
	if t.s == "" {
		return c
	}
	return shortText{s: t.s + c.s, block: t.block || c.block}
}

// supCents returns the text s of child, read as the decimals of the price
// before it when child is a two-digit <sup> after a digit:
// "19<sup>99</sup>" reads 19.99.
func supCents(prev string, child *html.Node, s string) string {
	if child.Type != html.ElementNode || child.DataAtom != atom.Sup || len(prev) == 0 || !isDigit(prev[len(prev)-1]) {
		return s
	}
	if d := strings.TrimSpace(s); len(d) == 2 && isDigit(d[0]) && isDigit(d[1]) {
		return "." + d
	}
	return s
}

func blockElement(a atom.Atom) bool {
	switch a {
	case atom.Div, atom.P, atom.Li, atom.Ul, atom.Ol, atom.Br, atom.Td, atom.Th, atom.Tr, atom.Dt, atom.Dd, atom.Dl,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Section, atom.Article, atom.Table, atom.Form,
		atom.Header, atom.Footer, atom.Button, atom.Option, atom.Select, atom.Label:
		return true
	}
	return false
}

// priceSeen is a piece of visible text that reads as one price.
type priceSeen struct {
	node   *html.Node
	pos    int    // document order of the element
	zone   zone   // the element's zone (own and inherited)
	text   string // cleaned text
	marked bool   // the text names its currency
}

// control is a visible buy, add-to-cart or notify-me control.
type control struct {
	node     *html.Node
	pos      int
	buy      bool // add to cart / buy now
	preorder bool // pre-order
	notify   bool // notify me when available
	soldOut  bool // its caption says sold out
	disabled bool
	form     bool // a form that adds to the cart (commerce evidence only)
}

// textLabel is a short visible text carrying a signal, at a position.
type textLabel struct {
	node *html.Node
	pos  int
	text string
}

// visibleSignals is what the walk saw that a person reads on the page.
type visibleSignals struct {
	order    int // elements entered so far
	prices   []priceSeen
	headings []textLabel // h1 elements
	titles   []textLabel // other title-like elements (h2.product-title, .goods_name ...)
	subheads []textLabel // h2 elements, a title only when they match the page's title
	controls []control
	soldOut  []textLabel // "Sold out", "품절" ...
	inStock  []textLabel // "In stock", "재고 있음" ...
	idLabels []idLabel   // "SKU: ABC-1", "모델명 XYZ"
}

// element records the signals of one element after its subtree was
// walked. mark is the length of the price list when the element was
// entered: the prices found inside it.
func (v *visibleSignals) element(p *page, n *html.Node, z zone, own zone, pos, mark int, text shortText) {
	if z&zInvisible != 0 {
		return
	}
	v.title(n, z, pos, text)
	if v.control(n, z, pos, text) {
		return
	}
	if text.long {
		return
	}
	t := text.s
	if !hasDigit(t) {
		v.wordLabels(n, z, pos, t)
		return
	}
	if len(t) > maxShort {
		return
	}
	if n.FirstChild != nil && len(t) <= 100 && z&zBad == 0 {
		v.idLabel(n, pos, t)
	}
	if z&(zBad|zOption) != 0 || len(t) > 64 || text.block || numberGroups(t) != 1 {
		return // a container of lines, or several numbers: its pieces are the candidates
	}
	ct := clean(t)
	a, ok := price.Parse(ct, "")
	if !ok && z&zPrice == 0 {
		return
	}
	v.onePrice(n, z, pos, mark, ct, ok && a.Currency != "")
}

// wordLabels records a short text without digits as a stock label or as
// the label of an identifier that follows it.
func (v *visibleSignals) wordLabels(n *html.Node, z zone, pos int, t string) {
	if len(t) <= 60 && z&(zOption|zBad) == 0 && len(strings.TrimSpace(t)) > 2 {
		v.stockLabel(n, pos, t)
	}
	if n.FirstChild != nil && len(t) <= 40 && z&zBad == 0 {
		v.idLabel(n, pos, t)
	}
}

// title records n as a main heading (h1), a subhead (h2) or another
// title-like element.
func (v *visibleSignals) title(n *html.Node, z zone, pos int, text shortText) {
	switch {
	case n.DataAtom == atom.H1:
		if raw, ok := boundedText(n, 600); ok && z&zBad == 0 {
			t := clean(raw)
			if t == "" {
				return
			}
			v.headings = append(v.headings, textLabel{node: n, pos: pos, text: t})
		}
	case n.DataAtom == atom.H2 && z&zBad == 0 && !text.long:
		if t := clean(text.s); t != "" {
			v.subheads = append(v.subheads, textLabel{node: n, pos: pos, text: t})
		}
	case z&zBad == 0 && !text.long && titleLike(n):
		if t := clean(text.s); t != "" && !hasOnlyDigits(t) {
			v.titles = append(v.titles, textLabel{node: n, pos: pos, text: t})
		}
	}
}

// onePrice records element n whose text ct is one price: it replaces the
// pieces found inside it ("$", "12", ".99"; the prices from mark on),
// inheriting their price vocabulary.
func (v *visibleSignals) onePrice(n *html.Node, z zone, pos, mark int, ct string, marked bool) {
	var inner zone
	for _, c := range v.prices[mark:] {
		inner |= c.zone & (zPrice | zSale | zStrike)
	}
	v.prices = append(v.prices[:mark], priceSeen{node: n, pos: pos, zone: z | inner, text: ct, marked: marked})
}

// numberGroups counts the numbers in s: runs of digits joined by single
// grouping or decimal separators.
func numberGroups(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		n++
		for i < len(s) {
			if isDigit(s[i]) {
				i++
				continue
			}
			if (s[i] == ',' || s[i] == '.' || s[i] == '\'' || s[i] == ' ') && i+1 < len(s) && isDigit(s[i+1]) {
				i++
				continue
			}
			break
		}
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}

// Captions of controls and labels, lower case.
var (
	buyWords = []string{"add to cart", "add to bag", "add to basket", "add to trolley", "buy now", "buy it now", "add to shopping",
		"장바구니", "구매하기", "바로구매", "바로 구매", "주문하기", "구매 하기", "in den warenkorb", "jetzt kaufen", "ajouter au panier",
		"añadir al carrito", "aggiungi al carrello", "カートに入れる", "カートへ", "購入する", "toevoegen aan winkelwagen",
		"in winkelwagen", "lägg i varukorgen", "dodaj do koszyka", "adicionar ao carrinho", "adicionar à sacola", "agregar al carrito",
		"añadir a la cesta", "comprar", "acheter", "kaufen", "buy", "add to order", "장바구니 담기", "선물하기"}
	preorderWords = []string{"pre-order", "preorder", "pre order", "예약구매", "예약 구매", "예약주문", "vorbestellen", "précommander",
		"reservar", "予約"}
	notifyWords = []string{"notify me", "notify when", "email me when", "email when", "alert me", "재입고 알림", "재입고알림",
		"입고 알림", "입고알림", "benachrichtigen", "m'avertir", "avisarme", "入荷お知らせ", "再入荷"}
	soldOutWords = []string{"sold out", "soldout", "out of stock", "out-of-stock", "currently unavailable", "no longer available",
		"품절", "일시품절", "재고 없음", "재고없음", "판매종료", "판매 종료", "판매중지", "판매 중지", "구매불가", "구매 불가",
		"ausverkauft", "nicht verfügbar", "nicht vorrätig", "nicht lieferbar", "épuisé", "rupture de stock", "agotado",
		"esaurito", "在庫切れ", "売り切れ", "在庫なし", "完売", "uitverkocht", "slutsåld", "niedostępny", "esgotado", "indisponível",
		"fora de estoque", "sin existencias", "no disponible"}
	inStockWords = []string{"in stock", "재고 있음", "재고있음", "구매 가능", "구매가능", "auf lager", "sofort lieferbar",
		"en stock", "在庫あり", "在庫有り", "op voorraad", "in magazzino", "disponibile", "disponible", "em estoque", "en existencia",
		"available instantly"}
)

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// cartFormWords name forms that put the product in the cart.
var cartFormWords = []string{"cart/add", "cart_add", "add_product", "addtocart", "add-to-cart", "add_to_cart", "basket/add",
	"cart_quantity", "buy_form", "buyform", "order_form", "orderform", "product_form", "product-form", "frmview", "addcart"}

// imageAlt is the alt text of the first image inside n.
func imageAlt(n *html.Node) string {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom == atom.Img {
			return attr(c, "alt")
		}
		if s := imageAlt(c); s != "" {
			return s
		}
	}
	return ""
}

// controlWords are class/id/name words of buy controls.
var controlWords = []string{"addtocart", "add-to-cart", "add_to_cart", "addcart", "add-cart", "add_cart", "buynow", "buy-now",
	"buy_now", "btn-buy", "btn_buy", "btnbuy", "buy-btn", "buy_btn", "buybtn", "addtobag", "add-to-bag", "addtobasket",
	"add-to-basket", "btn-cart", "btn_cart", "cart-btn", "cart_btn", "product-form__submit", "product-form__cart",
	"single_add_to_cart", "purchase", "btn_order", "btn-order", "notify", "soldout", "sold-out", "sold_out", "restock"}

// control records a buy / add-to-cart / notify-me control; it reports
// whether n is one.
func (v *visibleSignals) control(n *html.Node, z zone, pos int, text shortText) bool {
	switch n.DataAtom {
	case atom.Button, atom.Input, atom.A:
	case atom.Form:
		if z&zBad == 0 {
			v.cartForm(n, pos)
		}
		return false
	default:
		if attr(n, "role") != "button" {
			return false
		}
	}
	if z&(zBad|zOption) != 0 {
		return false
	}
	caption, ok := controlCaption(n, text)
	if !ok {
		return false
	}
	names := strings.ToLower(attr(n, "class") + " " + attr(n, "id") + " " + attr(n, "name") + " " + attr(n, "data-action") + " " + attr(n, "onclick"))
	c := control{node: n, pos: pos}
	c.kindByCaption(caption)
	if !c.buy && !c.soldOut && !c.notify {
		if !containsAny(names, controlWords) || n.DataAtom == atom.A && caption == "" {
			return false
		}
		c.kindByNames(names)
	}
	c.disabled = controlDisabled(n, names)
	v.controls = append(v.controls, c)
	return true
}

// kindByCaption sets what control c does from its short caption.
func (c *control) kindByCaption(caption string) {
	c.soldOut = caption != "" && len(caption) <= 60 && containsAny(caption, soldOutWords)
	c.notify = caption != "" && len(caption) <= 60 && containsAny(caption, notifyWords)
	c.preorder = caption != "" && len(caption) <= 40 && containsAny(caption, preorderWords) && !c.soldOut
	c.buy = caption != "" && len(caption) <= 40 && (c.preorder || containsAny(caption, buyWords)) && !c.soldOut && !c.notify
}

// kindByNames sets what control c does from its class/id/name words, for a
// control whose caption said nothing: sold out, notify me, else buy.
func (c *control) kindByNames(names string) {
	if strings.Contains(names, "soldout") || strings.Contains(names, "sold-out") || strings.Contains(names, "sold_out") {
		c.soldOut = true
	} else if strings.Contains(names, "notify") || strings.Contains(names, "restock") {
		c.notify = true
	} else {
		c.buy = true
	}
}

// cartForm records form n when its action or names say it adds to the
// cart (commerce evidence only, not a buy control).
func (v *visibleSignals) cartForm(n *html.Node, pos int) {
	a := strings.ToLower(attr(n, "action") + " " + attr(n, "id") + " " + attr(n, "name") + " " + attr(n, "class"))
	if containsAny(a, cartFormWords) {
		v.controls = append(v.controls, control{node: n, pos: pos, form: true})
	}
}

// controlCaption returns the lower-cased caption a person reads on control
// n: an input's value or alt, else its text, else its image's alt. ok is
// false for an <input> that is not a button.
func controlCaption(n *html.Node, text shortText) (caption string, ok bool) {
	if n.DataAtom == atom.Input {
		switch strings.ToLower(attr(n, "type")) {
		case "submit", "button", "image":
		default:
			return "", false
		}
		caption = attr(n, "value")
		if caption == "" {
			caption = attr(n, "alt")
		}
	} else if !text.long {
		caption = text.s
	}
	if strings.TrimSpace(caption) == "" {
		caption = imageAlt(n)
	}
	return strings.ToLower(clean(caption)), true
}

// controlDisabled reports whether control n is disabled: the disabled
// attribute, aria-disabled="true", or "disabled" among its names.
func controlDisabled(n *html.Node, names string) bool {
	_, ok := attrOK(n, "disabled")
	return ok || strings.EqualFold(attr(n, "aria-disabled"), "true") || strings.Contains(names, "disabled")
}

// stockLabel records short texts that say sold out or in stock.
func (v *visibleSignals) stockLabel(n *html.Node, pos int, t string) {
	l := strings.ToLower(clean(t))
	if l == "" {
		return
	}
	// Only the innermost element carrying the words.
	if c := n.FirstChild; c != nil && c.NextSibling == nil && c.Type == html.ElementNode {
		return
	}
	switch {
	case containsAny(l, soldOutWords):
		v.soldOut = append(v.soldOut, textLabel{node: n, pos: pos, text: l})
	case containsAny(l, inStockWords) && !strings.Contains(l, "not ") && !strings.Contains(l, "없"):
		v.inStock = append(v.inStock, textLabel{node: n, pos: pos, text: l})
	}
}

// titleLike reports whether n is named like a product or page title
// (h2.product-title, td.pageHeading, div.goods_name ...).
func titleLike(n *html.Node) bool {
	switch n.DataAtom {
	case atom.H2, atom.H3, atom.H4, atom.Div, atom.P, atom.Span, atom.Strong, atom.B, atom.Dt, atom.Td, atom.Th:
	default:
		return false
	}
	if v := attr(n, "itemprop"); v == "name" {
		return true
	}
	cls, id := attr(n, "class"), attr(n, "id")
	if cls == "" && id == "" || !containsFoldAny(cls, titleHints) && !containsFoldAny(id, titleHints) {
		return false
	}
	c := strings.ToLower(cls + " " + id)
	for _, w := range []string{"pageheading", "page-heading", "page_heading", "pagetitle", "page-title", "page_title"} {
		if strings.Contains(c, w) {
			return true
		}
	}
	titleWord, productWord := false, false
	for _, w := range splitWords(c) {
		switch w {
		case "title", "name", "heading", "tit", "nm", "subject", "productname", "producttitle", "itemname", "goodsname", "itemtit":
			titleWord = true
		}
		for _, p := range []string{"product", "prod", "item", "goods", "prd", "detail", "pdp"} {
			if strings.Contains(w, p) {
				productWord = true
			}
		}
	}
	return titleWord && productWord
}

// splitWords splits a lower-case class list into its words.
func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
}

func hasOnlyDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && s[i] != ' ' && s[i] != ',' && s[i] != '.' {
			return false
		}
	}
	return true
}

// relatedPhrases head blocks of other products, lower case.
var relatedPhrases = []string{"also bought", "also viewed", "also like", "may also", "you might", "might also", "related product",
	"related item", "similar product", "similar item", "recently viewed", "recommended", "customers who", "frequently bought",
	"bought together", "more from", "you may", "complete the look", "empfehlung", "passendes zubehör", "accessories",
	"zubehör", "customers also", "함께 본", "함께 구매", "함께하면", "함께 보면", "추천 상품", "추천상품",
	"연관 상품", "연관상품", "관련 상품", "관련상품", "다른 상품", "최근 본", "인기 상품", "베스트 상품", "こちらもおすすめ", "関連商品",
	"この商品を見た人", "kunden, die", "das könnte", "ähnliche", "vous aimerez", "produits similaires", "quem viu", "quem comprou",
	"produtos relacionados", "veja também", "también te", "productos relacionados"}

// relatedHeading reports whether element c with text t is a heading of a
// block of other products.
func relatedHeading(c *html.Node, t shortText) bool {
	if c.Type != html.ElementNode || t.long || t.s == "" {
		return false
	}
	switch c.DataAtom {
	case atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Td, atom.Th, atom.Tr, atom.Div, atom.P, atom.Span, atom.Strong, atom.B,
		atom.Header, atom.Section, atom.Tbody, atom.Table:
	default:
		return false
	}
	s := strings.TrimSpace(t.s)
	if len(s) < 6 || len(s) > 70 || hasDigit(s) {
		return false
	}
	return containsAny(strings.ToLower(s), relatedPhrases)
}

// titleHints are what a title-like class or id must contain (lower case).
var titleHints = []string{"tit", "nam", "nm", "head", "subject"}

// containsFoldAny reports whether s contains one of the lower-case ASCII
// words, ignoring ASCII case, without allocating.
func containsFoldAny(s string, words []string) bool {
	for i := 0; i < len(s); i++ {
		for _, w := range words {
			if len(s)-i >= len(w) && strings.EqualFold(s[i:i+len(w)], w) {
				return true
			}
		}
	}
	return false
}
