package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// microItem converts an itemscope element to the same map shape JSON-LD
// decodes to, so both share productFromNode.
func (p *page) microItem(n *html.Node, depth int) map[string]any {
	m := map[string]any{"@type": attr(n, "itemtype")}
	if id := attr(n, "itemid"); id != "" {
		m["@id"] = id
	}
	if depth > 6 {
		return m
	}
	var walk func(*html.Node)
	walk = func(parent *html.Node) {
		for c := parent.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || c.DataAtom == atom.Script || c.DataAtom == atom.Style {
				continue
			}
			props := strings.Fields(attr(c, "itemprop"))
			_, scoped := attrOK(c, "itemscope")
			var val any
			switch {
			case scoped:
				val = p.microItem(c, depth+1)
			case len(props) > 0:
				val = microValue(c)
			}
			for _, prop := range props {
				addProp(m, schemaType(prop), val)
				if prop == "price" && !scoped {
					if _, hasContent := attrOK(c, "content"); hasContent {
						addProp(m, "@priceText", clean(nodeText(c)))
					}
				}
			}
			if !scoped {
				walk(c)
			}
		}
	}
	walk(n)
	return m
}

func addProp(m map[string]any, k string, v any) {
	if v == nil {
		return
	}
	switch old := m[k].(type) {
	case nil:
		m[k] = v
	case []any:
		m[k] = append(old, v)
	default:
		m[k] = []any{old, v}
	}
}

// microValue is the value of an itemprop element per the microdata spec,
// with the content attribute taking precedence as browsers' parsers do.
func microValue(n *html.Node) any {
	if v, ok := attrOK(n, "content"); ok {
		return v
	}
	switch n.DataAtom {
	case atom.A, atom.Link, atom.Area:
		return attr(n, "href")
	case atom.Img, atom.Source, atom.Audio, atom.Video, atom.Embed, atom.Iframe, atom.Track:
		if v := attr(n, "src"); v != "" {
			return v
		}
		return attr(n, "data-src")
	case atom.Object:
		return attr(n, "data")
	case atom.Time:
		if v, ok := attrOK(n, "datetime"); ok {
			return v
		}
	case atom.Data, atom.Meter:
		if v, ok := attrOK(n, "value"); ok {
			return v
		}
	}
	return clean(nodeText(n))
}

// fromMicrodata extracts the main product from microdata.
func (p *page) fromMicrodata() *candidate {
	var products []map[string]any
	for _, n := range p.items {
		if !strings.Contains(strings.ToLower(attr(n, "itemtype")), "schema.org") {
			continue
		}
		m := p.microItem(n, 0)
		if hasType(m, productTypes...) {
			products = append(products, m)
			continue
		}
		for _, v := range m {
			for _, x := range asList(v) {
				if sub, ok := x.(map[string]any); ok && hasType(sub, productTypes...) {
					products = append(products, sub)
				}
			}
		}
	}
	if len(products) == 0 {
		return nil
	}
	names := map[string]bool{}
	for _, m := range products {
		names[str(m["name"])] = true
	}
	if len(names) >= 2 {
		// Several products: the page's is the one its main heading names
		// (the others are related items); with none named it is a listing.
		if m := p.namedProduct(products); m != nil {
			return p.productFromNode(m, SourceMicrodata)
		}
		return &candidate{source: SourceMicrodata, listing: true}
	}
	return p.productFromNode(products[0], SourceMicrodata)
}

// namedProduct returns the one product whose name is the page's main
// heading or og:title, or nil.
func (p *page) namedProduct(products []map[string]any) map[string]any {
	var heads []string
	if h := p.mainHeading(p.meta("og:title")); h != nil {
		heads = append(heads, h.text)
	}
	if t := p.meta("og:title"); t != "" {
		heads = append(heads, t)
	}
	for _, h := range heads {
		h = strings.ToLower(clean(h))
		var found map[string]any
		n := 0
		for _, m := range products {
			if name := strings.ToLower(str(m["name"])); name != "" && name == h {
				if found == nil || str(found["name"]) != str(m["name"]) {
					n++
				}
				if found == nil {
					found = m
				}
			}
		}
		if n == 1 {
			return found
		}
	}
	return nil
}
