package realpages

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ddokso/ddokso/price"
)

// Kinds of page.
const (
	KindProduct    = "product"
	KindNonProduct = "non-product"
)

// Availability values of an annotation, as in the extract package; Unknown
// means a person reading the page cannot tell.
const (
	InStock    = "in_stock"
	OutOfStock = "out_of_stock"
	PreOrder   = "preorder"
	Unknown    = "unknown"
)

// Manifest is the committed corpus: where each page lives and what a person
// sees on it.
type Manifest struct {
	// Note describes how the corpus was collected.
	Note string `json:"note,omitempty"`
	// ShopsWithoutPages lists shops searched for and not found as full saved
	// pages in public repositories, with what was found instead.
	ShopsWithoutPages map[string]string `json:"shops_without_pages,omitempty"`
	// Pages are the annotated pages.
	Pages []Page `json:"pages"`
}

// Page is one saved page in a public repository and its annotation.
type Page struct {
	// ID names the page in reports; unique within the manifest.
	ID string `json:"id"`
	// Repo is the GitHub repository, "owner/name".
	Repo string `json:"repo"`
	// Path is the file's path inside Repo.
	Path string `json:"path"`
	// Commit is the 40-hex commit the file is read at.
	Commit string `json:"commit"`
	// URL is the shop page's address (the saved page's own, from its canonical
	// link, og:url or the test that uses it).
	URL string `json:"url"`
	// Shop is the shop's key, e.g. "coupang" or "amazon.com".
	Shop string `json:"shop"`
	// Country is the shop's ISO 3166 country code, "KR" for Korean shops.
	Country string `json:"country"`
	// Kind is KindProduct or KindNonProduct.
	Kind string `json:"kind"`
	// Want is what a person sees on the page.
	Want Annotation `json:"want"`
	// Note says anything a reader of the annotation should know.
	Note string `json:"note,omitempty"`
}

// Annotation is what a person sees on a page. Empty strings mean "not shown".
type Annotation struct {
	// Title is the product's name as the page shows it (its heading).
	Title string `json:"title,omitempty"`
	// TitleAlt are other spellings of the same name on the page (og:title,
	// the document title without the shop's suffix) that also count as right.
	TitleAlt []string `json:"title_alt,omitempty"`
	// Price is the current selling price as a plain decimal in major units
	// ("12900", "12.99"); empty when the page shows none.
	Price string `json:"price,omitempty"`
	// ListPrice is the crossed-out or "was" price, when shown.
	ListPrice string `json:"list_price,omitempty"`
	// Currency is the ISO 4217 code of Price.
	Currency string `json:"currency,omitempty"`
	// Availability is in_stock, out_of_stock, preorder or unknown.
	Availability string `json:"availability,omitempty"`
	// Image is the main product image's URL.
	Image string `json:"image,omitempty"`
	// SKU is the sku, model or item number shown on the page.
	SKU string `json:"sku,omitempty"`
}

// LoadManifest reads and validates a manifest file.
func LoadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("load manifest %s: %w", path, err)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("load manifest %s: %w", path, err)
	}
	return &m, nil
}

// Validate checks every page's provenance and annotation.
func (m *Manifest) Validate() error {
	seen := make(map[string]bool, len(m.Pages))
	var errs []error
	for i := range m.Pages {
		p := &m.Pages[i]
		if err := p.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("page %d (%s): %w", i, p.ID, err))
		}
		if seen[p.ID] {
			errs = append(errs, fmt.Errorf("page %d: duplicate id %q", i, p.ID))
		}
		seen[p.ID] = true
	}
	return errors.Join(errs...)
}

// Validate checks one page.
func (p *Page) Validate() error {
	var errs []error
	if p.ID == "" {
		errs = append(errs, errors.New("no id"))
	}
	if owner, name, ok := strings.Cut(p.Repo, "/"); !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		errs = append(errs, fmt.Errorf("repo %q is not owner/name", p.Repo))
	}
	if p.Path == "" {
		errs = append(errs, errors.New("no path"))
	}
	if !isHex40(p.Commit) {
		errs = append(errs, fmt.Errorf("commit %q is not 40 hex digits", p.Commit))
	}
	if !strings.HasPrefix(p.URL, "http://") && !strings.HasPrefix(p.URL, "https://") {
		errs = append(errs, fmt.Errorf("url %q is not http(s)", p.URL))
	}
	if p.Shop == "" || len(p.Country) != 2 {
		errs = append(errs, fmt.Errorf("shop %q / country %q missing", p.Shop, p.Country))
	}
	w := p.Want
	switch p.Kind {
	case KindProduct:
		if w.Title == "" {
			errs = append(errs, errors.New("product page without a title"))
		}
		switch w.Availability {
		case InStock, OutOfStock, PreOrder, Unknown:
		default:
			errs = append(errs, fmt.Errorf("availability %q", w.Availability))
		}
	case KindNonProduct:
		if w.Price != "" || w.ListPrice != "" {
			errs = append(errs, errors.New("non-product page with a product price"))
		}
	default:
		errs = append(errs, fmt.Errorf("kind %q", p.Kind))
	}
	for _, s := range []string{w.Price, w.ListPrice} {
		if s == "" {
			continue
		}
		if w.Currency == "" {
			errs = append(errs, fmt.Errorf("price %q without currency", s))
			continue
		}
		if _, err := price.ParseDecimal(s, w.Currency); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Korean reports whether the page is from a Korean shop.
func (p *Page) Korean() bool { return p.Country == "KR" }

func isHex40(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Select returns a manifest of the pages for which keep is true, in order.
func (m *Manifest) Select(keep func(*Page) bool) *Manifest {
	out := &Manifest{Note: m.Note, ShopsWithoutPages: m.ShopsWithoutPages}
	for i := range m.Pages {
		if keep(&m.Pages[i]) {
			out.Pages = append(out.Pages, m.Pages[i])
		}
	}
	return out
}
