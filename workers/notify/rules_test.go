package notify

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/events"
)

func TestEvaluate(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig("s")
	pct := 10.0
	ch := func(old, n *int64) events.PriceChange {
		return events.PriceChange{OldPrice: old, NewPrice: n, OldAvailability: "in_stock", NewAvailability: "in_stock", AllTimeLow: ptr(9000)}
	}
	tests := []struct {
		name  string
		rule  watchRule
		ch    events.PriceChange
		alert bool
		armed bool
	}{
		{"target crossed", watchRule{Rule: RuleTarget, TargetPrice: ptr(10000), Armed: true}, ch(ptr(11000), ptr(9900)), true, false},
		{"target disarmed stays quiet", watchRule{Rule: RuleTarget, TargetPrice: ptr(10000)}, ch(ptr(10100), ptr(9900)), false, false},
		{"target re-arms above band", watchRule{Rule: RuleTarget, TargetPrice: ptr(10000)}, ch(ptr(9900), ptr(10201)), false, true},
		{"target inside band stays disarmed", watchRule{Rule: RuleTarget, TargetPrice: ptr(10000)}, ch(ptr(9900), ptr(10200)), false, false},
		{"target nil price", watchRule{Rule: RuleTarget, TargetPrice: ptr(10000), Armed: true}, ch(ptr(11000), nil), false, true},
		{"target noise", watchRule{Rule: RuleTarget, TargetPrice: ptr(10000), Armed: true}, ch(ptr(10005), ptr(10000)), false, true},
		{"any drop", watchRule{Rule: RuleAnyDrop}, ch(ptr(10000), ptr(9900)), true, false},
		{"any drop below 0.5%", watchRule{Rule: RuleAnyDrop}, ch(ptr(100000), ptr(99600)), false, false},
		{"any drop below 10 won", watchRule{Rule: RuleAnyDrop}, ch(ptr(1000), ptr(995)), false, false},
		{"rise", watchRule{Rule: RuleRise}, ch(ptr(10000), ptr(10500)), true, false},
		{"rise is not a drop", watchRule{Rule: RuleAnyDrop}, ch(ptr(10000), ptr(10500)), false, false},
		{"drop 10% reached", watchRule{Rule: RuleDropPct, DropPct: &pct}, ch(ptr(10000), ptr(9000)), true, false},
		{"drop 10% not reached", watchRule{Rule: RuleDropPct, DropPct: &pct}, ch(ptr(10000), ptr(9100)), false, false},
		{"all-time low", watchRule{Rule: RuleAllTimeLow}, ch(ptr(9500), ptr(8900)), true, false},
		{"not below all-time low", watchRule{Rule: RuleAllTimeLow}, ch(ptr(9500), ptr(9000)), false, false},
		{"back in stock", watchRule{Rule: RuleBackInStock}, events.PriceChange{OldAvailability: "out_of_stock", NewAvailability: "in_stock", NewPrice: ptr(1), OldPrice: ptr(1)}, true, false},
		{"still out of stock", watchRule{Rule: RuleBackInStock}, events.PriceChange{OldAvailability: "out_of_stock", NewAvailability: "out_of_stock"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := cfg.evaluate(tt.rule, tt.ch, "KRW")
			require.Equal(t, tt.alert, v.Alert)
			require.Equal(t, tt.armed, v.Armed)
		})
	}
}

func TestQuietUntil(t *testing.T) {
	t.Parallel()
	seoul, err := time.LoadLocation("Asia/Seoul")
	require.NoError(t, err)
	at := func(h, m int) time.Time { return time.Date(2026, 3, 10, h, m, 0, 0, seoul) }
	until, ok := quietUntil(at(23, 30), "23:00", "08:00")
	require.True(t, ok)
	require.Equal(t, time.Date(2026, 3, 11, 8, 0, 0, 0, seoul), until)
	until, ok = quietUntil(at(2, 0), "23:00", "08:00")
	require.True(t, ok)
	require.Equal(t, at(8, 0), until)
	_, ok = quietUntil(at(12, 0), "23:00", "08:00")
	require.False(t, ok)
	_, ok = quietUntil(at(12, 0), "", "")
	require.False(t, ok)
	until, ok = quietUntil(at(13, 0), "12:00", "14:00")
	require.True(t, ok)
	require.Equal(t, at(14, 0), until)
}

func TestFormatPrice(t *testing.T) {
	t.Parallel()
	require.Equal(t, "1,234,500원", FormatPrice(1234500, "KRW", "ko"))
	require.Equal(t, "₩990", FormatPrice(990, "KRW", "en"))
	require.Equal(t, "1,234.56 USD", FormatPrice(123456, "USD", "ko"))
	require.Equal(t, "-1,000원", FormatPrice(-1000, "KRW", "ko"))
}

func TestVerifyUnsubscribe(t *testing.T) {
	t.Parallel()
	tok := SignUnsubscribe("k", 42, "user-1")
	id, user, err := VerifyUnsubscribe("k", tok)
	require.NoError(t, err)
	require.Equal(t, int64(42), id)
	require.Equal(t, "user-1", user)
	_, _, err = VerifyUnsubscribe("other", tok)
	require.Error(t, err)
	_, _, err = VerifyUnsubscribe("k", SignUnsubscribe("k", 43, "user-1")[:10]+tok[10:])
	require.Error(t, err)
}
