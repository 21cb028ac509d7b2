package batch

import (
	"time"

	"github.com/ddokso/ddokso/store"
)

// PlanQueries returns the due-product selector's two keyset statements,
// exactly as Rescrape runs them, with the arguments of a tick's first page
// at now (pageSize products), for EXPLAIN.
func PlanQueries(now time.Time, pageSize int) []store.PlanQuery {
	epoch := time.Unix(0, 0).UTC()
	return []store.PlanQuery{
		{Name: "batch selector, due phase (workers/batch selectDueSQL)", SQL: selectDueSQL, Args: []any{now, epoch, epoch, 0, now, pageSize}},
		{Name: "batch selector, new phase (workers/batch selectNewSQL)", SQL: selectNewSQL, Args: []any{0, now, now, pageSize}},
	}
}
