package extract

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
)

// A selector can only match an element if every class, id and attribute
// condition named anywhere in it holds for some element of the document.
// The page records which of those conditions (the "marks") its elements
// satisfy while it is indexed, so a query whose marks are not all present is
// answered "no match" without walking the tree. The test is a necessary
// condition only: when it passes, the real selector still decides.

// markKind is what one mark tests on a single element.
type markKind uint8

const (
	markClass    markKind = iota // class list contains the value (cascadia's ~= on class)
	markID                       // id equals the value
	markHas                      // the attribute is present
	markEquals                   // the attribute equals the value
	markContains                 // the attribute contains the value (and is not blank)
)

// mark is one element condition of a selector.
type mark struct {
	kind     markKind
	key, val string
}

// markSet is the set of marks the page's elements satisfy, indexed by
// mark id.
type markSet []bool

// attrRef is a mark on a named attribute.
type attrRef struct {
	kind markKind
	val  string
	id   int
}

// markIndex maps attribute values to the ids of the marks they satisfy. It
// is immutable: interning a mark publishes a new index (copy on write), so
// pages read one without locking. A page sizes its markSet by the index it
// started with; marks interned later are unknown to it and never filter.
type markIndex struct {
	n       int
	classes map[string]int       // class value -> mark id
	idVals  map[string]int       // id value -> mark id
	attrs   map[string][]attrRef // attribute key -> marks on it
	ids     map[mark]int
}

var (
	markMu  sync.Mutex
	markCur atomic.Pointer[markIndex]
)

// currentMarks returns the current mark index.
func currentMarks() *markIndex {
	if ix := markCur.Load(); ix != nil {
		return ix
	}
	return &markIndex{}
}

// internMark returns the id of m, publishing a new index if m is new.
func internMark(m mark) int {
	markMu.Lock()
	defer markMu.Unlock()
	old := currentMarks()
	if id, ok := old.ids[m]; ok {
		return id
	}
	ix := &markIndex{n: old.n + 1, classes: maps.Clone(old.classes), idVals: maps.Clone(old.idVals),
		attrs: maps.Clone(old.attrs), ids: maps.Clone(old.ids)}
	if ix.ids == nil {
		ix.classes, ix.idVals, ix.attrs, ix.ids = map[string]int{}, map[string]int{}, map[string][]attrRef{}, map[mark]int{}
	}
	id := old.n
	ix.ids[m] = id
	switch m.kind {
	case markClass:
		ix.classes[m.val] = id
	case markID:
		ix.idVals[m.val] = id
	default:
		ix.attrs[m.key] = append(slices.Clip(ix.attrs[m.key]), attrRef{m.kind, m.val, id})
	}
	markCur.Store(ix)
	return id
}

// sel is a compiled selector group with, per alternative, the marks it
// needs. A nil needs means the selector could not be analysed and is never
// filtered; a nil css means cascadia rejects it and it matches nothing, as
// goquery's Find does with such a selector.
type sel struct {
	text  string
	css   goquery.Matcher
	needs [][]int // one list per comma-separated alternative
}

// compileSel compiles a selector group for use by the package.
func compileSel(text string) *sel {
	css, err := cascadia.Compile(text)
	if err != nil {
		return &sel{text: text}
	}
	s := &sel{text: text, css: css}
	var needs [][]int
	for _, alt := range splitTop(text, ',') {
		ms, err := selectorMarks(alt)
		if err != nil {
			return s // not analysable: never filtered
		}
		ids := make([]int, 0, len(ms))
		for _, m := range ms {
			ids = append(ids, internMark(m))
		}
		needs = append(needs, ids)
	}
	s.needs = needs
	return s
}

