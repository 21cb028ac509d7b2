package api

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
)

// listed is what the tag listing test knows of a product, to compute
// every listing's expected order in Go.
type listed struct {
	id                         int64
	shop, category, brand, tag string
	price, listPrice, lastDrop int64 // 0 is NULL
	inStock                    bool
	checked                    time.Time
}

// key is the product's sort key under sortName (see productSorts).
func (p listed) key(sortName string) int64 {
	switch sortName {
	case "recent":
		return p.checked.UnixMicro()
	case "price":
		if p.price == 0 {
			return 1<<63 - 1
		}
		return p.price
	case "price_desc":
		if p.price == 0 {
			return -1
		}
		return p.price
	case "discount":
		if p.listPrice > 0 && p.price != 0 && p.listPrice > p.price {
			return (p.listPrice - p.price) * 10000 / p.listPrice
		}
		return 0
	default:
		return p.lastDrop
	}
}

// readAllPages pages through query (limit 3) with the given plan
// thresholds and returns every id in order.
func readAllPages(t *testing.T, s *server, query string, lim planLimits) []int64 {
	t.Helper()
	var ids []int64
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 100, query)
		q, err := url.ParseQuery(query)
		require.NoError(t, err)
		q.Set("limit", "3")
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "/api/v1/products?"+q.Encode(), nil)
		l, err := s.parseListing(c)
		require.NoError(t, err, query)
		page, err := s.planAndRead(c, l, lim)
		require.NoError(t, err, query)
		for _, p := range page.Items {
			ids = append(ids, p.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = page.NextCursor
	}
}

// listingAccesses are the indexes a listing on a common tag may be read
// by (planAccess).
func listingAccesses(t *testing.T, s *server, query string) []string {
	t.Helper()
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest("GET", "/api/v1/products?"+query, nil)
	l, err := s.parseListing(c)
	require.NoError(t, err, query)
	var out []string
	for _, a := range l.accesses() {
		out = append(out, a.index)
	}
	return out
}

