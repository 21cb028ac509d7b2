package notify

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestQuietHoursDeferThenSweep(t *testing.T) {
	t.Parallel()
	f := setup(t, func(c *Config) { c.QuietStart, c.QuietEnd = "23:00", "08:00" })
	seoul, _ := time.LoadLocation("Asia/Seoul")
	night := time.Date(2026, 3, 10, 23, 30, 0, 0, seoul)
	f.w.now = func() time.Time { return night }
	pid := f.product("quiet")
	f.watch(pid, RuleAnyDrop, nil, true, false)
	f.setPrice(pid, 20000) // still the price when the quiet hours end

	f.handle(priceChanged(pid, "quiet", 30000, 20000))
	require.Equal(t, []string{StatusDeferred}, f.statuses(ChannelEmail))
	require.NoError(t, f.w.SendDeferred(context.Background()))
	require.Empty(t, f.sentTo(f.email), "still quiet")

	f.w.now = func() time.Time { return time.Date(2026, 3, 11, 8, 1, 0, 0, seoul) }
	require.NoError(t, f.w.SendDeferred(context.Background()))
	require.NoError(t, f.w.SendDeferred(context.Background()))
	require.Len(t, f.sentTo(f.email), 1)
	require.Equal(t, []string{StatusSent}, f.statuses(ChannelEmail))
}
