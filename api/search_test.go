package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/search"
	"github.com/ddokso/ddokso/shopurl"
)

func searchIDs(t *testing.T, hs *harness, query string) ([]int64, string) {
	t.Helper()
	w := hs.do("GET", "/api/v1/products?"+query, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	page := decode[ProductPage](t, w)
	ids := []int64{}
	for _, p := range page.Items {
		ids = append(ids, p.ID)
	}
	return ids, page.NextCursor
}

func TestNameSearch(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	shoe := hs.insertProduct(product{url: "https://a.example/1", title: "똑소 러닝화 에어 42", brand: "DDOKSO", price: 89000})
	shoe2 := hs.insertProduct(product{url: "https://a.example/2", title: "트레일 러닝화 여성용", price: 99000})
	shirt := hs.insertProduct(product{url: "https://a.example/3", title: "러닝 셔츠 반팔", price: 19000})
	airpods := hs.insertProduct(product{url: "https://a.example/4", title: "Apple AirPods Pro 2", brand: "Apple", price: 329000, availability: "out_of_stock"})
	brandOnly := hs.insertProduct(product{url: "https://a.example/5", title: "무선 이어폰", brand: "Apple", price: 99000})
	_, err := hs.db.Exec(`UPDATE products SET check_status = 'new', last_checked_at = NULL WHERE id = ?`,
		hs.insertProduct(product{url: "https://a.example/6", title: "러닝화 미확인"}))
	require.NoError(t, err)

	q := func(s string) string { return "q=" + url.QueryEscape(s) }
	ids, _ := searchIDs(t, hs, q("러닝화"))
	require.ElementsMatch(t, []int64{shoe, shoe2}, ids, "Korean partial word; an unchecked product stays out")
	ids, _ = searchIDs(t, hs, q("러닝"))
	require.Equal(t, []int64{shirt, shoe2, shoe}, ids, "title matches, newest first")
	ids, _ = searchIDs(t, hs, q("닝화 에어"))
	require.Equal(t, []int64{shoe}, ids, "every word must match")
	ids, _ = searchIDs(t, hs, q("ddokso 러닝화"))
	require.Equal(t, []int64{shoe}, ids, "brand and title together")

	// English: any case, partial words, title over brand.
	for _, s := range []string{"airpods", "AIRPODS", "AirPods pro", "airpo"} {
		ids, _ = searchIDs(t, hs, q(s))
		require.Equal(t, []int64{airpods}, ids, s)
	}
	ids, _ = searchIDs(t, hs, q("apple"))
	require.Equal(t, []int64{airpods, brandOnly}, ids, "a title match ranks above a brand-only match")
	ids, _ = searchIDs(t, hs, q("apple")+"&in_stock=true")
	require.Equal(t, []int64{brandOnly}, ids, "filters apply to a name search")
	ids, _ = searchIDs(t, hs, q("없는상품"))
	require.Empty(t, ids)

	// Paged by relevance with a cursor: every match once, in order.
	first, cur := searchIDs(t, hs, q("러닝")+"&limit=2")
	require.Len(t, first, 2)
	require.NotEmpty(t, cur)
	rest, cur2 := searchIDs(t, hs, q("러닝")+"&limit=2&cursor="+cur)
	require.Empty(t, cur2)
	all, _ := searchIDs(t, hs, q("러닝"))
	require.Equal(t, all, append(first, rest...))

	requireProblem(t, hs.do("GET", "/api/v1/products?"+q("!!"), nil), http.StatusBadRequest, "invalid-parameter")
	requireProblem(t, hs.do("GET", "/api/v1/products?"+q("러닝")+"&sort=price", nil), http.StatusBadRequest, "invalid-parameter")
	requireProblem(t, hs.do("GET", "/api/v1/products?"+q("러닝")+"&cursor="+cursor{Sort: "recent", Key: "1", ID: 1}.encode(), nil), http.StatusBadRequest, "invalid-cursor")

	// /search?q= is the same search; /search?url= finds a tracked product.
	w := hs.do("GET", "/api/v1/search?"+q("러닝화"), nil)
	require.Equal(t, http.StatusOK, w.Code)
	require.Len(t, decode[ProductPage](t, w).Items, 2)

	// A renamed product is found by its new name only.
	_, err = hs.db.Exec(`UPDATE products SET title = '똑소 워킹화 에어 42' WHERE id = ?`, shoe)
	require.NoError(t, err)
	tx, err := hs.db.Begin()
	require.NoError(t, err)
	require.NoError(t, search.Reindex(context.Background(), tx, shoe))
	require.NoError(t, tx.Commit())
	ids, _ = searchIDs(t, hs, q("러닝화"))
	require.Equal(t, []int64{shoe2}, ids)
	ids, _ = searchIDs(t, hs, q("워킹"))
	require.Equal(t, []int64{shoe}, ids)
}

func TestSearchBackfill(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	for i := range 7 {
		_, err := hs.db.Exec(`INSERT INTO products (url_hash, canonical_url, shop, title, currency, price, check_status, last_checked_at)
			VALUES (?, ?, 'x', ?, 'KRW', 1000, 'ok', NOW())`, shopurl.Hash(fmt.Sprint(i)), fmt.Sprint(i), fmt.Sprintf("보온 텀블러 %d호", i))
		require.NoError(t, err)
	}
	ids, _ := searchIDs(t, hs, "q="+url.QueryEscape("텀블러"))
	require.Empty(t, ids, "not indexed yet")
	total := 0
	for {
		n, err := search.Backfill(context.Background(), hs.db, 3)
		require.NoError(t, err)
		if n == 0 {
			break
		}
		total += n
	}
	require.Equal(t, 7, total)
	ids, _ = searchIDs(t, hs, "q="+url.QueryEscape("텀블러"))
	require.Len(t, ids, 7)
}

// TestSearchProbesOtherWordsFirst: a name search probes the rarest gram
// of every other word before the grams of the drive's own word (which
// nearly always match), and still returns exactly the products with every
// word, in the same order on every page.
func TestSearchProbesOtherWordsFirst(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	nouns := []string{"노트북", "운동화", "샴푸", "키보드", "텀블러"}
	names := map[int64]string{}
	for i := range 60 {
		title := nouns[i%len(nouns)] + " 프로 " + fmt.Sprint(i)
		if i%17 == 0 {
			title = "노트북 운동화 세트 " + fmt.Sprint(i)
		}
		brand := []string{"Acme", "노트북", ""}[i%3]
		id := hs.insertProduct(product{url: fmt.Sprintf("https://si.example/%d", i), title: title, brand: brand, price: int64(1000 + i)})
		names[id] = title + " " + brand
	}
	s := &server{db: hs.db, cfg: Config{PageSize: 3, MaxPageSize: 100}}
	for _, q := range []string{"노트북 운동화", "샴푸 키보드", "노트북 프로", "운동화 세트 노트북", "프로", "텀블러 프로"} {
		query := "q=" + url.QueryEscape(q)
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "/api/v1/products?"+query, nil)
		l, err := s.parseListing(c)
		require.NoError(t, err)
		require.NoError(t, s.pickDrive(context.Background(), l))
		words := strings.Fields(q)
		if len(words) > 1 {
			var driveWord string
			for _, w := range words {
				if strings.Contains(w, l.drive) {
					driveWord = w
				}
			}
			require.NotContains(t, driveWord, l.others[0], "%s: drive %s, others %v", q, l.drive, l.others)
		}
		var match []int64 // every word in the title or brand
		for id, name := range names {
			if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(name, w) }) {
				match = append(match, id)
			}
		}
		require.ElementsMatch(t, match, readAllPages(t, s, query, planLimits{}), q)
	}
}

