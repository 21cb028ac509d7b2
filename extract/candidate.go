package extract

import (
	"encoding/json"
	"strings"

	"github.com/ddokso/ddokso/price"
)

// candidate is what one source found on the page. Empty fields mean "no value".
type candidate struct {
	source    Source
	isProduct bool // the source identified a single product
	listing   bool // the source identified a list of products

	title, brand, image string
	sku, mpn, gtin      string
	canonical           string
	productID           string
	currency            string

	price, listPrice *price.Amount
	availability     Availability

	unitPrice       string
	unitPriceAmount *price.Amount
	shipping        *price.Amount

	variants []Variant

	score int // the visible-price locator's confidence in price
}

// positive returns a pointer to a if it is a usable price (> 0), else nil.
func positive(a price.Amount, ok bool) *price.Amount {
	if !ok || a.Minor <= 0 {
		return nil
	}
	return &a
}

// isMachineNumber reports whether s looks like "12900", "12.99" or "-1e3":
// a number written for machines, with at most one '.' and no grouping.
func isMachineNumber(s string) bool {
	if s == "" {
		return false
	}
	dot := false
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// amountOf converts a JSON value (json.Number, string, float) or free text to
// a positive Amount in currency cur (or the page hint), or nil.
func (p *page) amountOf(v any, cur string) *price.Amount {
	if cur == "" {
		cur = p.currencyHint
	}
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
	case float64:
		s = strings.TrimSpace(json.Number(formatFloat(t)).String())
	case []any:
		if len(t) > 0 {
			return p.amountOf(t[0], cur)
		}
		return nil
	default:
		return nil
	}
	if s == "" {
		return nil
	}
	if isMachineNumber(s) && cur != "" {
		if a, err := price.ParseDecimal(s, cur); err == nil {
			return positive(a, true)
		}
	}
	return positive(price.Parse(s, cur))
}

// textAmount parses visible price text.
func (p *page) textAmount(text, cur string) *price.Amount {
	text = clean(text)
	if text == "" {
		return nil
	}
	if cur == "" {
		cur = p.currencyHint
	}
	return positive(price.Parse(text, cur))
}

func formatFloat(f float64) string {
	b, err := json.Marshal(f)
	if err != nil {
		return ""
	}
	return string(b)
}

// sameAmount reports whether a and b are the same price.
func sameAmount(a, b *price.Amount) bool {
	return a != nil && b != nil && *a == *b
}
