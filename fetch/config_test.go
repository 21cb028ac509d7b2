package fetch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c := Config{}.withDefaults()
	require.Equal(t, DefaultUserAgent, c.UserAgent)
	require.Equal(t, "ddokso-bot", c.RobotsAgent)
	require.Equal(t, 5*time.Second, c.ConnectTimeout)
	require.Equal(t, 10*time.Second, c.HeaderTimeout)
	require.Equal(t, 30*time.Second, c.TotalTimeout)
	require.EqualValues(t, 5<<20, c.MaxBodyBytes)
	require.Equal(t, 5, c.MaxRedirects)
	require.Equal(t, 2, c.Retries)
	require.Equal(t, 500*time.Millisecond, c.RetryBase)
	require.Equal(t, []int{80, 443}, c.Ports)
	require.False(t, c.AllowLoopback)
	require.False(t, c.IgnoreRobots)
	require.Equal(t, time.Hour, c.RobotsTTL)
	require.NotNil(t, c.LookupIPAddr)
	require.NotNil(t, c.Logger)

	c = Config{Retries: -1, MaxRedirects: -1}.withDefaults()
	require.Zero(t, c.Retries, "negative disables retries")
	require.Zero(t, c.MaxRedirects, "negative disables redirects")
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"zero is valid", Config{}, ""},
		{"header injection", Config{UserAgent: "bot\r\nX-Evil: 1"}, "line breaks"},
		{"negative timeout", Config{HeaderTimeout: -time.Second}, "HeaderTimeout must not be negative"},
		{"negative body", Config{MaxBodyBytes: -1}, "MaxBodyBytes"},
		{"bad port", Config{Ports: []int{443, 70000}}, "port 70000"},
		{"retry max below base", Config{RetryBase: time.Second, RetryMax: time.Millisecond}, "RetryMax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			_, err = New(tt.cfg)
			require.ErrorContains(t, err, tt.wantErr, "New validates too")
		})
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	t.Parallel()
	f, err := New(Config{RetryBase: 100 * time.Millisecond, RetryMax: time.Second})
	require.NoError(t, err)
	for attempt, base := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second} {
		for range 50 {
			d := f.backoff(attempt)
			require.GreaterOrEqual(t, d, base/2, "attempt %d", attempt)
			require.LessOrEqual(t, d, base, "attempt %d", attempt)
		}
	}
	require.LessOrEqual(t, f.backoff(80), time.Second, "no overflow for huge attempts")
}
