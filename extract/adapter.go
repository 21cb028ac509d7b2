package extract

import (
	"strings"
	"sync"

	"github.com/andybalholm/cascadia"

	"golang.org/x/net/html"

	"github.com/ddokso/ddokso/price"
)

// adapters maps a shop key from shopFromURL to its site adapter.
var adapters = map[string]func(p *page) *candidate{
	"naver":       (*page).naver,
	"coupang":     (*page).coupang,
	"11st":        (*page).eleven,
	"gmarket":     (*page).gmarket,
	"musinsa":     (*page).musinsa,
	"ssg":         (*page).ssg,
	"kyobo":       (*page).kyobo,
	"kurly":       (*page).kurly,
	"wemakeprice": (*page).wemakeprice,
	"amazon":      (*page).amazon,
}

// find returns the elements matching the CSS selector group text in
// document order.
func (p *page) find(text string) []*html.Node {
	var out []*html.Node
	p.each(selector(text), func(n *html.Node) bool {
		out = append(out, n)
		return false
	})
	return out
}

// each calls f on the elements matching s in document order until f
// returns true; a selector cascadia rejects matches nothing. A selector
// whose every member names a class or id of its subject (".price",
// "#buyButton.soldout", ".a .b") tries only the elements the page's
// class/id index lists for those names; any other walks the document.
func (p *page) each(s *sel, f func(*html.Node) bool) {
	if s.css == nil {
		return
	}
	if cands, ok := p.keyed(s); ok {
		for _, n := range cands {
			if s.css(n) && f(n) {
				return
			}
		}
		return
	}
	p.firstElement(func(n *html.Node) bool { return s.css(n) && f(n) })
}

// firstElement calls f on the document's elements in document order until
// f returns true, and reports whether it did.
func (p *page) firstElement(f func(*html.Node) bool) bool {
	var walk func(n *html.Node) bool
	walk = func(n *html.Node) bool {
		if n.Type == html.ElementNode && f(n) {
			return true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if walk(c) {
				return true
			}
		}
		return false
	}
	for _, root := range p.doc.Nodes {
		if walk(root) {
			return true
		}
	}
	return false
}

// sel is a compiled selector group.
type sel struct {
	css cascadia.Selector // nil when cascadia rejects the selector
	// keys holds one class or id per member selector that its subject
	// element must carry; nil when a member has none (see subjectKeys).
	keys []selKey
}

// selCache holds the selectors compiled so far.
var selCache sync.Map // string -> *sel

// selector returns the compiled form of text, compiling it once.
func selector(text string) *sel {
	if s, ok := selCache.Load(text); ok {
		return s.(*sel)
	}
	s := &sel{}
	if css, err := cascadia.Compile(text); err == nil {
		s.css = css
		s.keys = subjectKeys(text)
		wantKeys(s.keys)
	}
	v, _ := selCache.LoadOrStore(text, s)
	return v.(*sel)
}

// firstText returns the cleaned text of the first selector (in priority
// order) that matches a non-empty element.
func (p *page) firstText(selectors ...string) string {
	var t string
	for _, text := range selectors {
		p.each(selector(text), func(n *html.Node) bool {
			t = clean(nodeText(n))
			return t != ""
		})
		if t != "" {
			return t
		}
	}
	return ""
}

// firstAttr returns the first non-empty attribute value among selectors.
func (p *page) firstAttr(attrName string, selectors ...string) string {
	var v string
	for _, text := range selectors {
		p.each(selector(text), func(n *html.Node) bool {
			v = strings.TrimSpace(attr(n, attrName))
			return v != ""
		})
		if v != "" {
			return v
		}
	}
	return ""
}

// exists reports whether some element matches the selector group.
func (p *page) exists(selectors string) bool {
	found := false
	p.each(selector(selectors), func(*html.Node) bool {
		found = true
		return true
	})
	return found
}

// firstPrice parses the first selector whose text is a price.
func (p *page) firstPrice(cur string, selectors ...string) *price.Amount {
	var a *price.Amount
	for _, text := range selectors {
		p.each(selector(text), func(n *html.Node) bool {
			a = p.textAmount(nodeText(n), cur)
			return a != nil
		})
		if a != nil {
			return a
		}
	}
	return nil
}

// shippingFee parses shipping text: free-shipping wording is a zero amount.
func (p *page) shippingFee(text, cur string) *price.Amount {
	if text == "" {
		return nil
	}
	l := strings.ToLower(text)
	for _, w := range []string{"무료", "free", "kostenlos", "gratis", "送料無料", "無料"} {
		if strings.Contains(l, w) {
			if cur == "" {
				cur = p.currencyHint
			}
			if cur == "" {
				return nil
			}
			return &price.Amount{Currency: cur}
		}
	}
	return p.textAmount(text, cur)
}

// unitPrice splits "(10g당 120원)" or "($0.50 / Ounce)" into display text and amount.
func (p *page) unitPrice(text, cur string) (string, *price.Amount) {
	text = strings.TrimSpace(strings.Trim(clean(text), "()"))
	if text == "" {
		return "", nil
	}
	amountText := text
	if i := strings.Index(text, "당"); i >= 0 {
		amountText = text[i+len("당"):]
	} else if i := strings.IndexByte(text, '/'); i >= 0 {
		amountText = text[:i]
	}
	return text, p.textAmount(amountText, cur)
}
