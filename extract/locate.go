package extract

import (
	"sort"
	"strings"

	"golang.org/x/net/html"

	"github.com/ddokso/ddokso/price"
)

// The visible-price locator reads the price a person sees next to the
// product's title, without knowing the shop system. Every element whose
// text reads as one price is a candidate (signals.go); each is scored by
//
//   - its text: a currency written next to the number;
//   - the markup vocabulary of the element and its ancestors (zone.go):
//     price, sale/final price, list/was price, and regions that are not the
//     main product (header, footer, related products, reviews, cart) or
//     prices that are not the product's (shipping, coupons, installments);
//   - the label a person reads before it (판매가, 할인가, Price, Now ...);
//   - its nearness to the main title (h1) in document order and in the tree;
//   - agreement with prices stated in the page's metadata.
//
// Struck-through and "was / 정가" prices are list-price candidates. The
// best-scoring amount wins only when its evidence is strong and no other
// amount comes close: with weak or split evidence there is no price.

// Score thresholds of the locator.
const (
	minPriceScore = 6 // the winner's score must reach this
	minPriceLead  = 3 // and lead every other amount by this much
	// strongPriceScore is a visible price strong enough to override a
	// structured price that disagrees (stale metadata).
	strongPriceScore = 9
)

// Label words a person reads before or around a price, lower case.
var (
	saleLabels = []string{"판매가", "할인가", "최종가", "혜택가", "특가", "최저가", "price", "sale", "now", "our price", "preis",
		"prix", "precio", "価格", "販売価格", "税込", "special"}
	listLabels = []string{"정가", "소비자가", "시중가", "정상가", "권장소비자", "원가", "was", "list price", "rrp", "msrp", "regular price",
		"compare at", "uvp", "statt", "original price", "before", "retail", "reg.", "定価", "通常価格", "참고가격", "prix de référence"}
	feeLabels = []string{"배송", "적립", "포인트", "마일리지", "쿠폰", "할부", "무이자", "월 ", "/월", "개월", "할인금액", "절약",
		"이상 구매", "이상 무료", "shipping", "delivery", "save ", "you save", "saving", "% off", " off", "/mo", "per month", "a month",
		"monthly", "installment", "points", "reward", "cashback", "club price", "member price", "members price", "membership", "or 4", "interest", "from ", "starting at", "as low as",
		"versand", "livraison", "envío", "送料", "ポイント", "+消費税", "im monat", "monatlich", "finanzierung", "par mois",
		"al mes", "gesamtpreis", "total price", "price for all", "preis für alle", "/cu", "/oz", "/lb", "/ct", "/count", "/fl",
		"/sq", "/ea", "/ml", "/l)", "/g)", "/m)", "/st", "/stk", "deposit", "per ", "/kg", "/100", "/ 100", "100g", "100ml", "당 "}
)

// totalLabels are the labels of an order box's total: the price times the
// chosen quantity, or the sum of the chosen options and fees (합계 401,760
// on a real SSG page whose price is 50,220). Such an amount is never the
// product's price, whatever else the page shows.
var totalLabels = []string{"합계", "총 상품금액", "총상품금액", "총 상품 금액", "총 금액", "총금액", "총 주문금액", "총주문금액",
	"주문금액", "결제금액", "결제 금액", "결제예정금액", "subtotal", "sub-total", "sub total", "grand total", "order total",
	"cart total", "basket total", "estimated total", " total:", " total ", "zwischensumme", "gesamtsumme", "sous-total", "合計", "小計"}

// freeShipping removes free-delivery notes, which follow a product's price
// ("£579.99 Free Delivery") and do not make it a fee.
var freeShipping = strings.NewReplacer("free delivery", " ", "free shipping", " ", "무료배송", " ", "무료 배송", " ",
	"kostenloser versand", " ", "versandkostenfrei", " ", "livraison gratuite", " ", "frete grátis", " ", "envío gratis", " ",
	"送料無料", " ", "spedizione gratuita", " ")

