package extract

import (
	"bytes"
	"io"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The token scan indexes a page from the HTML tokenizer alone, without
// building the DOM, which costs about a third of a full parse. It fills the
// same page fields as collect (title, meta tags, canonical and base links,
// scripts) and the selector marks, and gives up (the caller then parses the
// document) whenever the markup is one where the tree the HTML parser would
// build may disagree with the token stream in a way those fields see:
//
//   - foreign content (<svg>, <math>): the parser tokenizes it differently
//     (no raw text, CDATA) and breaks out of it on HTML tags;
//   - <template> and <frameset>: content the walk skips or the parser drops;
//   - inside <select>, any tag but <option>/<optgroup> (the parser drops it);
//   - a <meta>, <link>, <base>, <title> or <script> while a <table> is open
//     (foster parenting can reorder it before earlier elements);
//   - a second <html> tag (the parser merges its attributes);
//   - any itemscope attribute (microdata is read from the DOM);
//   - an end tag that does not close the innermost open element (after
//     closing elements whose end tags are optional), or nesting deeper than
//     maxScanDepth: then the token nesting no longer bounds the parser's
//     stack, which it limits to 512 elements (deeper input is an error).
//
// Outside those cases the parser's tokenizer produces exactly this token
// stream (it only changes tokenizer state in foreign content, or with
// scripting disabled, which Parse does not do), every element carries the
// attributes of its start tag (or a clone's), and the indexed elements keep
// their token order. The differential tests hold it to that.

// maxScanDepth bounds the open elements the scan follows. The parser's stack
// holds at most html, head/body and, per element open here, that element,
// one clone of it (formatting elements) and two implied table wrappers, so
// 3+4*120 stays below the parser's 512 limit.
const maxScanDepth = 120

// scanFrame is one open element of the scan: its atom, or its name when the
// tag has no atom (custom elements).
type scanFrame struct {
	a    atom.Atom
	name string
}

// optionalEnd lists elements whose end tag may be omitted: an end tag of an
// enclosing element closes them.
func optionalEnd(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Li, atom.Dt, atom.Dd, atom.Option, atom.Optgroup, atom.Rb, atom.Rp, atom.Rt, atom.Rtc,
		atom.Tr, atom.Td, atom.Th, atom.Tbody, atom.Thead, atom.Tfoot, atom.Colgroup, atom.Caption:
		return true
	}
	return false
}

// voidElement lists elements the parser never keeps open.
func voidElement(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Basefont, atom.Bgsound, atom.Br, atom.Col, atom.Embed, atom.Frame, atom.Hr,
		atom.Image, atom.Img, atom.Input, atom.Keygen, atom.Link, atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

// scan indexes page b from its tokens. It reports false when the page needs
// the DOM (see above); p is then partly filled and must be discarded. When
// visible is set (no site adapter), it also gives up as soon as a visible
// price selector may match, since fromVisible will need the DOM then.
func (p *page) scan(b []byte, visible bool) bool {
	p.metas = make(map[string][]string)
	p.ix = currentMarks()
	p.seen = make(markSet, p.ix.n)

	z := html.NewTokenizer(bytes.NewReader(b))
	stack := make([]scanFrame, 0, 64)
	var attrs []html.Attribute
	var rattrs []rawAttr
	htmlSeen, inSelect, tables := false, false, 0

	tt := z.Next()
	for {
		switch tt {
		case html.ErrorToken:
			return z.Err() == io.EOF
		case html.StartTagToken, html.SelfClosingTagToken:
			var name []byte
			var plain bool
			name, rattrs, plain = rawStartTag(z.Raw(), rattrs[:0])
			a := atom.Lookup(name)
			switch a {
			case atom.Svg, atom.Math, atom.Template, atom.Frameset:
				return false
			}
			if inSelect && a != atom.Option && a != atom.Optgroup {
				return false
			}
			indexed := false
			switch a {
			case atom.Html, atom.Meta, atom.Link, atom.Base, atom.Title, atom.Script:
				indexed = true
			}
			attrs = attrs[:0]
			if plain && !indexed {
				for _, ra := range rattrs {
					if string(ra.key) == "itemscope" {
						return false
					}
					if markAttr(p.ix, p.seen, ra.key, ra.val) && visible && visiblePriceMayMatch(p.seen) {
						return false
					}
				}
			} else {
				var hasAttr bool
				name, hasAttr = z.TagName()
				if !plain {
					a = atom.Lookup(name)
					switch a {
					case atom.Svg, atom.Math, atom.Template, atom.Frameset:
						return false
					case atom.Html, atom.Meta, atom.Link, atom.Base, atom.Title, atom.Script:
						indexed = true
					}
					if inSelect && a != atom.Option && a != atom.Optgroup {
						return false
					}
				}
				for hasAttr {
					var key, val []byte
					key, val, hasAttr = z.TagAttr()
					if string(key) == "itemscope" {
						return false
					}
					if markAttr(p.ix, p.seen, key, val) && visible && visiblePriceMayMatch(p.seen) {
						return false
					}
					if indexed {
						attrs = append(attrs, html.Attribute{Key: atom.String(key), Val: string(val)})
					}
				}
			}
			if indexed && a != atom.Html && tables > 0 {
				return false
			}
			switch a {
			case atom.Html:
				if htmlSeen {
					return false
				}
				htmlSeen = true
				p.htmlLang = attrs1(attrs, "lang")
				tt = z.Next()
				continue // not tracked on the stack: the parser always has it
			case atom.Head, atom.Body:
				tt = z.Next()
				continue // implied by the parser; a repeat only adds attributes
			case atom.Meta:
				p.addMeta(attrs, false)
			case atom.Link:
				p.addLink(attrs)
			case atom.Base:
				p.addBase(attrs)
			case atom.Select:
				inSelect = true
			case atom.Table:
				tables++
			}
			if voidElement(a) {
				tt = z.Next()
				continue
			}
			if len(stack) == maxScanDepth {
				return false
			}
			var fname string
			if a == 0 {
				fname = string(name)
			}
			stack = append(stack, scanFrame{a, fname})
			if a == atom.Title || a == atom.Script {
				// Raw text: the tokenizer returns the whole content as one
				// text token (none when it is empty).
				text := ""
				if tt = z.Next(); tt == html.TextToken {
					text = string(z.Text())
					tt = z.Next()
				}
				if a == atom.Title {
					p.addTitle(text)
				} else {
					p.addScript(attrs, text)
				}
				continue
			}
		case html.EndTagToken:
			name, _ := rawTagName(z.Raw(), 2)
			if !plainName(name) {
				name, _ = z.TagName()
			}
			a := atom.Lookup(name)
			switch a {
			case atom.Html, atom.Head, atom.Body:
				tt = z.Next()
				continue
			case atom.Select:
				inSelect = false
			case atom.Table:
				if tables > 0 {
					tables--
				}
			}
			for len(stack) > 0 && !stack[len(stack)-1].is(a, name) && optionalEnd(stack[len(stack)-1].a) {
				stack = stack[:len(stack)-1]
			}
			if len(stack) == 0 || !stack[len(stack)-1].is(a, name) {
				return false
			}
			stack = stack[:len(stack)-1]
		}
		tt = z.Next()
	}
}

// is reports whether the frame is the element named by an end tag.
func (f scanFrame) is(a atom.Atom, name []byte) bool {
	if a != 0 {
		return f.a == a
	}
	return f.a == 0 && f.name == string(name)
}
