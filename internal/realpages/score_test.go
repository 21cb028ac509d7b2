package realpages

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func productPage(w Annotation) *Page {
	return &Page{ID: "p", Shop: "shop", Country: "US", Kind: KindProduct, Want: w}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	inStock := Annotation{Title: "Blue Mug", Price: "12.90", Currency: "EUR", Availability: InStock, SKU: "MUG-1"}
	noPrice := Annotation{Title: "Tully Sconce", Availability: OutOfStock}
	cantTell := Annotation{Title: "Lamp", Price: "10", Currency: "USD", Availability: Unknown}
	tracked := Got{IsProduct: true, Title: "blue  mug", Price: "12.9", Currency: "EUR", Availability: InStock, SKU: "mug-1"}
	for _, tc := range []struct {
		name                     string
		page                     *Page
		got                      Got
		isProduct, price, avail  Verdict
		title, sku               Verdict
		wrongPrice, falseSoldOut bool
	}{
		{name: "all right, amounts equal as decimals", page: productPage(inStock), got: tracked,
			isProduct: Right, price: Right, avail: Right, title: Right, sku: Right},
		{name: "different amount is a wrong price", page: productPage(inStock),
			got:       Got{IsProduct: true, Title: "Blue Mug", Price: "12.99", Currency: "EUR", Availability: InStock},
			isProduct: Right, price: Wrong, wrongPrice: true, avail: Right, title: Right, sku: Missing},
		{name: "same amount in another currency is a wrong price", page: productPage(inStock),
			got:       Got{IsProduct: true, Title: "Blue Mug", Price: "12.90", Currency: "USD", Availability: InStock},
			isProduct: Right, price: Wrong, wrongPrice: true, avail: Right, title: Right, sku: Missing},
		{name: "no price is missing, not wrong", page: productPage(inStock),
			got:       Got{IsProduct: true, Title: "Blue Mug", Availability: Unknown},
			isProduct: Right, price: Missing, avail: Missing, title: Right, sku: Missing},
		{name: "a price where the person sees none is wrong", page: productPage(noPrice),
			got:       Got{IsProduct: true, Title: "Tully Sconce", Price: "99.00", Currency: "USD", Availability: OutOfStock},
			isProduct: Right, price: NotScored, wrongPrice: true, avail: Right, title: Right},
		{name: "sold out where the person cannot tell is a false sold out", page: productPage(cantTell),
			got:       Got{IsProduct: true, Title: "Lamp", Price: "10.00", Currency: "USD", Availability: OutOfStock},
			isProduct: Right, price: Right, avail: NotScored, falseSoldOut: true, title: Right},
		{name: "sold out where the person sees it in stock", page: productPage(inStock),
			got:       Got{IsProduct: true, Title: "Blue Mug", Price: "12.90", Currency: "EUR", Availability: OutOfStock, SKU: "MUG-1"},
			isProduct: Right, price: Right, avail: Wrong, falseSoldOut: true, title: Right, sku: Right},
		{name: "a product page not taken as one tracks nothing", page: productPage(inStock),
			got:       Got{IsProduct: false, Title: "Blue Mug", Price: "12.90", Currency: "EUR", Availability: InStock},
			isProduct: Wrong, price: Missing, avail: Missing, title: Missing, sku: Missing},
		{name: "a blocked page tracks nothing", page: productPage(inStock),
			got:       Got{IsProduct: true, Blocked: true, Title: "Blue Mug", Price: "12.90", Currency: "EUR"},
			isProduct: Wrong, price: Missing, avail: Missing, title: Missing, sku: Missing},
		{name: "shop suffix in the title is wrong", page: productPage(inStock),
			got:       Got{IsProduct: true, Title: "Blue Mug | Shop", Price: "12.90", Currency: "EUR", Availability: InStock, SKU: "MUG-1"},
			isProduct: Right, price: Right, avail: Right, title: Wrong, sku: Right},
		{name: "an alternative title counts", page: productPage(Annotation{Title: "Blue Mug", TitleAlt: []string{"Blue Mug – 300 ml"}, Availability: InStock}),
			got:       Got{IsProduct: true, Title: "Blue Mug - 300 ml", Availability: InStock},
			isProduct: Right, avail: Right, title: Right},
		{name: "non-product page left alone", page: &Page{Kind: KindNonProduct},
			got:       Got{IsProduct: false, Price: "5.00", Currency: "USD"},
			isProduct: Right},
		{name: "non-product page taken as a product with a price", page: &Page{Kind: KindNonProduct},
			got:       Got{IsProduct: true, Title: "Category", Price: "5.00", Currency: "USD", Availability: OutOfStock},
			isProduct: Wrong, wrongPrice: true},
		{name: "extraction error", page: productPage(inStock), got: Got{Err: "not html"},
			isProduct: Wrong, price: Missing, avail: Missing, title: Missing, sku: Missing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := Compare(tc.page, tc.got)
			require.Equal(t, tc.isProduct, r.IsProduct, "is_product")
			require.Equal(t, tc.price, r.Price, "price")
			require.Equal(t, tc.wrongPrice, r.WrongPrice, "wrong price")
			require.Equal(t, tc.avail, r.Availability, "availability")
			require.Equal(t, tc.falseSoldOut, r.FalseSoldOut, "false sold out")
			require.Equal(t, tc.title, r.Title, "title")
			require.Equal(t, tc.sku, r.SKU, "sku")
		})
	}
}