// TestSearchIntersectsPostings: a name search whose drive gram has more
// postings than the window (readSearch) answers the empty page when its
// words never occur together, reads the few products that have them all
// by id, and walks when many do, in the walk's order on every page.
func TestSearchIntersectsPostings(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	names := map[int64]string{}
	add := func(title, brand string) {
		id := hs.insertProduct(product{url: fmt.Sprintf("https://ip.example/%d", len(names)), title: title, brand: brand, price: int64(1000 + len(names))})
		names[id] = title + " " + brand
	}
	// The oldest products rank last: the window of the newest postings
	// holds none of the co-occurring ones.
	for i := range 3 {
		add(fmt.Sprintf("노트북 운동화 세트 %d", i), []string{"", "노트북", "Acme"}[i])
	}
	for i := range 20 {
		add(fmt.Sprintf("키보드 마우스 %d", i), []string{"", "키보드"}[i%2])
	}
	for i := range 50 {
		add(fmt.Sprintf("마우스 패드 %d", i), "")
	}
	for i := range 40 {
		add(fmt.Sprintf("노트북 %d", i), []string{"", "운동화"}[i%2*(i/39)])
		add(fmt.Sprintf("운동화 %d", i), []string{"", "Acme"}[i%2])
		add(fmt.Sprintf("키보드 %d", i), "")
		add(fmt.Sprintf("텀블러 %d", i), "")
	}
	s := &server{db: hs.db, cfg: Config{PageSize: 3, MaxPageSize: 100}}
	// The same search as MySQL 8 / Aurora run it: no ROWS EXAMINED, so
	// no bounded first walk.
	mysql := &server{db: hs.db, cfg: Config{PageSize: 3, MaxPageSize: 100}, forceNoRowsExamined: true}
	ok, err := s.rowsExamined(context.Background())
	require.NoError(t, err)
	require.True(t, ok, "the test server is MariaDB")
	for _, tc := range []struct {
		q      string
		shared int // products with every word's rarest gram (coOccurring)
	}{
		{"노트북 텀블러", 0},
		{"텀블러 운동화 노트북", 0},
		{"노트북 운동화", 4},
		{"운동화 노트북 세트", 3},
		{"키보드 마우스", 20},
		{"노트북", -1},
	} {
		query := "q=" + url.QueryEscape(tc.q)
		words := strings.Fields(tc.q)
		var match []int64
		for id, name := range names {
			if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(name, w) }) {
				match = append(match, id)
			}
		}
		walked := readAllPages(t, s, query, planLimits{})
		require.ElementsMatch(t, match, walked, tc.q)
		for _, window := range []int{1, 4, 10} {
			require.Equal(t, walked, readAllPages(t, s, query, planLimits{searchWindow: window}), "%s, window %d", tc.q, window)
			require.Equal(t, walked, readAllPages(t, mysql, query, planLimits{searchWindow: window}), "%s, window %d, without ROWS EXAMINED", tc.q, window)
		}
		if tc.shared < 0 {
			continue
		}
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "/api/v1/products?"+query, nil)
		l, err := s.parseListing(c)
		require.NoError(t, err)
		require.NoError(t, s.pickDrive(context.Background(), l))
		require.Positive(t, l.wordRare, tc.q)
		ids, _, err := s.coOccurring(context.Background(), l)
		require.NoError(t, err)
		require.Len(t, ids, tc.shared, tc.q)
		require.True(t, slices.IsSorted(ids))
	}
}

func TestIntersectSorted(t *testing.T) {
	t.Parallel()
	require.Equal(t, []int64{2, 5, 9}, intersectSorted([]int64{1, 2, 5, 7, 9}, []int64{2, 3, 5, 9, 10}))
	require.Empty(t, intersectSorted([]int64{1, 3}, []int64{2, 4}))
	require.Empty(t, intersectSorted(nil, []int64{2, 4}))
}
