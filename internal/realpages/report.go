package realpages

import (
	"fmt"
	"io"
	"strings"
)

func fmtFail(name string, r Ratio, min float64) string {
	return fmt.Sprintf("%s %.1f%% (%d/%d) is below %.0f%%", name, r.Pct(), r.Right, r.Of, min)
}

func fmtWrong(t Tally) string {
	return fmt.Sprintf("wrong prices on %.1f%% (%d of %d priced product pages) is above 1%%", t.WrongPricePct(), t.WrongPrice, t.Price.Of)
}

func ratio(r Ratio) string {
	if r.Of == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", r.Right, r.Of)
}

func pct(r Ratio) string {
	if r.Of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%% (%d/%d)", r.Pct(), r.Right, r.Of)
}

// WriteSummary writes the per-field accuracy of t as a Markdown table.
func WriteSummary(w io.Writer, title string, t Tally) {
	fmt.Fprintf(w, "### %s: %d pages (%d product, %d non-product)\n\n", title, t.Pages, t.ProductPages, t.Pages-t.ProductPages)
	fmt.Fprintf(w, "| field | score | target |\n|---|---|---|\n")
	fmt.Fprintf(w, "| price (amount and currency) on product pages showing one | %s | ≥ 95%% |\n", pct(t.Price))
	fmt.Fprintf(w, "| wrong price (tracked, not what a person sees) | %d (%.1f%% of %d) | ≤ 1%% |\n", t.WrongPrice, t.WrongPricePct(), t.Price.Of)
	fmt.Fprintf(w, "| availability where a person can tell | %s | ≥ 95%% |\n", pct(t.Availability))
	fmt.Fprintf(w, "| false out_of_stock | %d | 0 |\n", t.FalseSoldOut)
	fmt.Fprintf(w, "| title (normalised) | %s | ≥ 95%% |\n", pct(t.Title))
	fmt.Fprintf(w, "| sku where shown | %s | |\n", pct(t.SKU))
	fmt.Fprintf(w, "| product pages is_product true | %s | |\n", pct(t.ProductFlag))
	fmt.Fprintf(w, "| non-product pages is_product false | %s | ≥ 95%% |\n\n", pct(t.NonProductFlag))
}

// WriteShops writes the per-shop table of the shops for which keep is true.
func WriteShops(w io.Writer, shops []ShopTally, keep func(ShopTally) bool) {
	fmt.Fprintf(w, "| shop | country | pages | price | wrong price | availability | false sold out | title | non-product |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range shops {
		if keep != nil && !keep(s) {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %d | %s | %d | %s | %d | %s | %s |\n", s.Shop, s.Country, s.Pages,
			ratio(s.Price), s.WrongPrice, ratio(s.Availability), s.FalseSoldOut, ratio(s.Title), ratio(s.NonProductFlag))
	}
	fmt.Fprintln(w)
}

// WriteReport writes the whole score: both summaries, the wrong prices,
// the acceptance check and both per-shop tables.
func WriteReport(w io.Writer, s *Score) {
	WriteSummary(w, "All pages", s.All)
	WriteSummary(w, "Korean shops", s.Korean)
	fmt.Fprintf(w, "Wrong prices (%d):\n\n", s.All.WrongPrice)
	for _, r := range s.Results {
		if r.WrongPrice {
			want := "none"
			if r.Page.Want.Price != "" {
				want = r.Page.Want.Price + " " + r.Page.Want.Currency
			}
			fmt.Fprintf(w, "- %s (%s): got %s %s, a person sees %s\n", r.Page.ID, r.Page.Shop, r.Got.Price, r.Got.Currency, want)
		}
	}
	fmt.Fprintln(w)
	for _, part := range []struct {
		name string
		t    Tally
	}{{"all pages", s.All}, {"Korean pages", s.Korean}} {
		if fails := part.t.Acceptance(); len(fails) > 0 {
			fmt.Fprintf(w, "Acceptance, %s: NOT MET: %s\n", part.name, strings.Join(fails, "; "))
		} else {
			fmt.Fprintf(w, "Acceptance, %s: met\n", part.name)
		}
	}
	fmt.Fprintf(w, "\n### Per shop\n\n")
	WriteShops(w, s.Shops, nil)
	fmt.Fprintf(w, "### Korean shops\n\n")
	WriteShops(w, s.Shops, func(st ShopTally) bool { return st.Country == "KR" })
}

// WriteDiffs writes one block per page with every field that is not right,
// what was wanted and what was got, for reading each miss.
func WriteDiffs(w io.Writer, s *Score) {
	for _, r := range s.Results {
		p := r.Page
		g := r.Got
		misses := []string{}
		if r.IsProduct == Wrong {
			misses = append(misses, fmt.Sprintf("is_product: want %v, got %v (blocked %v)", p.Kind == KindProduct, g.IsProduct, g.Blocked))
		}
		if r.Price == Wrong || r.Price == Missing || r.WrongPrice {
			misses = append(misses, fmt.Sprintf("price: want %q %s, got %q %s", p.Want.Price, p.Want.Currency, g.Price, g.Currency))
		}
		if r.Availability == Wrong || r.Availability == Missing || r.FalseSoldOut {
			misses = append(misses, fmt.Sprintf("availability: want %s, got %s", p.Want.Availability, g.Availability))
		}
		if r.Title == Wrong || r.Title == Missing {
			misses = append(misses, fmt.Sprintf("title: want %q, got %q", p.Want.Title, g.Title))
		}
		if r.SKU == Wrong || r.SKU == Missing {
			misses = append(misses, fmt.Sprintf("sku: want %q, got %q", p.Want.SKU, g.SKU))
		}
		if g.Err != "" {
			misses = append(misses, "error: "+g.Err)
		}
		status := "ok"
		if len(misses) > 0 {
			status = "MISS"
		}
		fmt.Fprintf(w, "== %s [%s] %s %s/%s (%s)\n   %s %s@%s\n", status, p.Kind, p.ID, p.Shop, p.Country, p.URL, p.Repo, p.Path, p.Commit[:12])
		if p.Note != "" {
			fmt.Fprintf(w, "   note: %s\n", p.Note)
		}
		for _, m := range misses {
			fmt.Fprintf(w, "   %s\n", m)
		}
		if len(misses) > 0 && p.Want.ListPrice != "" || g.ListPrice != "" && len(misses) > 0 {
			fmt.Fprintf(w, "   list price: want %q, got %q\n", p.Want.ListPrice, g.ListPrice)
		}
	}
}