// mainHeading returns the page's main title element: the h1 (else another
// title-like element) whose text agrees with a structured title, else the
// first h1, else nothing.
func (p *page) mainHeading(titles ...string) *textLabel {
	return p.findHeading(append(titles, p.meta("og:title"), p.title)...)
}

func (p *page) findHeading(titles ...string) *textLabel {
	for _, hs := range [][]textLabel{p.seen.headings, p.seen.titles, p.seen.subheads} {
		for _, t := range titles {
			t = strings.ToLower(clean(t))
			if t == "" {
				continue
			}
			for i := range hs {
				if sameTitle(strings.ToLower(hs[i].text), t) && !statusText(hs[i].text) {
					return &hs[i]
				}
			}
		}
	}
	for i := range p.seen.headings {
		if !statusText(p.seen.headings[i].text) {
			return &p.seen.headings[i]
		}
	}
	// No h1: a lone title-like element heads the page; several with
	// different texts are product cards of a listing.
	texts := map[string]bool{}
	first := -1
	for i, t := range p.seen.titles {
		if statusText(t.text) {
			continue
		}
		texts[t.text] = true
		if first < 0 {
			first = i
		}
	}
	if len(texts) >= 1 && len(texts) <= 3 {
		return &p.seen.titles[first]
	}
	return nil
}

// sameTitle reports whether heading h and title t (lower case) name the same
// thing: equal, one inside the other, or sharing most of the heading's
// start ("the overton window (hardcover)" / "the overton window by ...").
func sameTitle(h, t string) bool {
	if h == t || len(h) >= 4 && strings.Contains(t, h) || len(t) >= 4 && strings.Contains(h, t) {
		return true
	}
	if i := strings.IndexAny(h, "(:|"); i >= 4 {
		if main := strings.TrimSpace(h[:i]); len(main) >= 4 && strings.HasPrefix(t, main) {
			return true // "game over (audio cd)" / "game over by fern michaels ..."
		}
	}
	n := 0
	for n < len(h) && n < len(t) && h[n] == t[n] {
		n++
	}
	return len(h) >= 8 && n >= 12 && n*10 >= len(h)*4
}

// statusText reports whether a heading's text is a stock or status line,
// not a name ("In Stock.").
func statusText(s string) bool {
	l := strings.ToLower(s)
	return l == "" || len(l) <= 30 && (containsAny(l, inStockWords) || containsAny(l, soldOutWords))
}

// scored is one candidate amount of the locator.
type scored struct {
	amount price.Amount
	score  int
	pos    int
	node   *html.Node
}

// locator holds what scoring needs about the page.
type locator struct {
	p       *page
	heading *textLabel
	anc     map[*html.Node]bool // ancestors of the heading
	sizes   map[*html.Node]int  // subtree sizes, computed on demand
	known   []*price.Amount     // prices stated by metadata
	hint    string
}

// visiblePrice runs the locator. known are the prices metadata states
// (they raise matching candidates); heading is the page's main heading
// (mainHeading), or nil.
func (p *page) visiblePrice(hint string, known []*price.Amount, heading *textLabel) *candidate {
	if len(p.seen.prices) == 0 {
		return nil
	}
	l := &locator{p: p, heading: heading, known: known, hint: hint, sizes: map[*html.Node]int{}}
	if l.heading != nil {
		l.anc = map[*html.Node]bool{}
		for a := l.heading.node; a != nil; a = a.Parent {
			l.anc[a] = true
		}
	}
	if p.priceCards(l) || p.priceGrid(l) {
		return nil // product cards of a listing, each with its price
	}
	var sale, list []scored
	for _, ps := range p.seen.prices {
		s, isList, ok := l.score(ps)
		if !ok {
			continue
		}
		if isList {
			list = append(list, s)
		} else {
			sale = append(sale, s)
		}
	}
	best, ok := decide(sale)
	if !ok {
		return nil
	}
	c := &candidate{source: SourceVisible, price: &best.amount, currency: best.amount.Currency, score: best.score}
	// The list price is a struck or labelled price near the selling price.
	var bestList *scored
	for i := range list {
		s := &list[i]
		if s.amount.Currency != best.amount.Currency || s.amount.Minor <= best.amount.Minor {
			continue
		}
		if d := s.pos - best.pos; d < -60 || d > 60 {
			continue
		}
		if bestList == nil || s.score > bestList.score {
			bestList = s
		}
	}
	if bestList != nil && bestList.score >= minPriceScore-2 {
		c.listPrice = &bestList.amount
	}
	return c
}

