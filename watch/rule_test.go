package watch_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ddokso/ddokso/watch"
)

func TestValid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"target", true}, {"drop_pct", true}, {"any_drop", true}, {"rise", true},
		{"all_time_low", true}, {"back_in_stock", true},
		{"digest", false}, // a delivery-log kind, not a rule a user sets
		{"Target", false}, {"", false}, {"any-drop", false},
	} {
		require.Equal(t, tc.want, watch.Valid(tc.name), tc.name)
	}
	require.Len(t, watch.Rules(), 6)
	for _, r := range watch.Rules() {
		require.True(t, watch.Valid(r), r)
	}
}

func TestValidStatus(t *testing.T) {
	t.Parallel()
	for _, s := range watch.Statuses() {
		require.True(t, watch.ValidStatus(s), s)
	}
	require.False(t, watch.ValidStatus("suppressed"), "an address is suppressed; its alerts are skipped")
	require.False(t, watch.ValidStatus(""))
	require.Equal(t, "queued, deferred, sent, failed, skipped or capped", watch.StatusList())
}