// TestTagListingPlans checks both ways a tag filter is read (sorting the
// tagged products, or walking an index of products with FORCE INDEX) with
// every sort, alone and with every other filter, page by page, against
// the order computed in Go.
func TestTagListingPlans(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	rng := rand.New(rand.NewPCG(18, 120))
	base := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	shops, cats, brands, tags := []string{"coupang", "musinsa"}, []string{"Laptop", "Phone", "Food"}, []string{"Acme", "Bolt"}, []string{"sale", "gift", ""}
	var all []listed
	for i := range 60 {
		p := listed{
			shop: shops[rng.IntN(len(shops))], category: cats[rng.IntN(len(cats))], brand: brands[rng.IntN(len(brands))],
			tag: tags[rng.IntN(len(tags))], inStock: rng.IntN(4) > 0,
			checked: base.Add(time.Duration(rng.IntN(20)) * time.Minute), // ties on the key
		}
		if rng.IntN(6) > 0 {
			p.price = int64(1000 * (1 + rng.IntN(30)))
			p.listPrice = p.price + int64(500*rng.IntN(4))
		}
		if rng.IntN(3) > 0 {
			p.lastDrop = int64(100 * (1 + rng.IntN(8)))
		}
		avail := "in_stock"
		if !p.inStock {
			avail = "out_of_stock"
		}
		p.id = hs.insertProduct(product{url: fmt.Sprintf("https://t.example/%d", i), shop: p.shop, category: p.category, brand: p.brand,
			price: p.price, listPrice: p.listPrice, lastDrop: p.lastDrop, availability: avail, checked: p.checked})
		if p.tag != "" {
			_, err := hs.db.Exec(`INSERT INTO product_tags (product_id, tag) VALUES (?, ?), (?, 'every')`, p.id, p.tag, p.id)
			require.NoError(t, err)
		}
		all = append(all, p)
	}
	s := &server{db: hs.db, cfg: Config{PageSize: 3, MaxPageSize: 100}}
	filters := []struct {
		query string
		keep  func(listed) bool
	}{
		{"", func(listed) bool { return true }},
		{"shop=coupang", func(p listed) bool { return p.shop == "coupang" }},
		{"category=Phone", func(p listed) bool { return p.category == "Phone" }},
		{"brand=Acme&category=Food", func(p listed) bool { return p.brand == "Acme" && p.category == "Food" }},
		{"min_price=5000&max_price=20000", func(p listed) bool { return p.price >= 5000 && p.price <= 20000 }},
		{"in_stock=true", func(p listed) bool { return p.inStock }},
		{"in_stock=false&shop=musinsa&max_price=15000", func(p listed) bool { return !p.inStock && p.shop == "musinsa" && p.price != 0 && p.price <= 15000 }},
		{"min_price=12000", func(p listed) bool { return p.price >= 12000 }},
		{"max_price=9000&category=Laptop", func(p listed) bool { return p.price != 0 && p.price <= 9000 && p.category == "Laptop" }},
		{"brand=Bolt", func(p listed) bool { return p.brand == "Bolt" }},
		{"brand=Acme&category=Phone&shop=musinsa&min_price=3000", func(p listed) bool {
			return p.brand == "Acme" && p.category == "Phone" && p.shop == "musinsa" && p.price >= 3000
		}},
	}
	// "" is no tag filter at all.
	for _, tag := range []string{"sale", "every", "none", ""} {
		for sortName, spec := range productSorts {
			for _, f := range filters {
				var want []int64
				var keep []listed
				for _, p := range all {
					if f.keep(p) && (tag == "" || p.tag == tag || (tag == "every" && p.tag != "")) {
						keep = append(keep, p)
					}
				}
				slices.SortFunc(keep, func(a, b listed) int {
					c := cmp.Or(cmp.Compare(a.key(sortName), b.key(sortName)), cmp.Compare(a.id, b.id))
					if spec.desc {
						return -c
					}
					return c
				})
				for _, p := range keep {
					want = append(want, p.id)
				}
				query := "sort=" + sortName + "&" + f.query
				if tag != "" {
					query = "tag=" + tag + "&" + query
				}
				// Both tag plans, each with every price range plan, and a
				// common tag's every access (planAccess).
				lims := []planLimits{
					{tagWalk: 1 << 20, priceSort: 1 << 20}, {tagWalk: 0, priceSort: 1 << 20},
					{tagWalk: 1 << 20, priceSort: 0, price: priceWalkDrop}, {tagWalk: 0, priceSort: 0, price: priceWalkDrop},
					{tagWalk: 0, priceSort: 0, price: priceTopDrop}, {tagWalk: 0, priceSort: 0, dropProbe: 8},
				}
				if tag != "" {
					for _, a := range listingAccesses(t, s, query) {
						lims = append(lims, planLimits{tagWalk: 0, priceSort: 1 << 20, access: a})
					}
				}
				for _, lim := range lims {
					require.Equal(t, want, readAllPages(t, s, query, lim), "plan %+v: %s", lim, query)
				}
			}
		}
	}
}

// TestTagWalkPlan: a listing on a common tag reads products first, by one
// of the hinted indexes, and probes product_tags per row.
func TestTagWalkPlan(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	for i := range 10 {
		id := hs.insertProduct(product{url: fmt.Sprintf("https://w.example/%d", i), shop: "coupang", price: int64(1000 * (i + 1)), lastDrop: int64(10 * i)})
		_, err := hs.db.Exec(`INSERT INTO product_tags (product_id, tag) VALUES (?, 'sale')`, id)
		require.NoError(t, err)
	}
	s := &server{db: hs.db, cfg: Config{PageSize: 3, MaxPageSize: 100}}
	for _, query := range []string{"tag=sale&sort=biggest_drop", "tag=sale&sort=recent&shop=coupang", "tag=sale&sort=price&min_price=2000"} {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "/api/v1/products?"+query, nil)
		l, err := s.parseListing(c)
		require.NoError(t, err)
		require.NoError(t, s.planTag(context.Background(), l, 5))
		require.True(t, l.walkSort, query)
		q, args := l.sql()
		var id, selectType, table, typ, possible, key, keyLen, ref, extra sql.NullString
		var rows sql.NullInt64
		require.NoError(t, hs.db.QueryRow("EXPLAIN "+q, args...).Scan(&id, &selectType, &table, &typ, &possible, &key, &keyLen, &ref, &rows, &extra))
		require.Equal(t, "p", table.String, query)
		require.Contains(t, l.hintIndexes(), key.String, query)
		require.NoError(t, s.planTag(context.Background(), l, 11))
		require.False(t, l.walkSort, "10 tagged products are under a threshold of 11")
	}
}

