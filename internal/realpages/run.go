package realpages

import (
	"context"
	"fmt"

	"github.com/ddokso/ddokso/extract"
	"github.com/ddokso/ddokso/fetch"
)

// Extract runs the extraction `ddokso extract --url URL FILE` runs on a
// saved page and returns the scored fields.
func Extract(pageURL string, raw []byte) Got {
	body, _ := fetch.DecodeBody(raw, "")
	p, err := extract.Extract(pageURL, body)
	if err != nil {
		return Got{Err: err.Error()}
	}
	g := Got{
		IsProduct:    p.IsProduct,
		Blocked:      p.Blocked,
		Title:        p.Title,
		Currency:     p.Currency,
		Availability: string(p.Availability),
		SKU:          p.SKU,
	}
	if g.Availability == "" {
		g.Availability = Unknown
	}
	if p.Price != nil {
		g.Price = p.Price.Decimal()
		if p.Price.Currency != "" {
			g.Currency = p.Price.Currency
		}
	}
	if p.ListPrice != nil {
		g.ListPrice = p.ListPrice.Decimal()
	}
	return g
}

// Unreadable is a page whose file could not be read.
type Unreadable struct {
	Page *Page
	Err  error
}

// Run reads every page of m from src, extracts it and compares it with its
// annotation. Pages that cannot be read are returned apart, unscored.
func Run(ctx context.Context, m *Manifest, src Source) (*Score, []Unreadable) {
	var results []Result
	var bad []Unreadable
	for i := range m.Pages {
		p := &m.Pages[i]
		raw, err := src.Read(ctx, p)
		if err != nil {
			bad = append(bad, Unreadable{Page: p, Err: fmt.Errorf("page %s: %w", p.ID, err)})
			continue
		}
		results = append(results, Compare(p, Extract(p.URL, raw)))
	}
	return NewScore(results), bad
}
