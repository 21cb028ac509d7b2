package extract

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/ddokso/ddokso/price"
)

// Errors returned by Extract for input that is not a web page.
var (
	ErrEmpty   = errors.New("extract: empty page")
	ErrNotHTML = errors.New("extract: not an HTML page")
)

// Extract parses an HTML page (already decoded to UTF-8) fetched from
// pageURL and returns the product it describes. Pages that are not product
// detail pages (articles, listings, captcha or error pages) yield a Product
// with IsProduct false and no price. Empty or non-HTML input is an error.
func Extract(pageURL string, page []byte) (*Product, error) {
	u, err := url.Parse(strings.TrimSpace(pageURL))
	if err != nil {
		return nil, fmt.Errorf("extract: parse page url %q: %w", pageURL, err)
	}
	if err := checkHTML(page); err != nil {
		return nil, err
	}
	info := shopIdentity(u)
	p, err := parsePage(pageURL, u, page)
	if err != nil {
		return nil, err
	}
	return p.extract(info), nil
}

// parsePage builds the full DOM of page and collects its structured data.
func parsePage(pageURL string, u *url.URL, html []byte) (*page, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(html))
	if err != nil {
		return nil, fmt.Errorf("extract: parse html of %s: %w", pageURL, err)
	}
	p := newPage(u)
	p.doc = doc
	p.collect()
	return p, nil
}

func newPage(u *url.URL) *page {
	return &page{url: u, base: u, host: strings.ToLower(u.Hostname()), zones: newZoneCache()}
}

// checkHTML rejects input that is empty or clearly not HTML (JSON, PDF,
// images, binary data).
func checkHTML(b []byte) error {
	t := bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))
	if len(t) == 0 {
		return ErrEmpty
	}
	ct := http.DetectContentType(t)
	if strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "text/xml") && bytes.Contains(bytes.ToLower(head(t, 4096)), []byte("<html")) {
		return nil
	}
	if !strings.HasPrefix(ct, "text/plain") {
		return fmt.Errorf("%w: content looks like %s", ErrNotHTML, ct)
	}
	h := bytes.ToLower(head(t, 64<<10))
	for _, tag := range []string{"<html", "<head", "<body", "<meta", "<div", "<title", "<script", "<main", "<span", "<p>"} {
		if bytes.Contains(h, []byte(tag)) {
			return nil
		}
	}
	return fmt.Errorf("%w: no HTML elements found", ErrNotHTML)
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// extract runs every source over the indexed page and merges.
func (p *page) extract(info shopInfo) *Product {
	p.currencyHint = currencyByTLD(p.host)

	var cands []*candidate // in general precedence order
	var adapter *candidate
	if fn := adapters[info.shop]; fn != nil {
		adapter = fn(p)
		if adapter != nil {
			cands = append(cands, adapter)
		}
	}
	ld := p.fromJSONLD()
	md := p.fromMicrodata()
	og := p.fromOpenGraph()
	// Structured currencies are better hints than the TLD for visible text.
	for _, c := range []*candidate{ld, md, og} {
		if c != nil && c.currency != "" {
			p.currencyHint = c.currency
			break
		}
	}
	if p.currencyHint == "" {
		p.currencyHint = currencyByLang(p.htmlLang)
	}
	mt := p.fromMeta()
	var known []*price.Amount
	var titles []string
	for _, c := range []*candidate{adapter, ld, md, og, mt} {
		if c != nil {
			if c.price != nil {
				known = append(known, c.price)
			}
			if c.listPrice != nil {
				known = append(known, c.listPrice)
			}
			if c.title != "" && c.source != SourceMeta {
				titles = append(titles, c.title)
			}
		}
	}
	vis := p.fromVisible(known, titles)
	for _, c := range []*candidate{ld, md, og, mt} {
		if c != nil {
			cands = append(cands, c)
		}
	}
	return merge(p, info, cands, adapter, vis)
}

// fromVisible reads what a person sees: the visible price, the stock state
// shown by buy controls and labels, and labelled identifiers.
func (p *page) fromVisible(known []*price.Amount, titles []string) *candidate {
	h := p.mainHeading(titles...)
	c := p.visiblePrice(p.currencyHint, known, h)
	if c == nil {
		c = &candidate{source: SourceVisible}
	}
	c.availability = p.visibleAvailability(h)
	c.sku, c.mpn = p.labelledIDs()
	if h != nil {
		c.title = h.text
		// A price under a heading is a product page only with something to
		// buy: a buy, notify or sold-out control or a stock label (news,
		// reviews and blogs quote prices too).
		c.isProduct = c.price != nil && p.commerceNear(h)
	}
	return c
}

// currencyByLang guesses the currency of bare numbers from the page
// language where one currency dominates.
func currencyByLang(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	switch {
	case lang == "ko" || strings.HasPrefix(lang, "ko-"):
		return "KRW"
	case lang == "ja" || strings.HasPrefix(lang, "ja-"):
		return "JPY"
	}
	return ""
}
