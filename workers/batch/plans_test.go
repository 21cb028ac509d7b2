package batch

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/store"
)

// TestPlanQueriesUseTheDueIndex: both keyset statements of the selector
// walk idx_products_due, on a table where most products are not due.
func TestPlanQueriesUseTheDueIndex(t *testing.T) {
	t.Parallel()
	db, _, _ := setup(t, Config{})
	now := time.Now().UTC()
	ps := make([]product, 3000)
	for i := range ps {
		ps[i] = product{shop: fmt.Sprintf("s%d.example", i%50), status: "ok", next: ptr(now.Add(time.Duration(i-100) * time.Minute)), createdAt: now.Add(-time.Hour)}
		if i%100 == 0 {
			ps[i] = product{shop: "new.example", status: "new", createdAt: now.Add(-time.Hour)}
		}
	}
	seed(t, db, ps)
	_, err := db.Exec(`ANALYZE TABLE products`)
	require.NoError(t, err)
	for _, q := range PlanQueries(now, 1000) {
		p, err := store.Explain(context.Background(), db, q)
		require.NoError(t, err)
		t.Logf("%s: %v %v", q.Name, p.Columns, p.Rows)
		require.Equal(t, []string{"idx_products_due"}, p.Keys(), q.Name)
	}
}
