package api

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/shopurl"
	"github.com/ddokso/ddokso/store"
)

// TestPlanQueriesUseIndexes: the API's hot reads go through an index for
// every table they touch (no full scan), on a table with rows.
func TestPlanQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	hs := setup(t)
	var id int64
	for i := range 200 {
		id = hs.insertProduct(product{url: fmt.Sprintf("https://shop.example/p/%d", i), title: "p", price: 1000, checked: time.Now().Add(-48 * time.Hour)})
		hs.observe(id, 0, 1000, time.Now().Add(-time.Hour))
	}
	for i := range 20 {
		w := hs.do(http.MethodPost, "/api/v1/scrapes", map[string]string{"url": fmt.Sprintf("https://shop.example/new/%d", i)})
		require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	}
	// A product's URL and a URL with a pending request: both halves of the
	// lookup find a row.
	for _, q := range PlanQueries(id, shopurl.Hash("https://shop.example/p/199"), shopurl.Hash("https://shop.example/new/3")) {
		p, err := store.Explain(context.Background(), hs.db, q)
		require.NoError(t, err)
		t.Logf("%s: %v %v", q.Name, p.Columns, p.Rows)
		require.NotEmpty(t, p.Rows, q.Name)
		for i, k := range p.Keys() {
			require.NotEqual(t, "NULL", k, "%s: row %d reads a table without an index: %v", q.Name, i, p.Rows[i])
		}
	}
}
