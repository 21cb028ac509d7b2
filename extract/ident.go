package extract

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// idKind is what a labelled identifier names.
type idKind uint8

const (
	idSKU idKind = iota + 1
	idMPN
)

// idLabel is an identifier a page shows with a label ("SKU: AB-12",
// "모델명 SM-R510"). value is empty when the label stands alone and the
// value is the next element ("<th>모델명</th><td>SM-R510</td>").
type idLabel struct {
	node  *html.Node
	pos   int
	kind  idKind
	value string
}

// idLabelRE matches a label at the start of a short text and captures the
// rest. Group 1 is an SKU-like label, group 2 a model / part number label.
var idLabelRE = regexp.MustCompile(`(?i)^\s*(?:(sku|item\s*(?:#|no\.?|number|code)|product\s*(?:#|no\.?|code|number)|art(?:ikel)?\.?\s*-?\s*nr\.?|artikelnummer|referencia|referenz|r[eé]f[eé]rence|reference|réf\.?|ref\.|stock\s*(?:#|no\.?|number)|상품\s*번호|상품\s*코드|품번|제품\s*번호|商品番号|品番)|(model(?:\s*(?:#|no\.?|number|name|code))?|mpn|part\s*(?:#|no\.?|number)|mfr\.?\s*(?:#|part|no\.?)|manufacturer\s*part\s*number|모델\s*명|모델\s*번호|모델|제품\s*모델|型番|型式))\s*[:：#.]?\s*(.*)$`)

// idValueRE is what an identifier looks like: letters, digits and joiners,
// with at least one digit.
var idValueRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/\-]{1,39}$`)

// idLabel records n's text when it starts with an identifier label.
func (v *visibleSignals) idLabel(n *html.Node, pos int, t string) {
	t = strings.TrimLeft(t, " \t\r\n")
	if t == "" {
		return
	}
	if !mayStartIDLabel(t[0]) {
		return
	}
	t = clean(t)
	m := idLabelRE.FindStringSubmatch(t)
	if m == nil {
		return
	}
	kind := idSKU
	if m[2] != "" {
		kind = idMPN
	}
	if unlabelledRef(t, m[1]) {
		return
	}
	val, ok := idValue(m[3])
	if !ok {
		return
	}
	// The innermost element holding the label wins: drop one recorded for
	// a descendant with the same text.
	for i := len(v.idLabels) - 1; i >= 0 && v.idLabels[i].pos > pos; i-- {
		if v.idLabels[i].value == val && v.idLabels[i].kind == kind {
			return
		}
	}
	v.idLabels = append(v.idLabels, idLabel{node: n, pos: pos, kind: kind, value: val})
}

// mayStartIDLabel reports whether an identifier label can start with byte
// c: the first letters of idLabelRE's Latin labels, or any non-ASCII byte.
// It saves the regexp on most texts.
func mayStartIDLabel(c byte) bool {
	return strings.IndexByte("sSiIpPaAmMrR", c) >= 0 || c >= 0x80
}

// unlabelledRef reports whether label, which starts text t, is a
// "Reference" not followed by a colon: "Reference: X" names an article,
// "Reference #18.6f3c" on an error page names a request.
func unlabelledRef(t, label string) bool {
	l := strings.ToLower(label)
	if !strings.HasPrefix(l, "ref") && !strings.HasPrefix(l, "réf") {
		return false
	}
	return !strings.HasPrefix(strings.TrimSpace(t[len(label):]), ":")
}

// idValue returns the identifier after a label: its first word without
// punctuation around it. It is "" (ok) when the label stands alone, and
// ok is false when the word does not look like an identifier.
func idValue(rest string) (string, bool) {
	val := strings.TrimSpace(rest)
	if val == "" {
		return "", true
	}
	if f := strings.Fields(val); len(f) > 0 {
		val = strings.Trim(f[0], ",;)(")
	}
	return val, validID(val)
}

func validID(s string) bool {
	return idValueRE.MatchString(s) && hasDigit(s)
}

// labelledIDs returns the first SKU and model / part number the page shows
// with a label.
func (p *page) labelledIDs() (sku, mpn string) {
	for _, l := range p.seen.idLabels {
		val := l.value
		if val == "" {
			val = nextElementText(l.node)
			if f := strings.Fields(val); len(f) == 1 && validID(f[0]) {
				val = f[0]
			} else {
				val = ""
			}
		}
		if val == "" {
			continue
		}
		switch {
		case l.kind == idSKU && sku == "":
			sku = val
		case l.kind == idMPN && mpn == "":
			mpn = val
		}
	}
	return sku, mpn
}

// nextElementText is the cleaned text of n's next element sibling.
func nextElementText(n *html.Node) string {
	for s := n.NextSibling; s != nil; s = s.NextSibling {
		switch s.Type {
		case html.ElementNode:
			raw, ok := boundedText(s, 200)
			t := clean(raw)
			if !ok || len(t) > 60 {
				return ""
			}
			return t
		case html.TextNode:
			if strings.TrimSpace(s.Data) != "" {
				return ""
			}
		}
	}
	return ""
}
