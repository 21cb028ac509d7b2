package extract

import (
	"strings"
	"sync"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"golang.org/x/net/html"

	"github.com/ddokso/ddokso/price"
)

// adapters maps a shop key from shopFromURL to its site adapter.
var adapters = map[string]func(p *page) *candidate{
	"naver":   (*page).naver,
	"coupang": (*page).coupang,
	"11st":    (*page).eleven,
	"gmarket": (*page).gmarket,
	"musinsa": (*page).musinsa,
	"ssg":     (*page).ssg,
	"kyobo":   (*page).kyobo,
	"kurly":   (*page).kurly,
	"amazon":  (*page).amazon,
}

// find returns the elements matching the CSS selector group text in
// document order.
func (p *page) find(text string) []*html.Node {
	return p.findSel(selector(text))
}

// findSel is find for a compiled selector; a selector cascadia rejects
// matches nothing.
func (p *page) findSel(s *sel) []*html.Node {
	if s.css == nil {
		return nil
	}
	return p.doc.FindMatcher(s.css).Nodes
}

// sel is a compiled selector group.
type sel struct {
	css goquery.Matcher // nil when cascadia rejects the selector
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
	}
	v, _ := selCache.LoadOrStore(text, s)
	return v.(*sel)
}

// firstText returns the cleaned text of the first selector (in priority
// order) that matches a non-empty element.
func (p *page) firstText(selectors ...string) string {
	for _, sel := range selectors {
		for _, n := range p.find(sel) {
			if t := clean(nodeText(n)); t != "" {
				return t
			}
		}
	}
	return ""
}

// firstAttr returns the first non-empty attribute value among selectors.
func (p *page) firstAttr(attrName string, selectors ...string) string {
	for _, sel := range selectors {
		for _, n := range p.find(sel) {
			if v := strings.TrimSpace(attr(n, attrName)); v != "" {
				return v
			}
		}
	}
	return ""
}

func (p *page) exists(selectors string) bool {
	return len(p.find(selectors)) > 0
}

// firstPrice parses the first selector whose text is a price.
func (p *page) firstPrice(cur string, selectors ...string) *price.Amount {
	for _, sel := range selectors {
		for _, n := range p.find(sel) {
			if a := p.textAmount(nodeText(n), cur); a != nil {
				return a
			}
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