// TestSearchDrivesFromRarestGram: the name search walks the gram with the
// fewest postings and looks the others up rarest first, whatever the
// order of the words.
func TestSearchDrivesFromRarestGram(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	for i := range 30 {
		hs.insertProduct(product{url: fmt.Sprintf("https://r.example/%d", i), title: fmt.Sprintf("공통 상품 %d", i)})
	}
	rare := hs.insertProduct(product{url: "https://r.example/rare", title: "공통 희귀 상품"})
	s := &server{db: hs.db, cfg: Config{PageSize: 20, MaxPageSize: 100}}
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest("GET", "/api/v1/products?q="+url.QueryEscape("공통 상품 희귀"), nil)
	l, err := s.parseListing(c)
	require.NoError(t, err)
	require.NoError(t, s.pickDrive(context.Background(), l))
	require.Equal(t, "희귀", l.drive)
	require.ElementsMatch(t, []string{"공통", "상품"}, l.others)
	page, err := s.readListing(c, l)
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	require.Equal(t, rare, page.Items[0].ID)
}

// TestPriceWalkPlan: a biggest_drop listing over a price range with many
// products walks idx_products_drop_price in order, testing the price in
// the index (no row read, no sort), and a range with few products is read
// by price.
func TestPriceWalkPlan(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	for i := range 10 {
		id := hs.insertProduct(product{url: fmt.Sprintf("https://pw.example/%d", i), shop: "coupang", price: int64(1000 * (i + 1)), lastDrop: int64(10 * i)})
		_, err := hs.db.Exec(`INSERT INTO product_tags (product_id, tag) VALUES (?, 'sale'), (?, 'gift')`, id, id)
		require.NoError(t, err)
	}
	s := &server{db: hs.db, cfg: Config{PageSize: 3, MaxPageSize: 100}}
	for _, query := range []string{"sort=biggest_drop&min_price=2000&max_price=8000", "tag=sale&sort=biggest_drop&max_price=8000"} {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "/api/v1/products?"+query, nil)
		l, err := s.parseListing(c)
		require.NoError(t, err)
		require.NoError(t, s.planTag(context.Background(), l, 5))
		require.NoError(t, s.planPrice(context.Background(), l, planLimits{priceSort: 5, price: priceWalkDrop}))
		require.Equal(t, priceWalkDrop, l.price, query)
		q, args := l.sql()
		var id, selectType, table, typ, possible, key, keyLen, ref, extra sql.NullString
		var rows sql.NullInt64
		require.NoError(t, hs.db.QueryRow("EXPLAIN "+q, args...).Scan(&id, &selectType, &table, &typ, &possible, &key, &keyLen, &ref, &rows, &extra))
		require.Equal(t, "d", table.String, query)
		require.Equal(t, "idx_products_drop_price", key.String, query)
		require.Contains(t, extra.String, "Using index", query)
		require.NotContains(t, extra.String, "filesort", query)
		require.NoError(t, s.planPrice(context.Background(), l, planLimits{priceSort: 11}))
		require.Equal(t, priceByRange, l.price, "at most 10 products in the range are under a threshold of 11")
	}
}

