package notify

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStillTrue(t *testing.T) {
	t.Parallel()
	c := DefaultConfig("x")
	pct := 10.0
	cases := []struct {
		name     string
		rule     watchRule
		old, hit *int64
		cur      current
		want     bool
	}{
		{"back in stock, still", watchRule{Rule: RuleBackInStock}, nil, nil, current{Availability: "in_stock"}, true},
		{"back in stock, sold out again", watchRule{Rule: RuleBackInStock}, nil, nil, current{Availability: "out_of_stock"}, false},
		{"price unknown now", watchRule{Rule: RuleAnyDrop}, ptr(100), ptr(50), current{Availability: "unknown"}, false},
		{"target met", watchRule{Rule: RuleTarget, TargetPrice: ptr(1000)}, ptr(1200), ptr(900), current{Price: ptr(1000)}, true},
		{"target missed", watchRule{Rule: RuleTarget, TargetPrice: ptr(1000)}, ptr(1200), ptr(900), current{Price: ptr(1001)}, false},
		{"drop_pct still 10%", watchRule{Rule: RuleDropPct, DropPct: &pct}, ptr(10000), ptr(8000), current{Price: ptr(9000)}, true},
		{"drop_pct now 9%", watchRule{Rule: RuleDropPct, DropPct: &pct}, ptr(10000), ptr(8000), current{Price: ptr(9100)}, false},
		{"rise held", watchRule{Rule: RuleRise}, ptr(10000), ptr(12000), current{Price: ptr(11000)}, true},
		{"rise undone", watchRule{Rule: RuleRise}, ptr(10000), ptr(12000), current{Price: ptr(10000)}, false},
		{"all-time low held", watchRule{Rule: RuleAllTimeLow}, ptr(10000), ptr(8000), current{Price: ptr(8000)}, true},
		{"all-time low gone", watchRule{Rule: RuleAllTimeLow}, ptr(10000), ptr(8000), current{Price: ptr(8100)}, false},
		{"drop now below the noise floor", watchRule{Rule: RuleAnyDrop}, ptr(100000), ptr(90000), current{Price: ptr(99900)}, false},
	}
	for _, tc := range cases {
		got, why := c.stillTrue(tc.rule, tc.old, tc.hit, tc.cur, "KRW")
		require.Equal(t, tc.want, got, tc.name)
		require.Equal(t, !tc.want, why != "", tc.name+": a reason exactly when it no longer holds")
	}
}
