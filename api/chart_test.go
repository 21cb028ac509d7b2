package api

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// soldOutAt records an out-of-stock observation (no price) of product id.
func (hs *harness) soldOutAt(id int64, at time.Time) {
	hs.t.Helper()
	_, err := hs.db.Exec(`INSERT INTO price_observations (product_id, variant_id, price, currency, availability, observed_at)
		VALUES (?, 0, NULL, 'KRW', 'out_of_stock', ?)`, id, at.UTC())
	require.NoError(hs.t, err)
}

// chartWithSoldOut is a product priced over March 2025, sold out 11th-21st.
func chartWithSoldOut(t *testing.T, hs *harness) int64 {
	t.Helper()
	id := hs.insertProduct(product{url: "https://a.example/soldout", title: "품절 테스트 러닝화", price: 129000, atl: 119000})
	day := func(d int) time.Time { return time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC) }
	hs.observe(id, 0, 139000, day(1))
	hs.observe(id, 0, 129645, day(6))
	hs.soldOutAt(id, day(11))
	hs.observe(id, 0, 130290, day(21))
	hs.observe(id, 0, 119000, day(26))
	return id
}

func TestChartSoldOutAndTicks(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	id := chartWithSoldOut(t, hs)
	w := hs.do("GET", fmt.Sprintf("/api/v1/products/%d/chart.svg?from=2025-03-01&to=2025-03-31", id), nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var root svgNode
	require.NoError(t, xml.Unmarshal(w.Body.Bytes(), &root))

	band := root.find("sold-out")
	require.NotNil(t, band)
	var rects []svgNode
	for _, n := range band.Nodes {
		if n.attr("class") == "sold-out" {
			rects = append(rects, n)
		}
	}
	require.Len(t, rects, 1)
	x, _ := strconv.ParseFloat(rects[0].attr("x"), 64)
	width, _ := strconv.ParseFloat(rects[0].attr("width"), 64)
	// March 1 -> 31 spans the plot: the 11th..21st is a third of it, a third in.
	span := float64(plotW) / 30
	require.InDelta(t, padL+10*span, x, 1)
	require.InDelta(t, 10*span, width, 1)

	// Round y ticks, distinct date labels.
	var yLabels []string
	for _, n := range root.find("y-ticks").Nodes {
		if n.XMLName.Local == "text" {
			yLabels = append(yLabels, n.Text)
		}
	}
	require.Equal(t, []string{"115,000 KRW", "120,000 KRW", "125,000 KRW", "130,000 KRW", "135,000 KRW", "140,000 KRW"}, yLabels)
	var xLabels []string
	for _, n := range root.find("x-ticks").Nodes {
		if n.XMLName.Local == "text" {
			xLabels = append(xLabels, n.Text)
		}
	}
	require.Equal(t, []string{"03-01", "03-08", "03-15", "03-22", "03-29"}, xLabels)

	// Same-day data: clock times, not one date five times.
	same := hs.insertProduct(product{url: "https://a.example/sameday", title: "Same day", price: 1000})
	for i, p := range []int64{1200, 1100, 1000} {
		hs.observe(same, 0, p, time.Date(2025, 3, 1, 9+3*i, 0, 0, 0, time.UTC))
	}
	w = hs.do("GET", fmt.Sprintf("/api/v1/products/%d/chart.svg?from=2025-03-01&to=2025-03-01T18:00:00Z", same), nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	root = svgNode{}
	require.NoError(t, xml.Unmarshal(w.Body.Bytes(), &root))
	xLabels = nil
	for _, n := range root.find("x-ticks").Nodes {
		if n.XMLName.Local == "text" {
			xLabels = append(xLabels, n.Text)
		}
	}
	require.Equal(t, []string{"10:00", "12:00", "14:00", "16:00", "18:00"}, xLabels)
	requireProblem(t, hs.do("GET", fmt.Sprintf("/api/v1/products/%d/chart.svg?tz=Mars/Base", same), nil), http.StatusBadRequest, "invalid-parameter")
	w = hs.do("GET", fmt.Sprintf("/api/v1/products/%d/chart.svg?from=2025-03-01&to=2025-03-01T09:00:00Z&tz=Asia/Seoul", same), nil)
	require.Contains(t, w.Body.String(), ">18:00<", "labels in the asked time zone")
}

func TestChartConditionalGET(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	id := chartWithSoldOut(t, hs)
	path := fmt.Sprintf("/api/v1/products/%d/chart.svg?from=2025-03-01", id)
	w := hs.do("GET", path, nil)
	require.Equal(t, http.StatusOK, w.Code)
	etag, lastMod := w.Header().Get("ETag"), w.Header().Get("Last-Modified")
	require.NotEmpty(t, etag)
	require.NotEmpty(t, lastMod)
	require.NotContains(t, w.Header().Get("Cache-Control"), "max-age=300")
	require.Equal(t, "no-cache", w.Header().Get("Cache-Control"))

	// Unchanged: the same validators, and a revalidation is a bodiless 304.
	again := hs.do("GET", path, nil)
	require.Equal(t, etag, again.Header().Get("ETag"))
	require.Equal(t, w.Body.String(), again.Body.String())
	nm := hs.do("GET", path, nil, withHeader("If-None-Match", etag))
	require.Equal(t, http.StatusNotModified, nm.Code)
	require.Empty(t, nm.Body.String())
	ims := hs.do("GET", path, nil, withHeader("If-Modified-Since", lastMod))
	require.Equal(t, http.StatusNotModified, ims.Code)

	// A new price: the old validators no longer match.
	time.Sleep(1100 * time.Millisecond) // Last-Modified has whole seconds
	hs.observe(id, 0, 99000, time.Now())
	_, err := hs.db.Exec(`UPDATE products SET price = 99000, last_checked_at = UTC_TIMESTAMP(6) WHERE id = ?`, id)
	require.NoError(t, err)
	changed := hs.do("GET", path, nil, withHeader("If-None-Match", etag))
	require.Equal(t, http.StatusOK, changed.Code)
	require.NotEqual(t, etag, changed.Header().Get("ETag"))
	require.True(t, strings.Contains(changed.Body.String(), "99,000 KRW"))
	require.Equal(t, http.StatusOK, hs.do("GET", path, nil, withHeader("If-Modified-Since", lastMod)).Code)
}