// mayMatch reports whether s can match an element of a page whose elements
// satisfy the marks in seen. A nil seen means nothing is known.
func (s *sel) mayMatch(seen markSet) bool {
	if s.css == nil {
		return false
	}
	if seen == nil || s.needs == nil {
		return true
	}
	for _, alt := range s.needs {
		ok := true
		for _, id := range alt {
			if id < len(seen) && !seen[id] { // marks newer than the page's index are unknown
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// selCache holds the selectors compiled so far.
var selCache sync.Map // string -> *sel

// selector returns the compiled form of text, compiling it once.
func selector(text string) *sel {
	if s, ok := selCache.Load(text); ok {
		return s.(*sel)
	}
	s, _ := selCache.LoadOrStore(text, compileSel(text))
	return s.(*sel)
}

// splitTop splits s at sep outside brackets, parentheses and quotes.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '(':
			depth++
		case c == ']' || c == ')':
			depth--
		case c == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func isIdentByte(c byte) bool {
	return c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// selectorMarks lists the element conditions of one complex selector (no
// commas): type selectors, .class, #id, [attr], [attr=value],
// [attr*=value], joined by descendant, child or sibling combinators. Type
// selectors add no mark (the parser creates elements no tag names).
func selectorMarks(s string) ([]mark, error) {
	var out []mark
	ident := func(i int) (string, int) {
		j := i
		for j < len(s) && isIdentByte(s[j]) {
			j++
		}
		return s[i:j], j
	}
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '>' || c == '+' || c == '~' || c == '\t' || c == '\n':
			i++
		case c == '*' || isIdentByte(c) && c != '-':
			if c == '*' {
				i++
				continue
			}
			_, i = ident(i)
		case c == '.' || c == '#':
			name, j := ident(i + 1)
			if name == "" || strings.ContainsRune(name, '\\') {
				return nil, fmt.Errorf("bad %c name at %d", c, i)
			}
			if c == '.' {
				out = append(out, mark{kind: markClass, val: name})
			} else {
				out = append(out, mark{kind: markID, val: name})
			}
			i = j
		case c == '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [ at %d", i)
			}
			m, err := attrMark(s[i+1 : i+end])
			if err != nil {
				return nil, err
			}
			out = append(out, m)
			i += end + 1
		default:
			return nil, fmt.Errorf("unsupported syntax %q at %d", c, i)
		}
	}
	return out, nil
}

// attrMark parses the inside of an attribute selector.
func attrMark(s string) (mark, error) {
	s = strings.TrimSpace(s)
	op := strings.IndexAny(s, "=*~|^$!")
	if op < 0 {
		if s == "" {
			return mark{}, fmt.Errorf("empty attribute selector")
		}
		return mark{kind: markHas, key: strings.ToLower(s)}, nil
	}
	key := strings.ToLower(strings.TrimSpace(s[:op]))
	kind := markEquals
	rest := s[op:]
	switch {
	case strings.HasPrefix(rest, "*="):
		kind, rest = markContains, rest[2:]
	case strings.HasPrefix(rest, "="):
		rest = rest[1:]
	default:
		return mark{}, fmt.Errorf("unsupported attribute operator in [%s]", s)
	}
	val := strings.TrimSpace(rest)
	if len(val) >= 2 && (val[0] == '"' || val[0] == '\'') && val[len(val)-1] == val[0] {
		val = val[1 : len(val)-1]
	} else if strings.ContainsAny(val, " \t\"'") {
		// A case flag (`i`) or anything else we do not model.
		return mark{}, fmt.Errorf("unsupported attribute value in [%s]", s)
	}
	if strings.ContainsRune(val, '\\') || key == "" {
		return mark{}, fmt.Errorf("unsupported attribute selector [%s]", s)
	}
	return mark{kind: kind, key: key, val: val}, nil
}

// markAttr records in seen the marks one element attribute satisfies and
// reports whether one of them is new. key is the attribute name as the
// HTML parser stores it (lower case), val its value.
func markAttr[T string | []byte](ix *markIndex, seen markSet, key, val T) (added bool) {
	switch string(key) {
	case "class":
		for len(val) > 0 {
			i := 0
			for i < len(val) && !isHTMLSpace(val[i]) {
				i++
			}
			if i > 0 {
				if id, ok := ix.classes[string(val[:i])]; ok && !seen[id] {
					seen[id], added = true, true
				}
			}
			if i == len(val) {
				break
			}
			val = val[i+1:]
		}
	case "id":
		if id, ok := ix.idVals[string(val)]; ok && !seen[id] {
			seen[id], added = true, true
		}
	}
	refs, ok := ix.attrs[string(key)]
	if !ok {
		return added
	}
	for _, r := range refs {
		if seen[r.id] {
			continue
		}
		switch r.kind {
		case markHas:
			seen[r.id], added = true, true
		case markEquals:
			if string(val) == r.val {
				seen[r.id], added = true, true
			}
		case markContains:
			if strings.Contains(string(val), r.val) && strings.TrimSpace(string(val)) != "" {
				seen[r.id], added = true, true
			}
		}
	}
	return added
}

// isHTMLSpace is cascadia's class-list separator set.
func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'
}