// decide returns the winning amount: the best score per amount must reach
// minPriceScore and lead every other amount by minPriceLead.
func decide(cands []scored) (scored, bool) {
	if len(cands) == 0 {
		return scored{}, false
	}
	byAmount := map[price.Amount]scored{}
	for _, s := range cands {
		if old, ok := byAmount[s.amount]; !ok || s.score > old.score {
			byAmount[s.amount] = s
		}
	}
	all := make([]scored, 0, len(byAmount))
	for _, s := range byAmount {
		all = append(all, s)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].score != all[j].score {
			return all[i].score > all[j].score
		}
		return all[i].pos < all[j].pos
	})
	best := all[0]
	if best.score < minPriceScore {
		return scored{}, false
	}
	if len(all) > 1 && all[1].score > best.score-minPriceLead {
		return scored{}, false
	}
	return best, true
}

// score rates one visible price. ok is false when it cannot be the
// product's price at all.
func (l *locator) score(ps priceSeen) (s scored, isList, ok bool) {
	z := ps.zone
	if z&(zBad|zOption|zInvisible) != 0 {
		return s, false, false
	}
	before := labelBefore(ps.node)
	ps = withCurrencyBefore(ps, before)
	if !ps.marked && (z&zPrice == 0 || l.hint == "") {
		return s, false, false
	}
	a, okp := price.Parse(ps.text, l.hint)
	if !okp || a.Minor <= 0 || a.Currency == "" {
		return s, false, false
	}
	label := " " + strings.ToLower(ps.text+" "+before) + " "
	listLabel := containsAny(label, listLabels)
	if z&zFee != 0 && !listLabel {
		return s, false, false // a fee region; only a labelled list price (RRP in a savings line) counts there
	}
	if containsAny(freeShipping.Replace(label), feeLabels) && !listLabel || containsAny(label, totalLabels) {
		return s, false, false
	}
	score := 0
	if ps.marked {
		score += 2
	}
	if z&zPrice != 0 {
		score += 2
	}
	if z&zSale != 0 {
		score++
	}
	isList = z&zStrike != 0
	if listLabel {
		isList = true
	} else if containsAny(label, saleLabels) {
		score += 2
	}
	score += l.placeScore(ps)
	if l.nearBuyButton(ps.pos) {
		score++ // the buy box: the price just before its buy button
	}
	if l.isKnown(a) {
		score += 3
	}
	return scored{amount: a, score: score, pos: ps.pos, node: ps.node}, isList, true
}

// withCurrencyBefore marks an unmarked price whose label before it is a
// currency written in its own element ("€" before the number), prefixing
// the label to its text.
func withCurrencyBefore(ps priceSeen, before string) priceSeen {
	if ps.marked {
		return ps
	}
	if cur, ok := price.Parse("1 "+before, ""); ok && cur.Currency != "" && len(strings.TrimSpace(before)) <= 4 {
		ps.text = before + " " + ps.text
		ps.marked = true
	}
	return ps
}

// placeScore rates where a visible price sits relative to the main
// heading: close after it, or in a small block shared with it, scores
// higher; far from it scores lower. It is 0 without a main heading.
func (l *locator) placeScore(ps priceSeen) int {
	if l.heading == nil {
		return 0
	}
	score := 0
	d := ps.pos - l.heading.pos
	switch {
	case d > 0 && d <= 15:
		score += 5
	case d > 0 && d <= 40:
		score += 4
	case d > 0 && d <= 120:
		score += 3
	case d > 0 && d <= 300:
		score++
	case d > 0 && d <= 800:
	case d < 0 && d >= -40:
		score += 2
	default:
		score -= 2
	}
	switch size := l.blockSize(ps.node); {
	case size <= 0:
	case size <= 120:
		score += 2
	case size <= 500:
		score++
	}
	return score
}

