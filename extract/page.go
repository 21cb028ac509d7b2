package extract

import (
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

	currencyHint string
}

// collect walks the document once and fills the page's indexes.
func (p *page) collect() {
	p.metas = make(map[string][]string)
	for _, root := range p.doc.Nodes {
		p.walk(root, false)
	}
}

func (p *page) walk(n *html.Node, inItem bool) {
	if n.Type == html.ElementNode {
		switch n.DataAtom {
		case atom.Html:
			p.htmlLang = attr(n, "lang")
		case atom.Meta:
			content, ok := attrOK(n, "content")
			if ok {
				for _, k := range []string{"property", "name", "itemprop"} {
					if key := attr(n, k); key != "" && (k != "itemprop" || !inItem) {
						key = strings.ToLower(strings.TrimSpace(key))
						p.metas[key] = append(p.metas[key], strings.TrimSpace(content))
					}
				}
			}
		case atom.Link:
			if p.canonical == "" && hasToken(attr(n, "rel"), "canonical") {
				p.canonical = strings.TrimSpace(attr(n, "href"))
			}
		case atom.Base:
			if p.base == p.url {
				if href := strings.TrimSpace(attr(n, "href")); href != "" {
					if b, err := p.url.Parse(href); err == nil {
						p.base = b
					}
				}
			}
		case atom.Title:
			if p.title == "" && !inSVG(n) {
				p.title = strings.TrimSpace(nodeText(n))
			}
		case atom.Script:
			typ := strings.ToLower(strings.TrimSpace(attr(n, "type")))
			txt := nodeText(n)
			if strings.TrimSpace(txt) == "" {
				break
			}
			if typ == "application/ld+json" {
				p.jsonld = append(p.jsonld, txt)
			} else if attr(n, "src") == "" {
				p.scripts = append(p.scripts, script{id: attr(n, "id"), typ: typ, text: txt})
			}
			return
		case atom.Style, atom.Noscript, atom.Template:
			return
		}
		if !inItem {
			if _, ok := attrOK(n, "itemscope"); ok {
				p.items = append(p.items, n)
				inItem = true
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		p.walk(c, inItem)
	}
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
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
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
	var b strings.Builder
	var f func(*html.Node)
	f = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				b.WriteString(c.Data)
			case c.Type == html.ElementNode && (c.DataAtom == atom.Script || c.DataAtom == atom.Style):
			default:
				f(c)
			}
		}
	}
	f(n)
	return b.String()
}

// clean collapses white space and trims s.
func clean(s string) string {
	if s == "" {
		return ""
	}
	return strings.Join(strings.Fields(s), " ")
}

// selText returns the cleaned text of the first element matching sel.
func selText(doc *goquery.Document, sel string) string {
	s := doc.Find(sel).First()
	if s.Length() == 0 {
		return ""
	}
	return clean(nodeText(s.Nodes[0]))
}
