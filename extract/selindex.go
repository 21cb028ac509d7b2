package extract

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/net/html"
)

// The site adapters ask for elements by CSS selectors, most of them naming
// a class or id of the element they want (".prod-sale-price .total-price",
// "#productTitle"). Instead of walking the whole document for each one,
// the page indexes, in one walk on the first such request, the elements
// carrying the classes and ids the selectors compiled so far name; a
// selector then tries only those elements, with the full cascadia match.
// A name first compiled after the page's index was built is not in it:
// that selector walks the document, as before.

// selKey is a class or id a selector's subject element must carry.
type selKey struct {
	id   bool // an id (#x), else a class (.x)
	name string
}

// keySet is an immutable set of wanted keys.
type keySet struct {
	classes, ids map[string]bool
}

func (k *keySet) has(key selKey) bool {
	if key.id {
		return k.ids[key.name]
	}
	return k.classes[key.name]
}

// wanted holds the keys of every selector compiled so far; wantKeys
// replaces it with a copy when a selector names a new key.
var (
	wanted   atomic.Pointer[keySet]
	wantedMu sync.Mutex
)

func init() {
	wanted.Store(&keySet{classes: map[string]bool{}, ids: map[string]bool{}})
}

// wantKeys adds keys to the wanted set.
func wantKeys(keys []selKey) {
	wantedMu.Lock()
	defer wantedMu.Unlock()
	old := wanted.Load()
	if !slices.ContainsFunc(keys, func(k selKey) bool { return !old.has(k) }) {
		return
	}
	next := &keySet{classes: make(map[string]bool, len(old.classes)+1), ids: make(map[string]bool, len(old.ids)+1)}
	for k := range old.classes {
		next.classes[k] = true
	}
	for k := range old.ids {
		next.ids[k] = true
	}
	for _, k := range keys {
		if k.id {
			next.ids[k.name] = true
		} else {
			next.classes[k.name] = true
		}
	}
	wanted.Store(next)
}

// nodeIndex lists, for each wanted class and id, the elements carrying
// it in document order.
type nodeIndex struct {
	keys         *keySet // the wanted set the index was built for
	classes, ids map[string][]indexed
}

// indexed is an element and its position in document order.
type indexed struct {
	pos int
	n   *html.Node
}

// buildIndex walks the document once (the elements goquery's Find from
// the document visits) and indexes the wanted classes and ids.
func (p *page) buildIndex() *nodeIndex {
	ix := &nodeIndex{keys: wanted.Load(), classes: map[string][]indexed{}, ids: map[string][]indexed{}}
	pos := 0
	p.firstElement(func(n *html.Node) bool {
		pos++
		ix.add(n, pos)
		return false
	})
	return ix
}

// add indexes element n under each wanted class and id it carries (every
// class and id attribute, as cascadia matches any of them).
func (ix *nodeIndex) add(n *html.Node, pos int) {
	for _, a := range n.Attr {
		switch a.Key {
		case "id":
			if ix.keys.ids[a.Val] {
				ix.ids[a.Val] = appendOnce(ix.ids[a.Val], indexed{pos, n})
			}
		case "class":
			// Tokens as cascadia's class match splits them.
			for v := a.Val; v != ""; {
				i := strings.IndexAny(v, " \t\r\n\f")
				tok := v
				if i >= 0 {
					tok, v = v[:i], v[i+1:]
				} else {
					v = ""
				}
				if tok != "" && ix.keys.classes[tok] {
					ix.classes[tok] = appendOnce(ix.classes[tok], indexed{pos, n})
				}
			}
		}
	}
}

// appendOnce appends e unless the list already ends with its element (a
// class written twice on one element).
func appendOnce(list []indexed, e indexed) []indexed {
	if len(list) > 0 && list[len(list)-1].n == e.n {
		return list
	}
	return append(list, e)
}

// keyed returns the elements that may match s in document order, and
// false when s has no keys or the page's index lacks one of them.
func (p *page) keyed(s *sel) ([]*html.Node, bool) {
	if len(s.keys) == 0 {
		return nil, false
	}
	if p.index == nil {
		p.index = p.buildIndex()
	}
	ix := p.index
	var lists [][]indexed
	total := 0
	for _, k := range s.keys {
		if !ix.keys.has(k) {
			return nil, false
		}
		l := ix.classes[k.name]
		if k.id {
			l = ix.ids[k.name]
		}
		if len(l) > 0 {
			lists = append(lists, l)
			total += len(l)
		}
	}
	if total == 0 {
		return nil, true
	}
	out := make([]*html.Node, 0, total)
	if len(lists) == 1 {
		for _, e := range lists[0] {
			out = append(out, e.n)
		}
		return out, true
	}
	all := make([]indexed, 0, total)
	for _, l := range lists {
		all = append(all, l...)
	}
	slices.SortFunc(all, func(a, b indexed) int { return a.pos - b.pos })
	for i, e := range all {
		if i == 0 || e.n != all[i-1].n {
			out = append(out, e.n)
		}
	}
	return out, true
}

// subjectKeys returns one key per member of the selector group text: a
// class or id the member's subject (its last compound selector) requires,
// an id preferred. It returns nil when some member has none or the text
// uses syntax this reader does not follow (quotes, escapes, pseudo-classes,
// functions, namespaces): such a selector walks the document.
func subjectKeys(text string) []selKey {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if !(isAlnum(c) || strings.IndexByte("_-.#[]=, \t\r\n\f>+~", c) >= 0) {
			return nil
		}
	}
	var keys []selKey
	for _, member := range strings.Split(text, ",") {
		k, ok := memberKey(strings.TrimSpace(member))
		if !ok {
			return nil
		}
		keys = append(keys, k)
	}
	return keys
}

// memberKey is subjectKeys for one complex selector.
func memberKey(member string) (selKey, bool) {
	// The subject: after the last combinator outside brackets; attribute
	// selectors are dropped.
	var compound []byte
	depth := 0
	for i := 0; i < len(member); i++ {
		c := member[i]
		switch {
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth > 0:
		case strings.IndexByte(" \t\r\n\f>+~", c) >= 0:
			compound = compound[:0]
		default:
			compound = append(compound, c)
		}
	}
	if depth != 0 {
		return selKey{}, false
	}
	var class string
	for i := 0; i < len(compound); i++ {
		c := compound[i]
		if c != '.' && c != '#' {
			continue
		}
		j := i + 1
		for j < len(compound) && (isAlnum(compound[j]) || compound[j] == '_' || compound[j] == '-') {
			j++
		}
		if j == i+1 {
			return selKey{}, false
		}
		name := string(compound[i+1 : j])
		if c == '#' {
			return selKey{id: true, name: name}, true
		}
		if class == "" {
			class = name
		}
		i = j - 1
	}
	if class == "" {
		return selKey{}, false
	}
	return selKey{name: class}, true
}
