package api

import (
	"time"

	"github.com/ddokso/ddokso/store"
)

// PlanQueries returns the API's hot read statements, exactly as it runs
// them, with sample arguments (a product id, and the URL hashes of a batch
// of eight submissions, padded by repeating the last), for EXPLAIN.
func PlanQueries(productID int64, urlHashes ...string) []store.PlanQuery {
	hashes := make([]any, 8)
	for i := range hashes {
		hashes[i] = ""
		if len(urlHashes) > 0 {
			hashes[i] = urlHashes[min(i, len(urlHashes)-1)]
		}
	}
	return []store.PlanQuery{
		{Name: "API GET /products/{id} (api productQuery: product, variants, 30-day average)", SQL: productQuery,
			Args: []any{time.Now().UTC().Add(-30 * 24 * time.Hour), productID}},
		{Name: "API POST /scrapes: products and pending requests of 8 submissions (api resolveSQL)", SQL: resolveSQL(len(hashes)),
			Args: append(hashes, hashes...)},
	}
}
