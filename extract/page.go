package extract

import (
	"math"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// script is an inline script element's id, type and text.
type script struct {
	id, typ, text string
}

// page is a parsed document plus everything collected from it in one walk,
// shared by all extractors.
type page struct {
	url  *url.URL
	base *url.URL
	host string
	doc  *goquery.Document

	title     string              // <title> text
	metas     map[string][]string // lower-cased property/name -> content values in document order
	canonical string              // link rel=canonical href, as written
	jsonld    []string            // application/ld+json script texts
	scripts   []script            // other inline scripts
	items     []*html.Node        // top-level microdata itemscope elements
	htmlLang  string

	seen visibleSignals // what a person sees: prices, headings, buy controls, labels

	zones *zoneCache // zones of the class values and data-* names seen

	index *nodeIndex // class/id index for the adapters' selectors, built on first use

	currencyHint string
}

// collect walks the document once and fills the page's indexes and the
// visible signals.
func (p *page) collect() {
	p.metas = make(map[string][]string)
	for _, root := range p.doc.Nodes {
		p.walk(root, walkState{})
	}
}

// walkState is what an element inherits from its ancestors.
type walkState struct {
	hidden bool // inside script, style, noscript or template: not rendered
	inItem bool // inside a microdata item
	zone   zone // page-region flags (see zone)
}

// walk indexes n and its subtree and returns the subtree's rendered text
// when it is short (see shortText), for the visible-signal collectors.
func (p *page) walk(n *html.Node, st walkState) shortText {
	switch n.Type {
	case html.TextNode:
		if st.hidden {
			return shortText{}
		}
		return newShortText(n.Data)
	case html.ElementNode:
	case html.DocumentNode:
	default:
		return shortText{}
	}
	var own zone
	pos := p.seen.order
	mark := len(p.seen.prices)
	if n.Type == html.ElementNode {
		p.seen.order++
		if !st.hidden {
			st = p.indexElement(n, st)
		}
		if !st.hidden {
			own = classify(n, p.zones)
			st.zone = st.zone.enter(own)
		}
	}
	var text shortText
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		t := p.walk(c, st)
		if !st.hidden {
			text = text.join(t, c)
			if st.zone&zBad == 0 && relatedHeading(c, t) {
				// "Customers who bought this also bought", "추천 상품": what
				// follows the heading in this block is not the product.
				st.zone |= zBad
			}
		}
	}
	if n.Type == html.ElementNode && !st.hidden {
		p.seen.element(p, n, st.zone, own, pos, mark, text)
	}
	if own&zInvisible != 0 {
		return shortText{} // a person does not read hidden text
	}
	return text
}

// indexElement indexes the page-level data element n carries (lang, meta,
// links, base, title, scripts, microdata items) and returns the state for
// its subtree: hidden below scripts, styles and templates, inItem below an
// itemscope.
func (p *page) indexElement(n *html.Node, st walkState) walkState {
	switch n.DataAtom {
	case atom.Html:
		p.htmlLang = attr(n, "lang")
	case atom.Meta:
		p.addMeta(n.Attr, st.inItem)
	case atom.Link:
		p.addLink(n.Attr)
	case atom.Base:
		p.addBase(n.Attr)
	case atom.Title:
		if p.title == "" && !inSVG(n) {
			p.addTitle(nodeText(n))
		}
	case atom.Script:
		if p.addScript(n.Attr, nodeText(n)) {
			st.hidden = true
		}
	case atom.Style, atom.Noscript, atom.Template:
		st.hidden = true
	}
	if !st.inItem && !st.hidden {
		if _, ok := attrOK(n, "itemscope"); ok {
			p.items = append(p.items, n)
			st.inItem = true
		}
	}
	return st
}

// addMeta indexes a meta element's content under its property, name and
// (outside microdata items) itemprop.
func (p *page) addMeta(attrs []html.Attribute, inItem bool) {
	content, ok := attrsOK(attrs, "content")
	if !ok {
		return
	}
	for _, k := range []string{"property", "name", "itemprop"} {
		if key := attrs1(attrs, k); key != "" && (k != "itemprop" || !inItem) {
			key = strings.ToLower(strings.TrimSpace(key))
			p.metas[key] = append(p.metas[key], strings.TrimSpace(content))
		}
	}
}

