package notify

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
	"github.com/ddokso/ddokso/watch"
)

// Every rule the API accepts (package watch) alerts on a change that
// plainly matches it: none is accepted and then silently never evaluated.
func TestEveryAcceptedRuleIsEvaluated(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig("s")
	pct := 10.0
	drop := events.PriceChange{OldPrice: ptr(20000), NewPrice: ptr(10000), OldAvailability: "in_stock", NewAvailability: "in_stock", AllTimeLow: ptr(15000)}
	match := map[string]struct {
		w  watchRule
		ch events.PriceChange
	}{
		watch.Target:      {watchRule{Rule: watch.Target, TargetPrice: ptr(12000), Armed: true}, drop},
		watch.DropPct:     {watchRule{Rule: watch.DropPct, DropPct: &pct, Armed: true}, drop},
		watch.AnyDrop:     {watchRule{Rule: watch.AnyDrop, Armed: true}, drop},
		watch.Rise:        {watchRule{Rule: watch.Rise, Armed: true}, events.PriceChange{OldPrice: ptr(10000), NewPrice: ptr(20000), OldAvailability: "in_stock", NewAvailability: "in_stock"}},
		watch.AllTimeLow:  {watchRule{Rule: watch.AllTimeLow, Armed: true}, drop},
		watch.BackInStock: {watchRule{Rule: watch.BackInStock, Armed: true}, events.PriceChange{OldPrice: ptr(10000), NewPrice: ptr(10000), OldAvailability: "out_of_stock", NewAvailability: "in_stock"}},
	}
	for _, r := range watch.Rules() {
		m, ok := match[r]
		require.True(t, ok, "rule %q has no case here", r)
		require.True(t, cfg.evaluate(m.w, m.ch, "KRW").Alert, r)
	}
	require.False(t, cfg.evaluate(watchRule{Rule: "no_such_rule", Armed: true}, drop, "KRW").Alert)
}
