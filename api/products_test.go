package api

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/shopurl"
)

func listIDs(t *testing.T, hs *harness, query string) []int64 {
	t.Helper()
	w := hs.do("GET", "/api/v1/products?"+query, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var ids []int64
	for _, p := range decode[ProductPage](t, w).Items {
		ids = append(ids, p.ID)
	}
	return ids
}

func TestListProductsFiltersAndSorts(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	now := time.Now().UTC()
	a := hs.insertProduct(product{url: "https://a.example/1", shop: "coupang", brand: "Acme", category: "Laptop", price: 1_000_000, listPrice: 1_500_000, lastDrop: 200_000, checked: now.Add(-3 * time.Minute)})
	b := hs.insertProduct(product{url: "https://a.example/2", shop: "coupang", brand: "Bolt", category: "Phone", price: 500_000, listPrice: 550_000, lastDrop: 10_000, availability: "out_of_stock", checked: now.Add(-2 * time.Minute)})
	c := hs.insertProduct(product{url: "https://a.example/3", shop: "musinsa", brand: "Acme", category: "Laptop", price: 30_000, checked: now.Add(-1 * time.Minute)})
	_, err := hs.db.Exec(`INSERT INTO products (url_hash, canonical_url, shop, check_status) VALUES (?, 'https://a.example/new', 'coupang', 'new')`, shopurl.Hash("https://a.example/new"))
	require.NoError(t, err)
	_, err = hs.db.Exec(`INSERT INTO product_tags (product_id, tag) VALUES (?, 'gift'), (?, 'gift')`, a, c)
	require.NoError(t, err)

	require.Equal(t, []int64{c, b, a}, listIDs(t, hs, ""), "recent first; unchecked products hidden")
	require.Equal(t, []int64{c, b, a}, listIDs(t, hs, "sort=price"))
	require.Equal(t, []int64{a, b, c}, listIDs(t, hs, "sort=price_desc"))
	require.Equal(t, []int64{a, b, c}, listIDs(t, hs, "sort=discount"))
	require.Equal(t, []int64{a, b, c}, listIDs(t, hs, "sort=biggest_drop"))
	require.Equal(t, []int64{b, a}, listIDs(t, hs, "shop=coupang"))
	require.Equal(t, []int64{c, a}, listIDs(t, hs, "brand=Acme"))
	require.Equal(t, []int64{b}, listIDs(t, hs, "category=Phone"))
	require.Equal(t, []int64{c, a}, listIDs(t, hs, "tag=gift"))
	require.Equal(t, []int64{c, a}, listIDs(t, hs, "in_stock=true"))
	require.Equal(t, []int64{b}, listIDs(t, hs, "in_stock=false"))
	require.Equal(t, []int64{b, a}, listIDs(t, hs, "min_price=500000"))
	require.Equal(t, []int64{c, b}, listIDs(t, hs, "max_price=500000&currency=KRW"))
	require.Empty(t, listIDs(t, hs, "min_price=1&currency=USD"))

	w := hs.do("GET", "/api/v1/products?sort=discount", nil)
	first := decode[ProductPage](t, w).Items[0]
	require.InDelta(t, 33.3, *first.DiscountPct, 0.01)
	require.Equal(t, "1000000", first.Price.Decimal)
	require.Equal(t, int64(1_500_000), first.ListPrice.Minor)

	for _, q := range []string{"sort=cheapest", "limit=0", "limit=1000", "in_stock=maybe", "min_price=abc", "colour=red", "cursor=!!!"} {
		requireProblem(t, hs.do("GET", "/api/v1/products?"+q, nil), http.StatusBadRequest, "")
	}
	// A cursor from one sort is refused by another.
	w = hs.do("GET", "/api/v1/products?sort=price&limit=1", nil)
	next := decode[ProductPage](t, w).NextCursor
	require.NotEmpty(t, next)
	requireProblem(t, hs.do("GET", "/api/v1/products?sort=recent&cursor="+next, nil), http.StatusBadRequest, "invalid-cursor")
}

// TestPaginationStableUnderInserts pages through every sort while rows are
// inserted between fetches: each pre-existing product appears exactly once.
func TestPaginationStableUnderInserts(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	base := time.Now().UTC().Add(-time.Hour)
	var existing []int64
	for i := range 25 {
		existing = append(existing, hs.insertProduct(product{
			url:       fmt.Sprintf("https://p.example/%d", i),
			price:     int64(1000 * (i%7 + 1)), // ties on the sort key
			listPrice: int64(10000),
			lastDrop:  int64(100 * (i % 3)),
			checked:   base.Add(time.Duration(i%5) * time.Minute),
		}))
	}
	inserted := 0
	for _, sortName := range []string{"recent", "price", "price_desc", "discount", "biggest_drop"} {
		seen := map[int64]int{}
		cursor := ""
		for pages := 0; ; pages++ {
			require.Less(t, pages, 50)
			q := url.Values{"sort": {sortName}, "limit": {"4"}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			w := hs.do("GET", "/api/v1/products?"+q.Encode(), nil)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			page := decode[ProductPage](t, w)
			for _, p := range page.Items {
				seen[p.ID]++
			}
			// New rows land everywhere in the order: before, inside and after the cursor.
			inserted++
			hs.insertProduct(product{
				url: fmt.Sprintf("https://p.example/new-%d", inserted), price: int64(500 * (inserted%15 + 1)), listPrice: 10000,
				lastDrop: int64(50 * (inserted % 5)), checked: base.Add(time.Duration(inserted%7) * time.Minute),
			})
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		for _, id := range existing {
			require.Equal(t, 1, seen[id], "sort %s: product %d seen %d times", sortName, id, seen[id])
		}
		for id, n := range seen {
			require.Equal(t, 1, n, "sort %s: product %d duplicated", sortName, id)
		}
	}
}

func TestGetProduct(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	id := hs.insertProduct(product{url: "https://a.example/detail", title: "Kettle", brand: "Acme", price: 30000, listPrice: 40000, atl: 25000, ath: 45000})
	_, err := hs.db.Exec(`INSERT INTO product_variants (product_id, variant_key, name, options, price, availability, all_time_low)
		VALUES (?, 'red', 'Red', '{"color":"red"}', 31000, 'in_stock', 29000)`, id)
	require.NoError(t, err)
	now := time.Now().UTC()
	hs.observe(id, 0, 40000, now.Add(-40*24*time.Hour)) // outside the 30-day window
	hs.observe(id, 0, 32000, now.Add(-20*24*time.Hour))
	hs.observe(id, 0, 30000, now.Add(-1*time.Hour))

	w := hs.do("GET", fmt.Sprintf("/api/v1/products/%d", id), nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	p := decode[Product](t, w)
	require.Equal(t, "Kettle", p.Title)
	require.Equal(t, Money{Minor: 30000, Decimal: "30000", Currency: "KRW"}, *p.Price)
	require.Equal(t, int64(40000), p.ListPrice.Minor)
	require.InDelta(t, 25.0, *p.DiscountPct, 0.001)
	require.Equal(t, int64(25000), p.AllTimeLow.Minor)
	require.Equal(t, int64(45000), p.AllTimeHigh.Minor)
	require.Equal(t, int64(31000), p.Avg30d.Minor)
	require.NotNil(t, p.LastCheckedAt)
	require.Len(t, p.Variants, 1)
	require.Equal(t, "Red", p.Variants[0].Name)
	require.JSONEq(t, `{"color":"red"}`, string(p.Variants[0].Options))
	require.Equal(t, int64(29000), p.Variants[0].AllTimeLow.Minor)

	requireProblem(t, hs.do("GET", "/api/v1/products/424242", nil), http.StatusNotFound, "not-found")
	requireProblem(t, hs.do("GET", "/api/v1/products/x", nil), http.StatusNotFound, "not-found")
}

func TestProductPrices(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	id := hs.insertProduct(product{url: "https://a.example/hist", title: "Hist", price: 900})
	res, err := hs.db.Exec(`INSERT INTO product_variants (product_id, variant_key, price) VALUES (?, 'big', 1200)`, id)
	require.NoError(t, err)
	vid, _ := res.LastInsertId()
	day := func(d int) time.Time { return time.Date(2025, 1, d, 12, 0, 0, 0, time.UTC) }
	hs.observe(id, 0, 1000, day(1))
	hs.observe(id, 0, 950, day(5))
	hs.observe(id, 0, 900, day(10))
	hs.observe(id, vid, 1200, day(3))

	type hist struct {
		ProductID    int64         `json:"product_id"`
		Observations []Observation `json:"observations"`
	}
	h := decode[hist](t, hs.do("GET", fmt.Sprintf("/api/v1/products/%d/prices?from=2025-01-01&to=2025-01-31", id), nil))
	require.Equal(t, id, h.ProductID)
	var got []int64
	for _, o := range h.Observations {
		got = append(got, o.Price.Minor)
	}
	require.Equal(t, []int64{1000, 950, 900}, got)

	h = decode[hist](t, hs.do("GET", fmt.Sprintf("/api/v1/products/%d/prices?from=2025-01-04T00:00:00Z&to=2025-01-06", id), nil))
	require.Len(t, h.Observations, 1)
	require.Equal(t, "950", h.Observations[0].Price.Decimal)

	h = decode[hist](t, hs.do("GET", fmt.Sprintf("/api/v1/products/%d/prices?from=2025-01-01&to=2025-01-31&variant=%d", id, vid), nil))
	require.Len(t, h.Observations, 1)
	require.Equal(t, vid, h.Observations[0].VariantID)

	h = decode[hist](t, hs.do("GET", fmt.Sprintf("/api/v1/products/%d/prices", id), nil))
	require.Empty(t, h.Observations, "default window is the last 90 days")

	requireProblem(t, hs.do("GET", fmt.Sprintf("/api/v1/products/%d/prices?from=yesterday", id), nil), http.StatusBadRequest, "invalid-parameter")
	requireProblem(t, hs.do("GET", fmt.Sprintf("/api/v1/products/%d/prices?from=2025-02-01&to=2025-01-01", id), nil), http.StatusBadRequest, "invalid-parameter")
	requireProblem(t, hs.do("GET", fmt.Sprintf("/api/v1/products/%d/prices?variant=999", id), nil), http.StatusNotFound, "not-found")
	requireProblem(t, hs.do("GET", "/api/v1/products/999/prices", nil), http.StatusNotFound, "not-found")
}

// svgNode is a generic XML element tree.
type svgNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []svgNode  `xml:",any"`
}

func (n svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n svgNode) find(id string) *svgNode {
	if n.attr("id") == id {
		return &n
	}
	for _, c := range n.Nodes {
		if f := c.find(id); f != nil {
			return f
		}
	}
	return nil
}

func (n svgNode) text() string {
	s := n.Text
	for _, c := range n.Nodes {
		s += c.text()
	}
	return s
}

func TestProductChart(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	id := hs.insertProduct(product{url: "https://a.example/chart", title: "Chart <Kettle> & Co", price: 31000, atl: 27500})
	day := func(d int) time.Time { return time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC) }
	hs.observe(id, 0, 32000, day(1))
	hs.observe(id, 0, 27500, day(8))
	hs.observe(id, 0, 31000, day(15))

	w := hs.do("GET", fmt.Sprintf("/api/v1/products/%d/chart.svg?from=2025-03-01&to=2025-03-31", id), nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.True(t, strings.HasPrefix(w.Header().Get("Content-Type"), "image/svg+xml"))
	var root svgNode
	require.NoError(t, xml.Unmarshal(w.Body.Bytes(), &root), "chart must be well-formed XML")
	require.Equal(t, "svg", root.XMLName.Local)
	require.Equal(t, "http://www.w3.org/2000/svg", root.XMLName.Space)
	require.NotNil(t, root.find("x-axis"))
	require.NotNil(t, root.find("y-axis"))
	require.Contains(t, root.find("x-ticks").text(), "03-01")
	require.Contains(t, root.find("y-ticks").text(), "KRW")
	line := root.find("price-line")
	require.NotNil(t, line)
	pts := strings.Fields(line.attr("points"))
	require.Len(t, pts, 3+2+1, "a step line: 3 points, 2 steps, and the hold to the end")
	low := root.find("low-mark")
	require.NotNil(t, low)
	require.Contains(t, low.text(), "All-time low 27,500 KRW")
	// The dot sits on the lowest vertex of the line.
	var circle *svgNode
	for i := range low.Nodes {
		if low.Nodes[i].XMLName.Local == "circle" {
			circle = &low.Nodes[i]
		}
	}
	require.NotNil(t, circle)
	require.True(t, slices.Contains(pts, circle.attr("cx")+","+circle.attr("cy")), "low dot %s,%s on line %v", circle.attr("cx"), circle.attr("cy"), pts)
	require.Contains(t, root.text(), "Chart <Kettle> & Co")

	// No history: still a valid chart with a message.
	empty := hs.insertProduct(product{url: "https://a.example/empty", title: "Empty"})
	w = hs.do("GET", fmt.Sprintf("/api/v1/products/%d/chart.svg", empty), nil)
	require.Equal(t, http.StatusOK, w.Code)
	require.NoError(t, xml.Unmarshal(w.Body.Bytes(), &root))
	require.Contains(t, root.text(), "No price history yet")
}