// TestPriceTopDropPlan: a biggest_drop listing over a range with many
// products whose drops are the smallest (drop size follows price) reads
// the range off idx_products_price_drop, index only, with no filesort of
// rows; a range that the drop walk meets near its start is walked.
func TestPriceTopDropPlan(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	for i := range 10 {
		hs.insertProduct(product{url: fmt.Sprintf("https://td.example/%d", i), shop: "coupang", price: int64(1000 * (i + 1)), lastDrop: int64(10 * i)})
	}
	s := &server{db: hs.db, cfg: Config{PageSize: 3, MaxPageSize: 100}}
	plan := func(query string, lim planLimits) *listing {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "/api/v1/products?"+query, nil)
		l, err := s.parseListing(c)
		require.NoError(t, err)
		require.NoError(t, s.planPrice(context.Background(), l, lim))
		return l
	}
	cheap := "sort=biggest_drop&max_price=5000"
	require.Equal(t, priceTopDrop, plan(cheap, planLimits{priceSort: 2, dropProbe: 4}).price, "the 4 biggest drops are all above the range")
	require.Equal(t, priceWalkDrop, plan(cheap, planLimits{priceSort: 2, dropProbe: 100}).price, "5 in the window: a page of 3 and the next row")
	require.Equal(t, priceWalkDrop, plan("sort=biggest_drop&min_price=6000", planLimits{priceSort: 2, dropProbe: 4}).price)
	l := plan(cheap, planLimits{priceSort: 2, dropProbe: 4})
	q, args := l.topDropSQL(&afterKey{key: int64(30), id: 4}, 16)
	var id, selectType, table, typ, possible, key, keyLen, ref, extra sql.NullString
	var rows sql.NullInt64
	require.NoError(t, hs.db.QueryRow("EXPLAIN "+q, args...).Scan(&id, &selectType, &table, &typ, &possible, &key, &keyLen, &ref, &rows, &extra))
	require.Equal(t, "idx_products_price_drop", key.String)
	require.Contains(t, extra.String, "Using index")
	ids := readAllPages(t, s, cheap, planLimits{priceSort: 2, dropProbe: 4})
	require.Len(t, ids, 5)
}

// TestTagFilterFirstPlan: a common tag whose other filters together match
// few products (brand + category) reads them off their index and sorts
// them (planAccess), and one whose filters match many walks the sort's
// index alone.
func TestTagFilterFirstPlan(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	for i := range 100 {
		brand := "Common"
		if i%25 == 0 {
			brand = "Rare"
		}
		id := hs.insertProduct(product{url: fmt.Sprintf("https://ff.example/%d", i), category: []string{"Food", "Toys"}[i%2], brand: brand, price: int64(1000 + 10*i)})
		_, err := hs.db.Exec(`INSERT INTO product_tags (product_id, tag) VALUES (?, 'sale')`, id)
		require.NoError(t, err)
	}
	s := &server{db: hs.db, cfg: Config{PageSize: 3, MaxPageSize: 100}}
	for query, want := range map[string]string{
		"tag=sale&brand=Rare&category=Food&sort=price": "idx_products_brand_category",
		"tag=sale&category=Food&sort=price":            "idx_products_sort_price",
		"tag=sale&category=Food&sort=recent":           "idx_products_category_recent",
	} {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "/api/v1/products?"+query, nil)
		l, err := s.parseListing(c)
		require.NoError(t, err)
		require.NoError(t, s.planTag(context.Background(), l, 5))
		require.NoError(t, s.planAccess(context.Background(), l, ""))
		require.Equal(t, want, l.access.index, query)
		q, args := l.sql()
		var id, selectType, table, typ, possible, key, keyLen, ref, extra sql.NullString
		var rows sql.NullInt64
		require.NoError(t, hs.db.QueryRow("EXPLAIN "+q, args...).Scan(&id, &selectType, &table, &typ, &possible, &key, &keyLen, &ref, &rows, &extra))
		require.Equal(t, "p", table.String, query)
		require.Equal(t, want, key.String, query)
	}
}
