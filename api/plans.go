package api

import (
	"fmt"
	"time"

	"github.com/ddokso/ddokso/store"
)

// PlanQueries returns the API's hot read statements, exactly as it runs
// them, with sample arguments (a product id, and the URL hashes of a batch
// of submissions, at least one), for EXPLAIN.
func PlanQueries(productID int64, urlHashes ...string) []store.PlanQuery {
	if len(urlHashes) == 0 {
		urlHashes = []string{""}
	}
	n, args := paddedArgs(urlHashes) // as resolve pads them
	return []store.PlanQuery{
		{Name: "API GET /products/{id} (api productQuery: product, variants, 30-day average)", SQL: productQuery,
			Args: []any{time.Now().UTC().Add(-30 * 24 * time.Hour), productID}},
		{Name: fmt.Sprintf("API POST /scrapes: products and pending requests of a batch, %d URL hash(es) (api resolveSQL)", len(urlHashes)), SQL: resolveSQL(n),
			Args: append(args, args...)},
	}
}
