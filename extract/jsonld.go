package extract

import (
	"encoding/json"
	"html"
	"strings"
)

// decodeJSONLD decodes one ld+json script, tolerating what real pages ship:
// HTML comment or CDATA wrappers, JavaScript comments, trailing commas, raw
// newlines inside strings, HTML-escaped quotes and several concatenated
// values. It returns every value decoded.
func decodeJSONLD(text string) []any {
	text = strings.TrimSpace(text)
	for _, w := range []string{"<!--", "//<![CDATA[", "<![CDATA["} {
		text = strings.TrimSpace(strings.TrimPrefix(text, w))
	}
	for _, w := range []string{"-->", "//]]>", "]]>"} {
		text = strings.TrimSpace(strings.TrimSuffix(text, w))
	}
	if text == "" {
		return nil
	}
	if vs, err := decodeAll([]byte(text)); err == nil {
		return vs
	}
	repaired := repairJSON(text)
	if vs, err := decodeAll(repaired); err == nil {
		return vs
	}
	if strings.Contains(text, "&") {
		if vs, err := decodeAll(repairJSON(html.UnescapeString(text))); err == nil {
			return vs
		}
	}
	// Keep whatever decoded before the first error.
	vs, _ := decodeAll(repaired)
	return vs
}

// repairJSON removes JavaScript comments and trailing commas outside
// strings and escapes raw control characters inside strings.
//
// Complexity (above 20): one byte scanner; whether a byte is inside a
// string decides what it means, and escapes and comments move the shared
// index, so the two states' cases stay in one loop.
func repairJSON(s string) []byte {
	out := make([]byte, 0, len(s))
	inStr := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inStr {
			switch {
			case c == '\\' && i+1 < len(s):
				out = append(out, c, s[i+1])
				i++
			case c == '"':
				inStr = false
				out = append(out, c)
			case c == '\n':
				out = append(out, '\\', 'n')
			case c == '\r':
				out = append(out, '\\', 'r')
			case c == '\t':
				out = append(out, '\\', 't')
			case c < 0x20:
			default:
				out = append(out, c)
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
			out = append(out, c)
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				i = len(s)
			} else {
				i += end + 3
			}
		case c == ',':
			if !trailingComma(s, i) {
				out = append(out, c)
			}
		case c == ';' && strings.TrimSpace(s[i+1:]) == "":
			i = len(s)
		default:
			out = append(out, c)
		}
	}
	return out
}

// trailingComma reports whether the comma at s[i] is followed, after
// white space, by a closing brace or bracket.
func trailingComma(s string, i int) bool {
	j := i + 1
	for j < len(s) && (s[j] == ' ' || s[j] == '\n' || s[j] == '\r' || s[j] == '\t') {
		j++
	}
	return j < len(s) && (s[j] == '}' || s[j] == ']')
}

// schemaType strips a schema.org prefix: "http://schema.org/Product" -> "Product".
func schemaType(t string) string {
	t = strings.TrimSpace(t)
	if i := strings.LastIndexAny(t, "/#:"); i >= 0 {
		t = t[i+1:]
	}
	return t
}

// types returns the normalised @type values of a node.
func types(m map[string]any) []string {
	var out []string
	switch t := m["@type"].(type) {
	case string:
		for _, f := range strings.Fields(t) {
			out = append(out, schemaType(f))
		}
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, schemaType(s))
			}
		}
	}
	return out
}

func hasType(m map[string]any, names ...string) bool {
	for _, t := range types(m) {
		for _, n := range names {
			if strings.EqualFold(t, n) {
				return true
			}
		}
	}
	return false
}

// topNodes flattens decoded values into their top-level nodes: array
// elements, @graph members and mainEntity values. Products nested in lists
// (ItemList.itemListElement) are deliberately not included.
func topNodes(vs []any) []map[string]any {
	var out []map[string]any
	var add func(v any, depth int)
	add = func(v any, depth int) {
		if depth > 4 {
			return
		}
		switch t := v.(type) {
		case []any:
			for _, x := range t {
				add(x, depth+1)
			}
		case map[string]any:
			out = append(out, t)
			if g, ok := t["@graph"]; ok {
				add(g, depth+1)
			}
			for _, k := range []string{"mainEntity", "mainEntityOfPage"} {
				if me, ok := t[k].(map[string]any); ok && len(types(me)) > 0 {
					add(me, depth+1)
				}
			}
		}
	}
	for _, v := range vs {
		add(v, 0)
	}
	return out
}

var productTypes = []string{"Product", "ProductGroup", "IndividualProduct", "ProductModel", "SomeProducts", "Vehicle", "Car", "Book"}

// fromJSONLD extracts the page's main product from its JSON-LD scripts.
func (p *page) fromJSONLD() *candidate {
	var nodes []map[string]any
	for _, s := range p.jsonld {
		nodes = append(nodes, topNodes(decodeJSONLD(s))...)
	}
	if len(nodes) == 0 {
		return nil
	}
	var group, first map[string]any
	var products []map[string]any
	listing := false
	names := map[string]bool{}
	for _, n := range nodes {
		switch {
		case hasType(n, "ProductGroup"):
			if group == nil {
				group = n
			}
		case hasType(n, productTypes...):
			if first == nil {
				first = n
			}
			if _, variant := n["isVariantOf"]; !variant {
				names[str(n["name"])] = true
				products = append(products, n)
			}
		case hasType(n, "ItemList", "SearchResultsPage", "CollectionPage", "OfferCatalog"):
			listing = true
		}
	}
	main := group
	if main == nil {
		main = first
		if len(names) >= 2 {
			// Several products (the page's and related ones): the page's is
			// the one its main heading names.
			if m := p.namedProduct(products); m != nil {
				main, names = m, map[string]bool{str(m["name"]): true}
			}
		}
	}
	if main == nil || (group == nil && len(names) >= 3) {
		if listing || len(names) >= 3 {
			return &candidate{source: SourceJSONLD, listing: true}
		}
		return nil
	}
	c := p.productFromNode(main, SourceJSONLD)
	return c
}

// str returns the text of a JSON-LD or microdata value: strings are
// entity-decoded and trimmed, objects yield their name/@value, lists their
// first non-empty element.
func str(v any) string {
	switch t := v.(type) {
	case string:
		if strings.Contains(t, "&") {
			t = html.UnescapeString(t)
		}
		return clean(t)
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "true"
		}
		return "false"
	case map[string]any:
		for _, k := range []string{"name", "@value", "value", "@id"} {
			if s := str(t[k]); s != "" {
				return s
			}
		}
	case []any:
		for _, x := range t {
			if s := str(x); s != "" {
				return s
			}
		}
	}
	return ""
}

// first returns the first non-empty str of the given keys.
func first(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s := str(m[k]); s != "" {
			return s
		}
	}
	return ""
}

// imageOf returns the URL of an image value: a string, a list or an ImageObject.
func imageOf(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(html.UnescapeString(t))
	case map[string]any:
		for _, k := range []string{"url", "contentUrl", "contentURL", "@id"} {
			if s := imageOf(t[k]); s != "" {
				return s
			}
		}
	case []any:
		for _, x := range t {
			if s := imageOf(x); s != "" {
				return s
			}
		}
	}
	return ""
}

// asList wraps a single value in a list.
func asList(v any) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	default:
		return []any{t}
	}
}
