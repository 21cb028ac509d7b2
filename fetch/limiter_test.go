package fetch

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLimiterBuckets(t *testing.T) {
	t.Parallel()
	o := newLimiterOptions([]LimiterOption{
		WithHostInterval("coupang.com", 2*time.Second),
		WithHostInterval("Shopping.Naver.com.", 3*time.Second),
		WithHostInterval("naver.com", time.Second),
	})
	tests := []struct {
		host         string
		wantKey      string
		wantInterval time.Duration
	}{
		{"www.coupang.com", "coupang.com", 2 * time.Second},
		{"m.coupang.com", "coupang.com", 2 * time.Second},
		{"coupang.com", "coupang.com", 2 * time.Second},
		{"notcoupang.com", "notcoupang.com", 500 * time.Millisecond},
		{"smartstore.naver.com", "naver.com", time.Second},
		{"shopping.naver.com", "shopping.naver.com", 3 * time.Second},
		{"search.shopping.naver.com", "shopping.naver.com", 3 * time.Second},
		{"WWW.Example.COM.", "www.example.com", 500 * time.Millisecond},
	}
	for _, tt := range tests {
		key, interval := o.bucket(tt.host, 500*time.Millisecond)
		require.Equal(t, tt.wantKey, key, tt.host)
		require.Equal(t, tt.wantInterval, interval, tt.host)
	}
}

func TestLocalLimiter(t *testing.T) {
	t.Parallel()
	lim := NewLocalLimiter(time.Hour, WithHostInterval("fast.example", 0))
	ctx := context.Background()

	require.NoError(t, lim.Wait(ctx, "shop.example"), "the first request is immediate")
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	require.Error(t, lim.Wait(short, "shop.example"), "the next slot is an hour away")
	require.NoError(t, lim.Wait(ctx, "other.example"), "hosts are independent")
	for range 5 {
		require.NoError(t, lim.Wait(ctx, "www.fast.example"), "a zero interval does not limit")
	}
}