// nearBuyButton reports whether a buy button (disabled or not; not a cart
// form) follows position pos within 60 elements.
func (l *locator) nearBuyButton(pos int) bool {
	for _, c := range l.p.seen.controls {
		if d := c.pos - pos; c.buy && !c.form && d > 0 && d <= 60 {
			return true
		}
	}
	return false
}

// isKnown reports whether a equals one of the prices the page's metadata
// states.
func (l *locator) isKnown(a price.Amount) bool {
	for _, k := range l.known {
		if k != nil && k.Minor == a.Minor && k.Currency == a.Currency {
			return true
		}
	}
	return false
}

// blockSize is the number of elements in the smallest subtree holding both
// n and the main heading (0 when it exceeds the cap).
func (l *locator) blockSize(n *html.Node) int {
	for a := n; a != nil; a = a.Parent {
		if l.anc[a] {
			if s, ok := l.sizes[a]; ok {
				return s
			}
			s := countElements(a, 600)
			l.sizes[a] = s
			return s
		}
	}
	return 0
}

// countElements counts the elements under n, giving up (0) past limit.
func countElements(n *html.Node, limit int) int {
	count := 0
	var f func(*html.Node) bool
	f = func(n *html.Node) bool {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				count++
				if count > limit || !f(c) {
					return false
				}
			}
		}
		return true
	}
	if !f(n) {
		return 0
	}
	return count
}

// labelBefore is the short text a person reads just before n: its
// previous element sibling's, or its parent's previous sibling's.
func labelBefore(n *html.Node) string {
	for k := 0; k < 2 && n != nil; k++ {
		for s := n.PrevSibling; s != nil; s = s.PrevSibling {
			var t string
			switch s.Type {
			case html.TextNode:
				t = strings.TrimSpace(s.Data)
			case html.ElementNode:
				if classify(s, nil)&zInvisible != 0 {
					continue // hidden: not read
				}
				raw, ok := boundedText(s, 200)
				if !ok {
					return ""
				}
				t = clean(raw)
			}
			if t == "" {
				continue
			}
			if len(t) > 40 || hasDigit(t) {
				return "" // a label is words; a price before is not this one's label
			}
			return t
		}
		n = n.Parent
	}
	return ""
}

// visibleAvailability reads the stock state from the buy controls and
// stock labels near the main heading h (anywhere when h is nil). It returns
// "" when the page shows no clear signal.
//
// Complexity (above 20): one tally per control kind, then one switch whose
// case order is the precedence between conflicting signals (pre-order, a
// buy button beside a sold-out sign ...); split, the precedence would be
// read across functions.
func (p *page) visibleAvailability(h *textLabel) Availability {
	near := func(pos int) bool {
		if h == nil {
			return true
		}
		d := pos - h.pos
		return d >= -80 && d <= 800
	}
	var buy, buyOff, soldOut, notify, pre int
	for _, c := range p.seen.controls {
		if !near(c.pos) || c.form {
			continue
		}
		switch {
		case c.soldOut:
			soldOut++
		case c.notify:
			notify++
		case c.buy && c.disabled:
			buyOff++
		case c.preorder:
			pre++
		case c.buy:
			buy++
		}
	}
	labels := countNear(p.seen.soldOut, near)
	inLabels := countNear(p.seen.inStock, near)
	switch {
	case pre > 0 && buy == 0 && soldOut == 0:
		return PreOrder
	case buy > 0 && (soldOut > 0 || labels > 0):
		return "" // an enabled buy button and a sold-out sign: a person could not tell
	case buy > 0:
		return InStock
	case soldOut > 0 || (buyOff > 0 && labels > 0) || (notify > 0 && labels > 0):
		return OutOfStock
	case labels > 0 && inLabels == 0 && h != nil:
		return OutOfStock
	case inLabels > 0 && labels == 0:
		return InStock
	}
	return ""
}

