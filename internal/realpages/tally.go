package realpages

import (
	"cmp"
	"slices"
)

// Ratio is right out of scored.
type Ratio struct {
	Right, Of int
}

// Pct is the ratio in percent; 100 when nothing was scored.
func (r Ratio) Pct() float64 {
	if r.Of == 0 {
		return 100
	}
	return 100 * float64(r.Right) / float64(r.Of)
}

func (r *Ratio) add(v Verdict) {
	if v == NotScored {
		return
	}
	r.Of++
	if v == Right {
		r.Right++
	}
}

// Tally sums the results of a set of pages.
type Tally struct {
	Pages        int
	ProductPages int
	// Price: product pages that show a price.
	Price Ratio
	// WrongPrice counts pages with a tracked price a person does not see.
	WrongPrice int
	// PricedPages is Price.Of, the denominator of the wrong-price rate.
	Availability Ratio
	FalseSoldOut int
	Title        Ratio
	SKU          Ratio
	// ProductFlag: is_product right on product pages; NonProductFlag: on
	// non-product pages (is_product false).
	ProductFlag    Ratio
	NonProductFlag Ratio
}

// Add counts one result.
func (t *Tally) Add(r Result) {
	t.Pages++
	if r.Page.Kind == KindProduct {
		t.ProductPages++
		t.ProductFlag.add(r.IsProduct)
	} else {
		t.NonProductFlag.add(r.IsProduct)
	}
	t.Price.add(r.Price)
	if r.WrongPrice {
		t.WrongPrice++
	}
	t.Availability.add(r.Availability)
	if r.FalseSoldOut {
		t.FalseSoldOut++
	}
	t.Title.add(r.Title)
	t.SKU.add(r.SKU)
}

// WrongPricePct is wrong prices per product page showing a price, in percent.
func (t Tally) WrongPricePct() float64 {
	if t.Price.Of == 0 {
		return 0
	}
	return 100 * float64(t.WrongPrice) / float64(t.Price.Of)
}

// ShopTally is one shop's tally.
type ShopTally struct {
	Shop, Country string
	Tally
}

// Score is the whole corpus scored.
type Score struct {
	Results []Result
	All     Tally
	Korean  Tally
	Shops   []ShopTally
}

// NewScore tallies results overall, for Korean shops and per shop (shops in
// order of country, then name).
func NewScore(results []Result) *Score {
	s := &Score{Results: results}
	byShop := map[string]*ShopTally{}
	for _, r := range results {
		s.All.Add(r)
		if r.Page.Korean() {
			s.Korean.Add(r)
		}
		st := byShop[r.Page.Shop]
		if st == nil {
			st = &ShopTally{Shop: r.Page.Shop, Country: r.Page.Country}
			byShop[r.Page.Shop] = st
		}
		st.Add(r)
	}
	for _, st := range byShop {
		s.Shops = append(s.Shops, *st)
	}
	slices.SortFunc(s.Shops, func(a, b ShopTally) int {
		// Korean shops first, then by country and shop.
		ak, bk := a.Country != "KR", b.Country != "KR"
		if ak != bk {
			if !ak {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Country, b.Country), cmp.Compare(a.Shop, b.Shop))
	})
	return s
}

// Acceptance checks a tally against issue 14's targets and returns the
// failed ones, each as a sentence.
func (t Tally) Acceptance() []string {
	if t.Pages == 0 {
		return []string{"no pages"}
	}
	var fails []string
	check := func(name string, r Ratio, min float64) {
		if r.Pct() < min {
			fails = append(fails, fmtFail(name, r, min))
		}
	}
	check("price", t.Price, 95)
	check("availability", t.Availability, 95)
	check("title", t.Title, 95)
	check("non-product is_product false", t.NonProductFlag, 95)
	if t.WrongPricePct() > 1 {
		fails = append(fails, fmtWrong(t))
	}
	return fails
}
