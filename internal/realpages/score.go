package realpages

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/ddokso/ddokso/price"
)

// Got is what the extractor returned for a page, in the fields scored.
type Got struct {
	IsProduct bool
	Blocked   bool
	Title     string
	// Price and ListPrice are decimals in major units ("12.99"); "" for none.
	Price        string
	ListPrice    string
	Currency     string
	Availability string
	SKU          string
	// Err is the extraction error, if any (then nothing else is set).
	Err string
}

// Tracked reports whether the scrap worker would record this result as a
// product: not blocked, no error, is_product true.
func (g Got) Tracked() bool { return g.Err == "" && !g.Blocked && g.IsProduct }

// Verdict is the outcome of one scored field.
type Verdict int

// Verdicts. NotScored fields have no annotation to compare with.
const (
	NotScored Verdict = iota
	Right
	Wrong
	Missing
)

func (v Verdict) String() string {
	switch v {
	case Right:
		return "right"
	case Wrong:
		return "WRONG"
	case Missing:
		return "missing"
	}
	return "-"
}

// Result is one page's comparison.
type Result struct {
	Page *Page
	Got  Got
	// IsProduct is right when the extractor's is_product matches the kind.
	IsProduct Verdict
	// Price is scored on product pages that show a price: Right when the
	// tracked price and currency equal the annotation exactly, Missing when
	// none is tracked, Wrong when a different one is.
	Price Verdict
	// WrongPrice is set when a price is tracked that a person does not see
	// on the page: a different amount or currency, or any price where the
	// person sees none (including non-product pages taken as products).
	WrongPrice bool
	// Availability is scored where a person can tell (in_stock, out_of_stock,
	// preorder): Missing when the extractor says unknown.
	Availability Verdict
	// FalseSoldOut is set when the extractor says out_of_stock and the person
	// sees something else (in stock, preorder, or cannot tell).
	FalseSoldOut bool
	// Title is scored on product pages: normalised equality with the title
	// or one of its alternatives.
	Title Verdict
	// SKU is scored on product pages whose annotation shows one.
	SKU Verdict
}

// Compare scores got against the page's annotation.
func Compare(p *Page, got Got) Result {
	r := Result{Page: p, Got: got}
	product := p.Kind == KindProduct
	tracked := got.Tracked()
	if tracked == product {
		r.IsProduct = Right
	} else {
		r.IsProduct = Wrong
	}
	w := p.Want
	trackedPrice := ""
	if tracked {
		trackedPrice = got.Price
	}
	switch {
	case product && w.Price != "":
		switch {
		case trackedPrice == "":
			r.Price = Missing
		case SameAmount(trackedPrice, got.Currency, w.Price, w.Currency):
			r.Price = Right
		default:
			r.Price = Wrong
			r.WrongPrice = true
		}
	case trackedPrice != "":
		// A person sees no price (a product page without one, or a
		// non-product page) and the worker would record one.
		r.WrongPrice = true
	}
	if product {
		switch w.Availability {
		case InStock, OutOfStock, PreOrder:
			switch {
			case !tracked || got.Availability == "" || got.Availability == Unknown:
				r.Availability = Missing
			case got.Availability == w.Availability:
				r.Availability = Right
			default:
				r.Availability = Wrong
			}
		}
		if tracked && got.Availability == OutOfStock && w.Availability != OutOfStock {
			r.FalseSoldOut = true
		}
		r.Title = titleVerdict(tracked, got.Title, w)
		if w.SKU != "" {
			switch {
			case !tracked || got.SKU == "":
				r.SKU = Missing
			case NormalizeTitle(got.SKU) == NormalizeTitle(w.SKU):
				r.SKU = Right
			default:
				r.SKU = Wrong
			}
		}
	}
	return r
}

func titleVerdict(tracked bool, got string, w Annotation) Verdict {
	if !tracked || strings.TrimSpace(got) == "" {
		return Missing
	}
	g := NormalizeTitle(got)
	for _, t := range append([]string{w.Title}, w.TitleAlt...) {
		if t != "" && NormalizeTitle(t) == g {
			return Right
		}
	}
	return Wrong
}

// NormalizeTitle folds a title for comparison: Unicode NFKC, lower case,
// every run of characters other than letters and digits turned into one
// space, trimmed. "Nike  Air-Max 90 (White)" and "nike air max 90 white"
// are equal; a different word or a shop-name suffix is not.
func NormalizeTitle(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		space = true
	}
	return b.String()
}

// SameAmount reports whether two decimal amounts with their currencies are
// the same price exactly: equal currency codes and equal values ("12.9" and
// "12.90" are; "12.99" and "13" are not). An unparsable amount is never the
// same as anything.
func SameAmount(gotAmount, gotCurrency, wantAmount, wantCurrency string) bool {
	if !strings.EqualFold(strings.TrimSpace(gotCurrency), strings.TrimSpace(wantCurrency)) {
		return false
	}
	a, err := price.ParseDecimal(gotAmount, gotCurrency)
	if err != nil {
		return false
	}
	b, err := price.ParseDecimal(wantAmount, wantCurrency)
	if err != nil {
		return false
	}
	return a == b
}