// countNear counts the labels at a position near reports true for.
func countNear(labels []textLabel, near func(pos int) bool) int {
	n := 0
	for _, l := range labels {
		if near(l.pos) {
			n++
		}
	}
	return n
}

// commerceNear reports whether the page shows a buy, notify or sold-out
// control or a stock label near heading h.
func (p *page) commerceNear(h *textLabel) bool {
	near := func(pos int) bool { d := pos - h.pos; return d >= -150 && d <= 1500 }
	for _, c := range p.seen.controls {
		if near(c.pos) {
			return true
		}
	}
	for _, ls := range [][]textLabel{p.seen.soldOut, p.seen.inStock} {
		for _, l := range ls {
			if near(l.pos) {
				return true
			}
		}
	}
	return false
}

// showsAmount reports whether some visible price text of the page (outside
// other products' blocks and option lists) reads as amount a.
func (p *page) showsAmount(a *price.Amount) bool {
	if a == nil {
		return false
	}
	for _, ps := range p.seen.prices {
		if b, ok := price.Parse(ps.text, a.Currency); ok && b == *a {
			return true
		}
	}
	return false
}

// priceCards reports whether the page's buy buttons each follow a price of
// their own: product cards of a listing, not one product's buy box (whose
// "add to cart" and "buy now" share one price).
func (p *page) priceCards(l *locator) bool {
	var buys []int
	for _, c := range p.seen.controls {
		if c.buy && !c.form {
			buys = append(buys, c.pos)
		}
	}
	if len(buys) < 2 {
		return false
	}
	if l.heading != nil {
		// A price right under the main heading is the product's buy box;
		// cards further down are accessories or related items.
		for _, ps := range p.seen.prices {
			if d := ps.pos - l.heading.pos; d > 0 && d <= 80 && ps.marked && ps.zone&(zBad|zOption|zInvisible|zFee) == 0 {
				return false
			}
		}
	}
	amounts := map[price.Amount]bool{}
	cards := 0
	prev := -1
	i := 0
	for _, b := range buys {
		var seg *price.Amount
		for ; i < len(p.seen.prices) && p.seen.prices[i].pos < b; i++ {
			ps := p.seen.prices[i]
			if ps.pos <= prev || ps.zone&(zBad|zOption|zInvisible|zFee|zStrike) != 0 || !ps.marked {
				continue
			}
			if a, ok := price.Parse(ps.text, l.hint); ok {
				seg = &a
			}
		}
		if seg != nil {
			cards++
			amounts[*seg] = true
		}
		prev = b
	}
	return cards >= 2 && len(amounts) >= 2
}

// priceGrid reports whether the main content repeats prices the way a
// grid of product cards does: many prices, several different ones, at a
// regular spacing.
func (p *page) priceGrid(l *locator) bool {
	if l.heading != nil {
		// A price tight under the main heading is the product's own; a
		// grid further down lists other formats or related items.
		for _, ps := range p.seen.prices {
			if d := ps.pos - l.heading.pos; d > 0 && d <= 25 && ps.marked && ps.zone&(zBad|zOption|zInvisible|zFee) == 0 {
				return false
			}
		}
	}
	var pos []int
	amounts := map[string]bool{}
	for _, ps := range p.seen.prices {
		if ps.marked && ps.zone&(zBad|zOption|zInvisible|zFee|zStrike) == 0 {
			pos = append(pos, ps.pos)
			amounts[ps.text] = true
		}
	}
	if len(pos) < 8 || len(amounts) < 4 {
		return false
	}
	// The first price must start the regular run: a price before it is
	// the product's own, the run below it accessories or related items.
	if pos[1]-pos[0] != pos[2]-pos[1] {
		return false
	}
	// Count runs of equal gaps between consecutive prices.
	same := 0
	for i := 2; i < len(pos); i++ {
		if pos[i]-pos[i-1] == pos[i-1]-pos[i-2] && pos[i]-pos[i-1] > 3 {
			same++
		}
	}
	return same >= 4
}