func TestNormalizeTitle(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"Nike  Air-Max 90 (White)", "nike air max 90 white"},
		{"  [무신사] 반팔 티셔츠/블랙  ", "무신사 반팔 티셔츠 블랙"},
		{"ＡＢＣ　１２３", "abc 123"}, // full-width letters and space (NFKC)
		{"Café", "café"},
		{"Penhook 20.47'' Wide", "penhook 20 47 wide"},
		{"", ""},
	} {
		require.Equal(t, tc.want, NormalizeTitle(tc.in), tc.in)
	}
}

func TestSameAmount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, ac, b, bc string
		want         bool
	}{
		{"12.9", "EUR", "12.90", "EUR", true},
		{"12900", "KRW", "12900", "krw", true},
		{"12900", "KRW", "12,900", "KRW", false},
		{"12.99", "USD", "13", "USD", false},
		{"12.99", "USD", "12.99", "CAD", false},
		{"3.250", "KWD", "3.25", "KWD", true},
		{"abc", "USD", "abc", "USD", false},
		{"1", "", "1", "USD", false},
	} {
		require.Equal(t, tc.want, SameAmount(tc.a, tc.ac, tc.b, tc.bc), "%s %s vs %s %s", tc.a, tc.ac, tc.b, tc.bc)
	}
}

func TestScoreTallies(t *testing.T) {
	t.Parallel()
	kr := &Page{ID: "kr", Shop: "coupang", Country: "KR", Kind: KindProduct, Want: Annotation{Title: "상품", Price: "12900", Currency: "KRW", Availability: InStock}}
	us := &Page{ID: "us", Shop: "amazon.com", Country: "US", Kind: KindProduct, Want: Annotation{Title: "Mug", Price: "5.00", Currency: "USD", Availability: OutOfStock}}
	cat := &Page{ID: "cat", Shop: "amazon.com", Country: "US", Kind: KindNonProduct}
	s := NewScore([]Result{
		Compare(kr, Got{IsProduct: true, Title: "상품", Price: "12900", Currency: "KRW", Availability: InStock}),
		Compare(us, Got{IsProduct: true, Title: "Mug", Price: "6.00", Currency: "USD", Availability: Unknown}),
		Compare(cat, Got{IsProduct: false}),
	})
	require.Equal(t, 3, s.All.Pages)
	require.Equal(t, 2, s.All.ProductPages)
	require.Equal(t, Ratio{Right: 1, Of: 2}, s.All.Price)
	require.Equal(t, 1, s.All.WrongPrice)
	require.InDelta(t, 50.0, s.All.WrongPricePct(), 1e-9)
	require.Equal(t, Ratio{Right: 1, Of: 2}, s.All.Availability)
	require.Equal(t, Ratio{Right: 1, Of: 1}, s.All.NonProductFlag)
	require.Equal(t, 1, s.Korean.Pages)
	require.Empty(t, s.Korean.Acceptance())
	require.Len(t, s.All.Acceptance(), 3) // price, availability, wrong price
	require.Equal(t, []string{"coupang", "amazon.com"}, []string{s.Shops[0].Shop, s.Shops[1].Shop}, "Korean shops first")
	require.Equal(t, 2, s.Shops[1].Pages)
	require.Equal(t, []string{"no pages"}, Tally{}.Acceptance())
}

func TestPageValidate(t *testing.T) {
	t.Parallel()
	ok := Page{ID: "a", Repo: "o/n", Path: "x.html", Commit: "0123456789abcdef0123456789abcdef01234567", URL: "https://s.example/p",
		Shop: "s", Country: "KR", Kind: KindProduct, Want: Annotation{Title: "T", Price: "12900", Currency: "KRW", Availability: InStock}}
	require.NoError(t, ok.Validate())
	for name, mut := range map[string]func(p *Page){
		"bad repo":          func(p *Page) { p.Repo = "o" },
		"short commit":      func(p *Page) { p.Commit = "0123" },
		"no url":            func(p *Page) { p.URL = "file.html" },
		"bad kind":          func(p *Page) { p.Kind = "listing" },
		"no title":          func(p *Page) { p.Want.Title = "" },
		"bad availability":  func(p *Page) { p.Want.Availability = "instock" },
		"price no currency": func(p *Page) { p.Want.Currency = "" },
		"fraction in KRW":   func(p *Page) { p.Want.Price = "12900.5" },
		"grouped price":     func(p *Page) { p.Want.Price = "12,900" },
		"non-product price": func(p *Page) { p.Kind = KindNonProduct },
	} {
		p := ok
		mut(&p)
		require.Error(t, p.Validate(), name)
	}
	m := Manifest{Pages: []Page{ok, ok}}
	require.ErrorContains(t, m.Validate(), "duplicate id")
}

func TestManifestSelect(t *testing.T) {
	t.Parallel()
	m := &Manifest{Note: "n", Pages: []Page{{ID: "a", Country: "KR"}, {ID: "b", Country: "US"}, {ID: "c", Country: "KR"}}}
	kr := m.Select(func(p *Page) bool { return p.Korean() })
	require.Equal(t, "n", kr.Note)
	require.Equal(t, []string{"a", "c"}, []string{kr.Pages[0].ID, kr.Pages[1].ID})
	require.Len(t, m.Pages, 3, "the original manifest is left alone")
}
