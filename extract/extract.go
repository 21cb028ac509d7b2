package extract

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
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
	if prod := extractScanned(u, info, page); prod != nil {
		return prod, nil
	}
	return extractParsed(pageURL, u, info, page)
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

// extractParsed extracts from the full DOM.
func extractParsed(pageURL string, u *url.URL, info shopInfo, page []byte) (*Product, error) {
	p, err := parsePage(pageURL, u, page)
	if err != nil {
		return nil, err
	}
	return p.extract(info), nil
}

// extractScanned extracts from the token scan alone (see scan.go). It
// returns nil when the page needs the DOM: markup the scan does not follow,
// a site adapter that reads the DOM, or a selector (visible price, bot
// check) that may match.
func extractScanned(u *url.URL, info shopInfo, page []byte) *Product {
	fn := adapters[info.shop]
	if fn != nil && !scriptAdapters[info.shop] {
		return nil
	}
	p := newPage(u)
	if !p.scan(page, fn == nil) {
		return nil
	}
	prod := p.extract(info)
	if p.needDOM {
		return nil
	}
	return prod
}

func newPage(u *url.URL) *page {
	return &page{url: u, base: u, host: strings.ToLower(u.Hostname())}
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
	mt := p.fromMeta()
	var vis *candidate
	if adapter == nil {
		vis = p.fromVisible(p.currencyHint)
	}
	for _, c := range []*candidate{ld, md, og, mt} {
		if c != nil {
			cands = append(cands, c)
		}
	}
	return merge(p, info, cands, adapter, vis)
}