// addLink keeps the first rel=canonical link.
func (p *page) addLink(attrs []html.Attribute) {
	if p.canonical == "" && hasToken(attrs1(attrs, "rel"), "canonical") {
		p.canonical = strings.TrimSpace(attrs1(attrs, "href"))
	}
}

// addBase applies the first usable <base href>.
func (p *page) addBase(attrs []html.Attribute) {
	if p.base == p.url {
		if href := strings.TrimSpace(attrs1(attrs, "href")); href != "" {
			if b, err := p.url.Parse(href); err == nil {
				p.base = b
			}
		}
	}
}

// addTitle keeps the first non-blank <title> outside SVG.
func (p *page) addTitle(text string) {
	if p.title == "" {
		p.title = strings.TrimSpace(text)
	}
}

// addScript indexes an inline script; it reports false for a blank one
// (whose content the walk then still visits, as it holds no elements).
func (p *page) addScript(attrs []html.Attribute, text string) bool {
	if strings.TrimSpace(text) == "" {
		return false
	}
	typ := strings.ToLower(strings.TrimSpace(attrs1(attrs, "type")))
	if typ == "application/ld+json" {
		p.jsonld = append(p.jsonld, text)
	} else if attrs1(attrs, "src") == "" {
		p.scripts = append(p.scripts, script{id: attrs1(attrs, "id"), typ: typ, text: text})
	}
	return true
}

// meta returns the first non-empty content of the given meta keys.
func (p *page) meta(keys ...string) string {
	for _, k := range keys {
		for _, v := range p.metas[k] {
			if v != "" {
				return v
			}
		}
	}
	return ""
}

// abs resolves ref against the document base URL; it returns "" for refs
// that are empty or not http(s) after resolution (data:, javascript:).
func (p *page) abs(ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := p.base.Parse(ref)
	if err != nil {
		return ""
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	return u.String()
}

// scriptContaining returns the first inline script whose text contains marker.
func (p *page) scriptContaining(marker string) string {
	for _, s := range p.scripts {
		if strings.Contains(s.text, marker) {
			return s.text
		}
	}
	return ""
}

// scriptByID returns the text of the inline script with the given id.
func (p *page) scriptByID(id string) string {
	for _, s := range p.scripts {
		if s.id == id {
			return s.text
		}
	}
	return ""
}

func attrOK(n *html.Node, key string) (string, bool) {
	return attrsOK(n.Attr, key)
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

func attrsOK(attrs []html.Attribute, key string) (string, bool) {
	for _, a := range attrs {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attrs1(attrs []html.Attribute, key string) string {
	v, _ := attrsOK(attrs, key)
	return v
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

func inSVG(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.DataAtom == atom.Svg {
			return true
		}
	}
	return false
}

// nodeText returns the concatenated text of n's descendants, skipping
// scripts and styles inside ordinary elements.
func nodeText(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	if n.FirstChild != nil && n.FirstChild == n.LastChild && n.FirstChild.Type == html.TextNode {
		return n.FirstChild.Data
	}
	t, _ := boundedText(n, math.MaxInt)
	return t
}

// boundedText is nodeText cut off once it exceeds limit bytes (then it
// returns the first limit+ bytes and false).
func boundedText(n *html.Node, limit int) (string, bool) {
	var b strings.Builder
	var f func(*html.Node) bool
	f = func(n *html.Node) bool {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				b.WriteString(c.Data)
				if b.Len() > limit {
					return false
				}
			case c.Type == html.ElementNode && (c.DataAtom == atom.Script || c.DataAtom == atom.Style):
			default:
				if !f(c) {
					return false
				}
			}
		}
		return true
	}
	if n.Type == html.TextNode {
		return n.Data, len(n.Data) <= limit
	}
	ok := f(n)
	return b.String(), ok
}

// clean collapses white space and trims s.
func clean(s string) string {
	if s == "" {
		return ""
	}
	if isClean(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// isClean reports whether s has no leading, trailing or repeated white
// space and no white space other than ' ' (ASCII only; other white space
// is left to strings.Fields).
func isClean(s string) bool {
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		case c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xE3:
			return false
		default:
			prevSpace = false
		}
	}
	return true
}
